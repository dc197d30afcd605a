"""The public API the notify stage uses: template_data, Templates, render_text/render_html."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tocsin.notify.template import AlertView, TemplateError, Templates, template_data
from tocsin.notify.template import templates as templates_mod

START = dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)


def alerts() -> list[AlertView]:
    return [
        AlertView(
            labels={"alertname": "Down", "job": "api", "instance": "a:1"},
            annotations={"summary": "api down"},
            starts_at=START,
            generator_url="http://prom/g",
            fingerprint="aa",
        ),
        AlertView(
            labels={"alertname": "Down", "job": "api", "instance": "b:1"},
            annotations={"summary": "api down"},
            starts_at=START,
            ends_at=START + dt.timedelta(minutes=1),
            status="resolved",
            fingerprint="bb",
        ),
    ]


def test_template_data_matches_alertmanager_rules() -> None:
    d = template_data("team.a+b", {"alertname": "Down"}, alerts(), "http://am:9093")
    t = Templates.from_globs([])
    assert t.render_text("{{ .Receiver }}|{{ .Status }}|{{ .CommonLabels }}", d) == (
        r"team\.a\+b|firing|map[alertname:Down job:api]"
    )
    assert t.render_text("{{ len .Alerts.Firing }}/{{ len .Alerts.Resolved }}", d) == "1/1"
    assert t.render_text("{{ range .Alerts }}{{ .StartsAt }}{{ end }}", d).startswith(
        "2026-01-02 03:04:05.678901 +0000 UTC"
    )
    resolved_only = template_data("r", {}, alerts()[1:], "")
    assert t.render_text("{{ .Status }}", resolved_only) == "resolved"


def test_default_subject_and_slack_title() -> None:
    d = template_data("r", {"alertname": "Down"}, alerts(), "http://am")
    t = Templates.from_globs([])
    assert t.render_text('{{ template "slack.default.title" . }}', d) == "[FIRING:1] Down (api)"
    assert t.render_text('{{ template "__alertmanagerURL" . }}', d) == "http://am/#/alerts?receiver=r"
    assert t.render_text('{{ template "email.default.subject" . }}', d) == "[FIRING:1] Down (api)"


def test_user_files_override_defaults_in_glob_order(tmp_path: Path) -> None:
    (tmp_path / "a.tmpl").write_text('{{ define "slack.default.title" }}A{{ end }}{{ define "mine" }}m{{ end }}')
    (tmp_path / "b.tmpl").write_text('{{ define "slack.default.title" }}B{{ end }}{{ define "mine" }}{{ end }}')
    t = Templates.from_globs([str(tmp_path / "*.tmpl"), str(tmp_path / "none-*.tmpl")])
    d = template_data("r", {}, alerts(), "")
    # later files win, but an empty definition does not replace a real one (Go's rule)
    assert t.render_text('{{ template "slack.default.title" . }}|{{ template "mine" }}', d) == "B|m"


def test_empty_text_renders_empty_and_parse_errors_name_the_line() -> None:
    t = Templates.from_globs([], include_defaults=False)
    d = template_data("r", {}, alerts(), "")
    assert t.render_text("", d) == ""
    with pytest.raises(TemplateError, match=r"^template: :2: unexpected \{\{end\}\}$"):
        t.render_text("ok\n{{ end }}", d)
    with pytest.raises(TemplateError, match=r'^template: :1:3: executing "" at <\.Nope>: can\'t evaluate field Nope'):
        t.render_text("{{ .Nope }}", d)


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "bad.tmpl").write_text('{{ define "x" }}\n{{ if }}{{ end }}{{ end }}')
    with pytest.raises(TemplateError, match=r"^template: bad.tmpl:2: missing value for if$"):
        Templates.from_globs([str(tmp_path / "*.tmpl")])


def test_texts_are_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = templates_mod.parse

    def counting(name: str, text: str, funcs: object) -> object:
        calls.append(text)
        return real(name, text, funcs)  # type: ignore[arg-type]

    t = Templates.from_globs([], include_defaults=False)
    monkeypatch.setattr(templates_mod, "parse", counting)
    d = template_data("r", {}, alerts(), "")
    for _ in range(5):
        assert t.render_text("{{ .Receiver }}", d) == "r"
    assert calls == ["{{ .Receiver }}"]


def test_render_html_escapes_by_context() -> None:
    d = template_data("r", {}, [AlertView(labels={"x": "<b>&'"}, generator_url="javascript:alert(1)")], "")
    t = Templates.from_globs([], include_defaults=False)
    out = t.render_html(
        '{{ range .Alerts }}<p title="{{ .Labels.x }}">{{ .Labels.x }}</p><a href="{{ .GeneratorURL }}">'
        "{{ safeHtml .Labels.x }}</a><!-- gone -->{{ end }}",
        d,
    )
    assert out == '<p title="&lt;b&gt;&amp;&#39;">&lt;b&gt;&amp;&#39;</p><a href="#ZgotmplZ"><b>&\'</a>'


def test_default_email_html_renders_escaped_values() -> None:
    d = template_data("r", {"alertname": "<Down>"}, alerts(), "http://am")
    out = Templates.from_globs([]).render_html('{{ template "email.default.html" . }}', d)
    assert "<title>[FIRING:1] &lt;Down&gt; (api)</title>" in out
    assert "Mailgun" not in out  # html/template drops the comment holding the notice
    assert 'href="http://am/#/alerts?receiver=r"' in out
