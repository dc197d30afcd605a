"""Every default template a receiver field points at must exist in Tocsin's default templates.

A receiver configured without custom templates renders its defaults, e.g. `{{ template
"jira.default.summary" . }}`; if default.tmpl lacks that name the notification fails at send time
with "no such template". The names are collected from the config models themselves, so a new
integration or field cannot silently outrun default.tmpl. The names Alertmanager 0.25 does not know
(amtool cannot be the oracle for them) are also pinned to the output current Alertmanager renders.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from tocsin.config import model as config_model
from tocsin.config import notifiers
from tocsin.notify.template import AlertView, TemplateData, Templates, template_data

_TEMPLATE_CALL = re.compile(r'\{\{-?\s*template\s+"([^"]+)"')
START = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)

FIRING = AlertView(
    labels={"alertname": "DiskFull", "instance": "db:9100", "severity": "critical"},
    annotations={"summary": "disk full", "runbook": "http://wiki/disk"},
    starts_at=START,
    generator_url="http://prom:9090/graph?g0.expr=up",
    fingerprint="0f1e2d3c4b5a6978",
)
RESOLVED = AlertView(
    labels={"alertname": "DiskFull", "instance": "web:9100", "severity": "warning"},
    annotations={"summary": "disk full"},
    starts_at=START,
    ends_at=START + dt.timedelta(minutes=5),
    generator_url="http://prom:9090/graph?g0.expr=up",
    fingerprint="8796a5b4c3d2e1f0",
    status="resolved",
)


def _strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _strings_in(getattr(value, name))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings_in(k)
            yield from _strings_in(v)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _strings_in(item)


def _field_defaults(cls: type[BaseModel]) -> Iterator[tuple[str, Any]]:
    for name, info in cls.model_fields.items():
        if info.default_factory is not None or info.default is not PydanticUndefined:
            yield name, info.get_default(call_default_factory=True, validated_data={})


def _models(module: ModuleType) -> list[type[BaseModel]]:
    return [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == module.__name__
    ]


def referenced_default_templates() -> dict[str, dict[str, str]]:
    """Template name -> {where: default text} for every default (`Model.field` or module constant) using it."""
    found: dict[str, dict[str, str]] = {}

    def note(where: str, value: Any) -> None:
        for text in _strings_in(value):
            for name in _TEMPLATE_CALL.findall(text):
                found.setdefault(name, {})[where] = text

    for module in (notifiers, config_model):
        for cls in _models(module):
            for field_name, default in _field_defaults(cls):
                note(f"{cls.__name__}.{field_name}", default)
        # Defaults applied by validators (e.g. PagerDuty's details) live in module constants.
        for const_name, value in vars(module).items():
            if not const_name.startswith("__") and not isinstance(value, type | ModuleType) and not callable(value):
                note(f"{module.__name__}.{const_name}", value)
    return found


REFERENCED = referenced_default_templates()


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates.from_globs([], include_defaults=True)


def _data(*alerts: AlertView) -> TemplateData:
    return template_data("team-db", {"alertname": "DiskFull"}, list(alerts), "http://am:9093")


def test_collection_finds_the_integrations_added_after_alertmanager_0_25() -> None:
    # Guards the collector itself: if it stopped walking fields, the test below would pass vacuously.
    expected = {
        "slack.default.title",
        "pagerduty.default.instances",
        "email.default.html",
        "msteams.default.text",
        "msteamsv2.default.title",
        "jira.default.summary",
        "jira.default.description",
        "jira.default.priority",
        "rocketchat.default.titlelink",
        "mattermost.default.color",
        "telegram.default.message",
        "webex.default.message",
    }
    assert expected <= set(REFERENCED)
    assert "JiraConfig.summary" in REFERENCED["jira.default.summary"]


@pytest.mark.parametrize("name", sorted(REFERENCED))
def test_every_referenced_default_template_is_defined_and_renders(templates: Templates, name: str) -> None:
    assert name in templates.names(), f"{name} (used by {sorted(REFERENCED[name])}) is not defined"
    for where, text in sorted(REFERENCED[name].items()):
        for data in (_data(FIRING), _data(RESOLVED), _data(FIRING, RESOLVED)):
            # Email bodies go through html/template, everything else through text/template.
            html = where.startswith("EmailConfig.html")
            out = templates.render_html(text, data) if html else templates.render_text(text, data)
            assert "<no value>" not in out, where


# -- output of the names added after Alertmanager 0.25 ---------------------------------------------


def markdown_alert(labels: dict[str, str], annotations: dict[str, str], source: str) -> str:
    """One alert as Alertmanager's `__text_alert_list_markdown` lays it out."""
    lines = "".join(f"  - {k} = {v}\n" for k, v in sorted(labels.items()))
    notes = "".join(f"  - {k} = {v}\n" for k, v in sorted(annotations.items()))
    return f"\nLabels:\n{lines}\nAnnotations:\n{notes}\nSource: {source}\n"


