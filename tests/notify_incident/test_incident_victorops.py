from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from tests.notify.loopback import LoopbackService, Reply
from tests.notify_incident.incident_support import GROUP_KEY_SHA256, alert, context, schema_errors

from tocsin.config.notifiers import VictorOpsConfig
from tocsin.notify.integration import NotifierDeps, NotifyError
from tocsin.notify.victorops import VictorOpsNotifier, build

API_KEY = "4a5b6c7d-0000-1111-2222-333344445555"

# VictorOps REST endpoint: only message_type is required; state_message holds 20480 characters (incident fields
# glossary). The fields Alertmanager sets are listed; custom fields are allowed and must be strings.
REST_ALERT: dict[str, Any] = {
    "type": "object",
    "required": ["message_type", "entity_id"],
    "additionalProperties": {"type": "string"},
    "properties": {
        "message_type": {"type": "string", "enum": ["CRITICAL", "WARNING", "ACKNOWLEDGEMENT", "INFO", "RECOVERY"]},
        "entity_id": {"type": "string", "minLength": 1},
        "entity_display_name": {"type": "string"},
        "state_message": {"type": "string", "maxLength": 20480},
        "monitoring_tool": {"type": "string"},
    },
}


def config(service: LoopbackService, **fields: Any) -> VictorOpsConfig:
    data = {"api_key": API_KEY, "api_url": service.url + "/integrations/generic/20131114/alert/", "routing_key": "db"}
    return VictorOpsConfig.model_validate(data | fields)


async def test_critical_alert_matches_rest_endpoint(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = config(service, routing_key="{{ .CommonLabels.team }}", custom_fields={"runbook": "rb/{{ .Status }}"})
    await build(cfg, deps).notify(context(), [alert(team="data base")])
    [req] = service.requests
    assert req.method == "POST"
    assert req.headers["content-type"] == "application/json"
    prefix = "/integrations/generic/20131114/alert/"
    assert req.path.startswith(prefix)
    api_key, routing_key = (unquote(p) for p in req.path[len(prefix) :].split("/"))
    assert (api_key, routing_key) == (API_KEY, "data base")
    body = req.json()
    assert schema_errors(body, REST_ALERT) == []
    assert body["message_type"] == "CRITICAL"
    assert body["entity_id"] == GROUP_KEY_SHA256
    assert body["runbook"] == "rb/firing"


async def test_default_templates_render_like_alertmanager(service: LoopbackService, deps: NotifierDeps) -> None:
    await build(config(service), deps).notify(context(), [alert("db1")])
    body = service.requests[0].json()
    assert body["entity_display_name"] == "[FIRING:1] DiskFull (db1 critical)"
    assert body["monitoring_tool"] == "Alertmanager"
    assert body["state_message"] == (
        "disk full on db1\nAlerts Firing:\nLabels:\n - alertname = DiskFull\n - instance = db1\n"
        " - severity = critical\nAnnotations:\n - summary = disk full on db1\n"
        "Source: http://prometheus.example/graph\n\n"
    )


async def test_resolved_group_sends_recovery_for_same_entity(service: LoopbackService, deps: NotifierDeps) -> None:
    notifier = build(config(service, message_type="WARNING"), deps)
    await notifier.notify(context(), [alert()])
    await notifier.notify(context(), [alert(resolved=True)])
    firing, resolved = (r.json() for r in service.requests)
    assert firing["message_type"] == "WARNING"
    assert resolved["message_type"] == "RECOVERY"
    assert firing["entity_id"] == resolved["entity_id"] == GROUP_KEY_SHA256
    assert schema_errors(resolved, REST_ALERT) == []


@pytest.mark.parametrize("message_type", ["RECOVERY", "ACKNOWLEDGEMENT", "critical", ""])
async def test_firing_group_cannot_choose_a_closing_type(
    service: LoopbackService, deps: NotifierDeps, message_type: str
) -> None:
    await build(config(service, message_type=message_type), deps).notify(context(), [alert()])
    assert service.requests[0].json()["message_type"] == "CRITICAL"


async def test_state_message_truncated_at_20480_runes(service: LoopbackService, deps: NotifierDeps) -> None:
    await build(config(service, state_message="ж" * 30000), deps).notify(context(), [alert()])
    body = service.requests[0].json()
    assert body["state_message"] == "ж" * 20479 + "…"
    assert schema_errors(body, REST_ALERT) == []


async def test_api_key_from_file(service: LoopbackService, deps: NotifierDeps, tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(API_KEY + "\n")
    cfg = VictorOpsConfig.model_validate(
        {"api_key_file": str(key_file), "api_url": service.url + "/alert", "routing_key": "db"}
    )
    await build(cfg, deps).notify(context(), [alert()])
    assert service.requests[0].path == f"/alert/{API_KEY}/db"


async def test_template_error_is_permanent_and_names_field(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = config(service, custom_fields={"owner": "{{ .Missing }}"})
    with pytest.raises(NotifyError) as exc:
        await build(cfg, deps).notify(context(), [alert()])
    assert exc.value.retry is False and "custom_fields[owner]" in str(exc.value)
    assert service.requests == []


async def test_server_error_is_retried(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(502, "bad gateway"))
    with pytest.raises(NotifyError) as exc:
        await build(config(service), deps).notify(context(), [alert()])
    assert exc.value.retry is True and "502" in str(exc.value)


async def test_client_error_is_permanent_and_keeps_key_out(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(404, {"result": "failure", "message": "unknown routing key"}))
    with pytest.raises(NotifyError) as exc:
        await build(config(service), deps).notify(context(), [alert()])
    assert exc.value.retry is False and "404" in str(exc.value)
    assert API_KEY not in str(exc.value)


async def test_unreachable_service_error_keeps_key_out(deps: NotifierDeps) -> None:
    cfg = VictorOpsConfig.model_validate({"api_key": API_KEY, "api_url": "http://127.0.0.1:9/", "routing_key": "db"})
    with pytest.raises(NotifyError) as exc:
        await build(cfg, deps).notify(context(), [alert()])
    assert exc.value.retry is True and API_KEY not in str(exc.value)


async def test_rate_limit_honours_retry_after(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(429, "", {"Retry-After": "9"}))
    with pytest.raises(NotifyError) as exc:
        await build(config(service), deps).notify(context(), [alert()])
    assert exc.value.retry is True and exc.value.retry_after == 9.0


async def test_timeout_is_retried(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(200, "", delay=1.0))
    with pytest.raises(NotifyError) as exc:
        await VictorOpsNotifier(config(service), deps, timeout=0.15).notify(context(), [alert()])
    assert exc.value.retry is True and "timed out" in str(exc.value)
