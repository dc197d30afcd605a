from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.notify.loopback import LoopbackService, Reply
from tests.notify_incident.incident_support import EXTERNAL_URL, GROUP_KEY, alert, context, schema_errors

from tocsin.config.notifiers import IncidentioConfig
from tocsin.notify.incidentio import MAX_PAYLOAD_BYTES, build
from tocsin.notify.integration import NotifierDeps, NotifyError

TOKEN = "inc-alert-source-token-0123456789"
PATH = "/v2/alert_events/alertmanager/01GW2G3V0S59R238FAHPDS1R66"

_STRINGS = {"type": "object", "additionalProperties": {"type": "string"}}
# incident.io's Alertmanager alert source reads Alertmanager's notification JSON; Alertmanager's incident.io
# notifier sends it with protocol version "1". Every field of that body is always present.
ALERTMANAGER_BODY: dict[str, Any] = {
    "type": "object",
    "required": [
        "version",
        "groupKey",
        "truncatedAlerts",
        "status",
        "receiver",
        "groupLabels",
        "commonLabels",
        "commonAnnotations",
        "externalURL",
        "alerts",
    ],
    "additionalProperties": False,
    "properties": {
        "version": {"type": "string", "enum": ["1"]},
        "groupKey": {"type": "string", "minLength": 1},
        "truncatedAlerts": {"type": "integer"},
        "status": {"type": "string", "enum": ["firing", "resolved"]},
        "receiver": {"type": "string"},
        "groupLabels": _STRINGS,
        "commonLabels": _STRINGS,
        "commonAnnotations": _STRINGS,
        "externalURL": {"type": "string"},
        "alerts": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"],
                "additionalProperties": False,
                "properties": {
                    "status": {"type": "string", "enum": ["firing", "resolved"]},
                    "labels": _STRINGS,
                    "annotations": _STRINGS,
                    "startsAt": {"type": "string"},
                    "endsAt": {"type": "string"},
                    "generatorURL": {"type": "string"},
                    "fingerprint": {"type": "string", "minLength": 16, "maxLength": 16},
                },
            },
        },
    },
}


def config(service: LoopbackService, **fields: Any) -> IncidentioConfig:
    return IncidentioConfig.model_validate({"url": service.url + PATH, "alert_source_token": TOKEN} | fields)


async def test_body_is_alertmanager_payload_version_1(service: LoopbackService, deps: NotifierDeps) -> None:
    await build(config(service), deps).notify(context(), [alert("db1"), alert("db2", resolved=True)])
    [req] = service.requests
    assert req.method == "POST" and req.path == PATH
    assert req.headers["authorization"] == f"Bearer {TOKEN}"
    assert req.headers["content-type"] == "application/json"
    body = req.json()
    assert schema_errors(body, ALERTMANAGER_BODY) == []
    assert body["version"] == "1"
    assert body["groupKey"] == GROUP_KEY
    assert body["truncatedAlerts"] == 0
    assert body["status"] == "firing"
    assert [a["status"] for a in body["alerts"]] == ["firing", "resolved"]
    assert body["alerts"][0]["startsAt"] == "2026-03-01T11:50:00Z"
    assert body["alerts"][0]["endsAt"] == "0001-01-01T00:00:00Z"
    assert body["alerts"][1]["endsAt"] == "2026-03-01T11:59:00Z"


async def test_group_data_matches_template_data(service: LoopbackService, deps: NotifierDeps) -> None:
    await build(config(service), deps).notify(context(), [alert("db1"), alert("db2")])
    body = service.requests[0].json()
    assert body["receiver"] == "ops"
    assert body["externalURL"] == EXTERNAL_URL
    assert body["groupLabels"] == {"alertname": "DiskFull"}
    assert body["commonLabels"] == {"alertname": "DiskFull", "severity": "critical"}
    assert body["commonAnnotations"] == {}


async def test_resolved_group(service: LoopbackService, deps: NotifierDeps) -> None:
    await build(config(service), deps).notify(context(), [alert(resolved=True)])
    body = service.requests[0].json()
    assert body["status"] == "resolved"
    assert schema_errors(body, ALERTMANAGER_BODY) == []


async def test_max_alerts_truncates_and_counts(service: LoopbackService, deps: NotifierDeps) -> None:
    alerts = [alert(f"db{i}") for i in range(5)]
    await build(config(service, max_alerts=2), deps).notify(context(), alerts)
    body = service.requests[0].json()
    assert [a["labels"]["instance"] for a in body["alerts"]] == ["db0", "db1"]
    assert body["truncatedAlerts"] == 3


async def test_oversized_payload_keeps_first_alert(service: LoopbackService, deps: NotifierDeps) -> None:
    big = {"description": "x" * 100 * 1024}
    alerts = [alert(f"db{i}", annotations=big) for i in range(8)]
    await build(config(service), deps).notify(context(), alerts)
    req = service.requests[0]
    assert len(req.body) <= MAX_PAYLOAD_BYTES
    body = req.json()
    assert [a["labels"]["instance"] for a in body["alerts"]] == ["db0"]
    assert schema_errors(body, ALERTMANAGER_BODY) == []


async def test_token_file_and_url_file(service: LoopbackService, deps: NotifierDeps, tmp_path: Path) -> None:
    (tmp_path / "token").write_text(TOKEN + "\n")
    (tmp_path / "url").write_text(service.url + PATH + "\n")
    cfg = IncidentioConfig.model_validate(
        {"url_file": str(tmp_path / "url"), "alert_source_token_file": str(tmp_path / "token")}
    )
    await build(cfg, deps).notify(context(), [alert()])
    req = service.requests[0]
    assert req.path == PATH and req.headers["authorization"] == f"Bearer {TOKEN}"


async def test_http_config_authorization_is_sent(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = IncidentioConfig.model_validate(
        {"url": service.url + PATH, "http_config": {"authorization": {"credentials": TOKEN}}}
    )
    await build(cfg, deps).notify(context(), [alert()])
    assert service.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


async def test_missing_url_file_is_permanent(service: LoopbackService, deps: NotifierDeps, tmp_path: Path) -> None:
    cfg = IncidentioConfig.model_validate({"url_file": str(tmp_path / "nope"), "alert_source_token": TOKEN})
    with pytest.raises(NotifyError) as exc:
        await build(cfg, deps).notify(context(), [alert()])
    assert exc.value.retry is False and "url_file" in str(exc.value)


async def test_server_error_is_retried(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(500, {"error": "internal error"}))
    with pytest.raises(NotifyError) as exc:
        await build(config(service), deps).notify(context(), [alert()])
    assert exc.value.retry is True and "500" in str(exc.value) and "internal error" in str(exc.value)


async def test_client_error_is_permanent_and_keeps_secrets_out(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(400, {"error": "invalid request", "message": "Invalid payload format"}))
    with pytest.raises(NotifyError) as exc:
        await build(config(service), deps).notify(context(), [alert()])
    assert exc.value.retry is False and "400" in str(exc.value)
    assert TOKEN not in str(exc.value) and PATH not in str(exc.value)


async def test_rate_limit_honours_retry_after(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(429, {"error": "rate limit exceeded"}, {"Retry-After": "30"}))
    with pytest.raises(NotifyError) as exc:
        await build(config(service), deps).notify(context(), [alert()])
    assert exc.value.retry is True and exc.value.retry_after == 30.0


async def test_timeout_is_retried(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(200, "", delay=1.0))
    with pytest.raises(NotifyError) as exc:
        await build(config(service, timeout="150ms"), deps).notify(context(), [alert()])
    assert exc.value.retry is True and "timed out" in str(exc.value)
