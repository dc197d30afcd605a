"""Pushover: form-encoded POST to /1/messages.json (https://pushover.net/api)."""

from __future__ import annotations

import pytest
from tests.notify.loopback import LoopbackService, Reply
from tests.notify_misc.channels_under_test import PUSHOVER_TOKEN, PUSHOVER_USER, pushover_cfg
from tests.notify_misc.misc_support import firing_alerts, make_alert, make_ctx, resolved_alerts

from tocsin.notify import pushover
from tocsin.notify.integration import NotifierDeps, NotifyError

OK = Reply(200, {"status": 1, "request": "647d2300-702c-4b38-8b2f-d56326ae460b"})
KNOWN = {
    "token",
    "user",
    "message",
    "title",
    "url",
    "url_title",
    "priority",
    "retry",
    "expire",
    "sound",
    "device",
    "ttl",
    "html",
    "monospace",
    "timestamp",
    "attachment_base64",
    "attachment_type",
    "callback",
    "tags",
}


def _form(service: LoopbackService) -> dict[str, str]:
    req = service.requests[0]
    assert req.method == "POST"
    assert req.path == "/1/messages.json"
    assert req.headers["content-type"] == "application/x-www-form-urlencoded"
    form = req.form()
    assert all(len(v) == 1 for v in form.values()), "each field is sent once"
    return {k: v[0] for k, v in form.items()}


def _check_documented(form: dict[str, str]) -> None:
    for name in ("token", "user", "message"):
        assert form.get(name), f"{name} is required"
    assert set(form) <= KNOWN, f"undocumented fields: {set(form) - KNOWN}"
    assert len(form["title"]) <= 250 and len(form["message"]) <= 1024 and len(form["url"]) <= 512
    assert form["priority"] in {"-2", "-1", "0", "1", "2"}
    if form["priority"] == "2":
        assert int(form["retry"]) >= 30 and int(form["expire"]) <= 10800
    for flag in ("html", "monospace"):
        assert form.get(flag, "1") == "1"


async def test_misc_pushover_payload_shape_and_defaults(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(OK)
    n = pushover.build(pushover_cfg(sound="siren"), deps, api_url=service.url + "/1/messages.json")
    await n.notify(make_ctx(), firing_alerts())
    form = _form(service)
    _check_documented(form)
    assert form["token"] == PUSHOVER_TOKEN and form["user"] == PUSHOVER_USER
    assert form["title"] == "[FIRING:2] HighLatency (api critical)"
    assert form["message"].startswith("p99 latency above 2s")
    assert form["url"] == "http://am.example:9093/#/alerts?receiver=ops"
    assert (form["priority"], form["retry"], form["expire"], form["sound"]) == ("2", "60", "3600", "siren")
    assert "html" not in form and "ttl" not in form


async def test_misc_pushover_resolved_priority_and_html(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = pushover_cfg(html=True, ttl="1h", message="<b>{{ .CommonLabels.alertname }}</b> {{ .Status }}")
    await pushover.build(cfg, deps, api_url=service.url + "/1/messages.json").notify(make_ctx(), resolved_alerts())
    form = _form(service)
    _check_documented(form)
    assert form["priority"] == "0"
    assert form["html"] == "1" and form["ttl"] == "3600"
    assert form["message"] == "<b>HighLatency</b> resolved"


async def test_misc_pushover_limits_and_empty_message(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = pushover_cfg(title="T" * 300, message="M" * 2000, url="https://x.example/" + "u" * 600)
    await pushover.build(cfg, deps, api_url=service.url + "/1/messages.json").notify(make_ctx(), firing_alerts())
    form = _form(service)
    _check_documented(form)
    assert len(form["title"]) == 250 and form["title"].endswith("…")
    assert len(form["message"]) == 1024 and form["message"].endswith("…")
    assert len(form["url"]) == 512 and form["url"].endswith("…")

    service.requests.clear()
    cfg = pushover_cfg(message="   ")
    await pushover.build(cfg, deps, api_url=service.url + "/1/messages.json").notify(make_ctx(), firing_alerts())
    assert _form(service)["message"] == "(no details)"


async def test_misc_pushover_bad_priority_is_permanent(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = pushover_cfg(priority="{{ .CommonLabels.severity }}")
    n = pushover.build(cfg, deps, api_url=service.url + "/1/messages.json")
    with pytest.raises(NotifyError, match="priority 'critical'") as info:
        await n.notify(make_ctx(), [make_alert({"alertname": "A", "severity": "critical"})])
    assert info.value.retry is False
    assert service.requests == []