def markdown_sections(firing: list[AlertView], resolved: list[AlertView]) -> str:
    """The body of msteams/msteamsv2 text and Jira description in current Alertmanager."""

    def block(title: str, alerts: list[AlertView]) -> str:
        if not alerts:
            return ""
        body = "".join(markdown_alert(dict(a.labels), dict(a.annotations), a.generator_url) for a in alerts)
        return f"\n# {title}:\n{body}\n\n"

    return "\n" + block("Alerts Firing", firing) + "\n" + block("Alerts Resolved", resolved) + "\n"


def render(templates: Templates, name: str, data: TemplateData) -> str:
    return templates.render_text('{{ template "' + name + '" . }}', data)


def test_jira_description_matches_alertmanagers_own_expectation(templates: Templates) -> None:
    # The literal expected by Alertmanager's notify/jira tests for one firing alert without annotations.
    data = template_data("r", {"alertname": "test"}, [AlertView(labels={"alertname": "test", "instance": "vm1"})], "")
    assert render(templates, "jira.default.summary", data) == "[FIRING:1] test (vm1)"
    assert render(templates, "jira.default.description", data) == (
        "\n\n# Alerts Firing:\n\nLabels:\n  - alertname = test\n  - instance = vm1\n\n"
        "Annotations:\n\nSource: \n\n\n\n\n"
    )


SECOND_FIRING = AlertView(
    labels={"alertname": "DiskFull", "instance": "cache:9100"},
    annotations={},
    starts_at=START,
    generator_url="",
)


@pytest.mark.parametrize(
    ("firing", "resolved"),
    [([FIRING], []), ([], [RESOLVED]), ([FIRING], [RESOLVED]), ([FIRING, SECOND_FIRING], [RESOLVED])],
)
def test_markdown_bodies(templates: Templates, firing: list[AlertView], resolved: list[AlertView]) -> None:
    data = _data(*firing, *resolved)
    expected = markdown_sections(firing, resolved)
    for name in (
        "msteams.default.text",
        "msteamsv2.default.text",
        "jira.default.description",
        "mattermost.default.text",
    ):
        assert render(templates, name, data) == expected, name
    listing = templates.render_text('{{ template "__text_alert_list_markdown" .Alerts }}', data)
    assert (
        listing
        == "".join(markdown_alert(dict(a.labels), dict(a.annotations), a.generator_url) for a in [*firing, *resolved])
        + "\n"
    )


def test_titles_links_and_fixed_values(templates: Templates) -> None:
    data = _data(FIRING)
    subject = "[FIRING:1] DiskFull (db:9100 critical)"
    assert render(templates, "__subject", data) == subject
    link = "http://am:9093/#/alerts?receiver=team-db"
    for name in (
        "msteams.default.title",
        "msteams.default.summary",
        "msteamsv2.default.title",
        "jira.default.summary",
        "rocketchat.default.title",
        "mattermost.default.title",
    ):
        assert render(templates, name, data) == subject, name
    assert render(templates, "rocketchat.default.titlelink", data) == link
    assert render(templates, "mattermost.default.titlelink", data) == link
    assert render(templates, "rocketchat.default.alias", data) == "Alertmanager"
    assert render(templates, "mattermost.default.username", data) == "Alertmanager"
    assert render(templates, "mattermost.default.fallback", data) == f"{subject} | {link}"
    for name in ("rocketchat.default.emoji", "rocketchat.default.iconurl", "rocketchat.default.text"):
        assert render(templates, name, data) == "", name
    assert render(templates, "discord.default.content", data) == ""
    # Mattermost's definitions could not be checked against upstream's default.tmpl (not in the
    # reference index); they follow the Slack ones, whose webhook format Mattermost accepts.
    assert render(templates, "mattermost.default.color", _data(FIRING, RESOLVED)) == "danger"
    assert render(templates, "mattermost.default.color", _data(RESOLVED)) == "good"


def _alert(severity: str | None, status: str = "firing") -> AlertView:
    labels = {"alertname": "A"} if severity is None else {"alertname": "A", "severity": severity}
    return AlertView(labels=labels, status=status)


@pytest.mark.parametrize(
    ("firing", "resolved", "priority"),
    [
        ([], [], ""),
        (["critical"], [], "High"),
        (["info", "warning"], [], "Medium"),
        (["warning", "critical", "info"], [], "High"),
        (["info", None], [], "Low"),
        (["page"], [], ""),
        # Resolved alerts only count when no firing alert has a known severity.
        (["page", None], ["critical"], "High"),
        ([], ["info", "warning"], "Medium"),
        (["info"], ["critical"], "Low"),
        (["Critical"], ["info"], "Low"),
    ],
)
def test_jira_priority(
    templates: Templates, firing: list[str | None], resolved: list[str | None], priority: str
) -> None:
    alerts = [_alert(s) for s in firing] + [_alert(s, "resolved") for s in resolved]
    data = template_data("r", {}, alerts, "")
    assert render(templates, "jira.default.priority", data) == priority
