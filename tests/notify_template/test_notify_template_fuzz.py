"""Arbitrary input never crashes the lexer, parser or executor with anything but TemplateError."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tocsin.notify.template import AlertView, TemplateError, Templates, template_data
from tocsin.notify.template.functions import ALL_NAMES
from tocsin.notify.template.parser import parse

# Fragments that steer generated text into template syntax far more often than random characters.
FRAGMENTS = [
    "{{", "}}", "{{-", "-}}", "{{ ", " }}", "/*", "*/", "(", ")", "|", ":=", "=", ",", ".", "$", "$x",
    " ", "\n", '"', "`", "'", "\\", "if", "else", "end", "range", "with", "define", "template", "block",
    "break", "continue", "nil", "true", "0x1F", "1e3", "-2", "'a'", "1i", ".Alerts", ".Labels.a",
    ".Receiver", ".CommonLabels.SortedPairs", "printf", '"%d %s"', "len", "index", "slice", "eq", "lt",
    "and", "or", "not", "toUpper", "join", "stringSlice", "html", "js", "urlquery", "print", "x", "é",
]  # fmt: skip

template_text = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(FRAGMENTS), max_size=25).map("".join),
)

DATA = template_data(
    "r",
    {"a": "b"},
    [AlertView(labels={"a": "1"}, annotations={"s": "x"}, starts_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))],
    "http://am",
)
TEMPLATES = Templates.from_globs([], include_defaults=False)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template_text)
def test_parser_raises_only_template_error(text: str) -> None:
    try:
        trees = parse("fuzz", text, ALL_NAMES)
    except TemplateError as e:
        assert str(e).startswith("template: ")
    else:
        assert "fuzz" in trees


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template_text)
def test_rendering_raises_only_template_error(text: str) -> None:
    for render in (TEMPLATES.render_text, TEMPLATES.render_html):
        try:
            out = render(text, DATA)
        except TemplateError:
            continue
        assert isinstance(out, str)
