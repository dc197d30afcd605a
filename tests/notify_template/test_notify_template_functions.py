"""Functions added to Alertmanager after 0.25 (amtool 0.25 cannot check them), per its documentation."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tocsin.model.clock import FakeClock
from tocsin.notify.template import AlertView, TemplateError, Templates, template_data

T0 = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.UTC)


@pytest.fixture
def data() -> object:
    return template_data(
        "ops",
        {"alertname": "Disk"},
        [
            AlertView(
                labels={"alertname": "Disk", "host": "a"},
                annotations={"summary": "  disk full  ", "link": "a%20b%2Fc+d"},
                starts_at=T0,
                fingerprint="f1",
            )
        ],
        "http://am",
    )


def render(text: str, data: object, clock: FakeClock | None = None) -> str:
    return Templates.from_globs([], include_defaults=False, clock=clock).render_text(text, data)


def test_trim_space(data: object) -> None:
    assert render("[{{ (index .Alerts 0).Annotations.summary | trimSpace }}]", data) == "[disk full]"


def test_date_uses_go_layouts(data: object) -> None:
    out = render('{{ range .Alerts }}{{ .StartsAt | date "2006-01-02 15:04:05 MST Mon Jan" }}{{ end }}', data)
    assert out == "2026-03-01 12:00:00 UTC Sun Mar"


def test_tz_converts_and_rejects_unknown_zone(data: object) -> None:
    out = render('{{ range .Alerts }}{{ .StartsAt | tz "Europe/Paris" | date "15:04 MST -07:00" }}{{ end }}', data)
    assert out == "13:00 CET +01:00"
    with pytest.raises(TemplateError, match="error calling tz: unknown time zone Mars/Base"):
        render('{{ range .Alerts }}{{ tz "Mars/Base" .StartsAt }}{{ end }}', data)


def test_since_uses_the_injected_clock(data: object) -> None:
    clock = FakeClock(T0 + dt.timedelta(minutes=90, seconds=5))
    out = render("{{ range .Alerts }}{{ since .StartsAt }}|{{ (since .StartsAt).Minutes }}{{ end }}", data, clock)
    assert out == "1h30m5s|90.08333333333333"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", "0s"),
        ("899.99", "14m 59s"),
        ("90061", "1d 1h 1m 1s"),
        ("3600", "1h 0m 0s"),
        ("1.5", "1.5s"),
        ("0.0012", "1.2ms"),
        ("-65", "-1m 5s"),
        ("0.000000005", "5ns"),
    ],
)
def test_humanize_duration(value: str, expected: str, data: object) -> None:
    assert render(f'{{{{ humanizeDuration "{value}" }}}}', data) == expected
    assert render(f"{{{{ humanizeDuration {value} }}}}", data) == expected


def test_humanize_duration_rejects_text(data: object) -> None:
    with pytest.raises(TemplateError, match="error calling humanizeDuration"):
        render('{{ humanizeDuration "soon" }}', data)


def test_to_json_of_labels_and_data(data: object) -> None:
    assert render("{{ .CommonLabels | toJson }}", data) == '{"alertname":"Disk","host":"a"}'
    doc = json.loads(render("{{ toJson . }}", data))
    assert doc["receiver"] == "ops"
    assert doc["alerts"][0]["startsAt"] == "2026-03-01T12:00:00Z"
    assert doc["groupLabels"] == {"alertname": "Disk"}
    assert render('{{ toJson "<&>" }}', data) == '"\\u003c\\u0026\\u003e"'


def test_url_unescape_and_safe_url(data: object) -> None:
    assert render("{{ (index .Alerts 0).Annotations.link | urlUnescape }}", data) == "a b/c d"
    with pytest.raises(TemplateError, match="urlUnescape"):
        render('{{ urlUnescape "%zz" }}', data)
    assert render('{{ safeUrl "http://x/?a=b" }}', data) == "http://x/?a=b"
