from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.notify.loopback import LoopbackService, Reply
from tests.notify_incident.incident_support import EXTERNAL_URL, GROUP_KEY_SHA256, alert, context, schema_errors

from tocsin.config.notifiers import OpsGenieConfig
from tocsin.notify.integration import NotifierDeps, NotifyError
from tocsin.notify.opsgenie import OpsGenieNotifier, build

API_KEY = "eb243592-faa2-4ba2-a551q-1afdf565c889"

_RESPONDER = {
    "type": "object",
    "required": ["type"],
    "additionalProperties": False,
    "properties": {
        "type": {"type": "string", "enum": ["team", "user", "escalation", "schedule"]},
        "id": {"type": "string"},
        "name": {"type": "string"},
        "username": {"type": "string"},
    },
}
# Opsgenie Alert API v2, POST /v2/alerts ("Create alert"): field limits as documented.
CREATE_ALERT: dict[str, Any] = {
    "type": "object",
    "required": ["message"],
    "additionalProperties": False,
    "properties": {
        "message": {"type": "string", "minLength": 1, "maxLength": 130},
        "alias": {"type": "string", "maxLength": 512},
        "description": {"type": "string", "maxLength": 15000},
        "responders": {"type": "array", "items": _RESPONDER},
        "visibleTo": {"type": "array", "items": _RESPONDER},
        "actions": {"type": "array", "maxItems": 10, "items": {"type": "string", "maxLength": 50}},
        "tags": {"type": "array", "maxItems": 20, "items": {"type": "string", "maxLength": 50}},
        "details": {"type": "object", "additionalProperties": {"type": "string"}},
        "entity": {"type": "string", "maxLength": 512},
        "source": {"type": "string", "maxLength": 100},
        "priority": {"type": "string", "enum": ["P1", "P2", "P3", "P4", "P5"]},
        "user": {"type": "string", "maxLength": 100},
        "note": {"type": "string", "maxLength": 25000},
    },
}
# POST /v2/alerts/:identifier/close: all body fields optional.
CLOSE_ALERT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "user": {"type": "string", "maxLength": 100},
        "source": {"type": "string", "maxLength": 100},
        "note": {"type": "string", "maxLength": 25000},
    },
}


def create_errors(body: dict[str, Any]) -> list[str]:
    errors = schema_errors(body, CREATE_ALERT)
    for i, r in enumerate(body.get("responders", [])):
        if not (r.get("id") or r.get("name") or r.get("username")):
            errors.append(f"responders[{i}] names nobody")
    return errors


def config(service: LoopbackService, **fields: Any) -> OpsGenieConfig:
    return OpsGenieConfig.model_validate({"api_key": API_KEY, "api_url": service.url + "/"} | fields)


async def test_create_alert_matches_alert_api(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = config(
        service,
        details={"runbook": "https://runbooks.example/{{ .GroupLabels.alertname }}"},
        responders=[
            {"name": "sre,dba", "type": "teams"},
            {"username": "oncall@example.com", "type": "user"},
            {"id": "{{ .CommonLabels.escalation }}", "type": "escalation"},  # absent label: filtered out
        ],
        tags="disk, {{ .CommonLabels.severity }},,",
        actions="restart, page-dba",
        priority='{{ if eq .CommonLabels.severity "critical" }}p1{{ else }}P3{{ end }}',
        entity="{{ .CommonLabels.instance }}",
        note="opened by Tocsin",
    )
    await build(cfg, deps).notify(context(), [alert("db1")])

    [req] = service.requests
    assert req.method == "POST" and urlsplit(req.path).path == "/v2/alerts"
    assert req.headers["authorization"] == f"GenieKey {API_KEY}"
    assert req.headers["content-type"] == "application/json"
    body = req.json()
    assert create_errors(body) == []
    assert body["alias"] == GROUP_KEY_SHA256
    assert body["responders"] == [
        {"name": "sre", "type": "team"},
        {"name": "dba", "type": "team"},
        {"username": "oncall@example.com", "type": "user"},
    ]
    assert body["tags"] == ["disk", "critical"]
    assert body["actions"] == ["restart", "page-dba"]
    assert body["priority"] == "P1"
    assert body["entity"] == "db1"
    assert body["note"] == "opened by Tocsin"
    # Common labels first, then the configured details.
    assert body["details"] == {
        "alertname": "DiskFull",
        "instance": "db1",
        "severity": "critical",
        "runbook": "https://runbooks.example/DiskFull",
    }


async def test_default_templates_render_like_alertmanager(service: LoopbackService, deps: NotifierDeps) -> None:
    await build(config(service), deps).notify(context(), [alert("db1")])
    body = service.requests[0].json()
    assert body["message"] == "[FIRING:1] DiskFull (db1 critical)"
    assert body["source"] == EXTERNAL_URL + "/#/alerts?receiver=ops"
    assert body["description"] == (
        "disk full on db1\nAlerts Firing:\nLabels:\n - alertname = DiskFull\n - instance = db1\n"
        " - severity = critical\nAnnotations:\n - summary = disk full on db1\n"
        "Source: http://prometheus.example/graph\n\n"
    )
    # Empty optional fields are left out rather than sent empty.
    assert not {"tags", "actions", "priority", "entity", "note", "responders"} & body.keys()


async def test_resolved_group_closes_alert_by_alias(service: LoopbackService, deps: NotifierDeps) -> None:
    await build(config(service), deps).notify(context(), [alert(resolved=True)])
    [req] = service.requests
    url = urlsplit(req.path)
    assert req.method == "POST"
    assert url.path == f"/v2/alerts/{GROUP_KEY_SHA256}/close"
    assert parse_qs(url.query) == {"identifierType": ["alias"]}
    assert req.headers["authorization"] == f"GenieKey {API_KEY}"
    assert schema_errors(req.json(), CLOSE_ALERT) == []
    assert req.json() == {"source": EXTERNAL_URL + "/#/alerts?receiver=ops"}


async def test_update_alerts_refreshes_message_and_description(service: LoopbackService, deps: NotifierDeps) -> None:
    await build(config(service, update_alerts=True), deps).notify(context(), [alert()])
    create, message, description = service.requests
    assert create.method == "POST"
    for req, field in ((message, "message"), (description, "description")):
        url = urlsplit(req.path)
        assert req.method == "PUT"
        assert url.path == f"/v2/alerts/{GROUP_KEY_SHA256}/{field}"
        assert parse_qs(url.query) == {"identifierType": ["alias"]}
        assert req.json() == {field: create.json()[field]}


async def test_message_truncated_at_130_runes(service: LoopbackService, deps: NotifierDeps) -> None:
    await build(config(service, message="ü" * 300, source="s" * 150), deps).notify(context(), [alert()])
    body = service.requests[0].json()
    assert body["message"] == "ü" * 129 + "…"
    assert len(body["source"]) == 100 and body["source"].endswith("…")
    assert create_errors(body) == []


async def test_invalid_priority_is_left_out(service: LoopbackService, deps: NotifierDeps) -> None:
    await build(config(service, priority="{{ .CommonLabels.severity }}"), deps).notify(context(), [alert()])
    body = service.requests[0].json()
    assert "priority" not in body
    assert create_errors(body) == []


async def test_api_key_from_file(service: LoopbackService, deps: NotifierDeps, tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(API_KEY + "\n")
    cfg = OpsGenieConfig.model_validate({"api_key_file": str(key_file), "api_url": service.url})
    await build(cfg, deps).notify(context(), [alert()])
    assert service.requests[0].headers["authorization"] == f"GenieKey {API_KEY}"


async def test_unreadable_key_file_is_permanent(service: LoopbackService, deps: NotifierDeps, tmp_path: Path) -> None:
    cfg = OpsGenieConfig.model_validate({"api_key_file": str(tmp_path / "missing"), "api_url": service.url})
    with pytest.raises(NotifyError) as exc:
        await build(cfg, deps).notify(context(), [alert()])
    assert exc.value.retry is False and "api_key file" in str(exc.value)


async def test_template_error_is_permanent_and_names_field(service: LoopbackService, deps: NotifierDeps) -> None:
    with pytest.raises(NotifyError) as exc:
        await build(config(service, entity="{{ .Nope }}"), deps).notify(context(), [alert()])
    assert exc.value.retry is False and "entity" in str(exc.value)
    assert service.requests == []


async def test_server_error_is_retried(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(503, "unavailable"))
    with pytest.raises(NotifyError) as exc:
        await build(config(service), deps).notify(context(), [alert()])
    assert exc.value.retry is True and "503" in str(exc.value)


async def test_client_error_is_permanent_and_keeps_key_out(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(422, {"message": "Request body is not processable", "took": 0.001}))
    with pytest.raises(NotifyError) as exc:
        await build(config(service), deps).notify(context(), [alert()])
    assert exc.value.retry is False and "422" in str(exc.value)
    assert API_KEY not in str(exc.value)


async def test_rate_limit_honours_retry_after(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(429, {"message": "rate limited"}, {"Retry-After": "3"}))
    with pytest.raises(NotifyError) as exc:
        await build(config(service), deps).notify(context(), [alert()])
    assert exc.value.retry is True and exc.value.retry_after == 3.0


async def test_failed_create_stops_before_updates(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(500, "boom"))
    with pytest.raises(NotifyError):
        await build(config(service, update_alerts=True), deps).notify(context(), [alert()])
    assert len(service.requests) == 1


async def test_timeout_is_retried(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(202, "", delay=1.0))
    notifier = OpsGenieNotifier(config(service), deps, timeout=0.15)
    with pytest.raises(NotifyError) as exc:
        await notifier.notify(context(), [alert()])
    assert exc.value.retry is True and "timed out" in str(exc.value)
