from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.notify.loopback import LoopbackService, Reply
from tests.notify_incident.incident_support import (
    EXTERNAL_URL,
    GROUP_KEY_SHA256,
    alert,
    context,
    schema_errors,
)

from tocsin.config.notifiers import PagerdutyConfig
from tocsin.notify.integration import NotifierDeps, NotifyError
from tocsin.notify.pagerduty import DETAILS_REMOVED, PagerDutyNotifier, build, map_severity

ROUTING_KEY = "R0UT1NGK3Y0123456789abcdefabcdef"
SERVICE_KEY = "S3RV1C3K3Y0123456789abcdefabcdef"

# Events API v2, from PagerDuty's OpenAPI description (reference/events-v2/openapiv3.json): the body of
# POST /v2/enqueue. Integration keys are 32 characters (PagerDuty's 400 says so), dedup keys at most 255.
V2_EVENT: dict[str, Any] = {
    "type": "object",
    "required": ["routing_key", "event_action"],
    "additionalProperties": False,
    "properties": {
        "routing_key": {"type": "string", "minLength": 32, "maxLength": 32},
        "event_action": {"type": "string", "enum": ["trigger", "acknowledge", "resolve"]},
        "dedup_key": {"type": "string", "minLength": 1, "maxLength": 255},
        "client": {"type": "string"},
        "client_url": {"type": "string"},
        "links": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["href"],
                "additionalProperties": False,
                "properties": {"href": {"type": "string", "minLength": 1}, "text": {"type": "string"}},
            },
        },
        "images": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["src"],
                "additionalProperties": False,
                "properties": {
                    "src": {"type": "string", "minLength": 1},
                    "href": {"type": "string"},
                    "alt": {"type": "string"},
                },
            },
        },
        "payload": {
            "type": "object",
            "required": ["summary", "severity", "source"],
            "additionalProperties": False,
            "properties": {
                "summary": {"type": "string", "minLength": 1, "maxLength": 1024},
                "timestamp": {"type": "string"},
                "severity": {"type": "string", "enum": ["critical", "warning", "error", "info"]},
                "source": {"type": "string", "minLength": 1},
                "component": {"type": "string"},
                "group": {"type": "string"},
                "class": {"type": "string"},
                "custom_details": {"type": "object"},
            },
        },
    },
}

# Events API v1 (reference/events-v1/openapiv3.json): POST /generic/2010-04-15/create_event.json.
V1_EVENT: dict[str, Any] = {
    "type": "object",
    "required": ["service_key", "event_type"],
    "additionalProperties": False,
    "properties": {
        "service_key": {"type": "string", "minLength": 32, "maxLength": 32},
        "event_type": {"type": "string", "enum": ["trigger", "acknowledge", "resolve"]},
        "incident_key": {"type": "string", "minLength": 1},
        "description": {"type": "string", "maxLength": 1024},
        "details": {"type": "object"},
        "client": {"type": "string"},
        "client_url": {"type": "string"},
        "contexts": {"type": "array"},
    },
}


def config(service: LoopbackService, **fields: Any) -> PagerdutyConfig:
    data: dict[str, Any] = {"routing_key": ROUTING_KEY, "url": service.url + "/v2/enqueue"}
    return PagerdutyConfig.model_validate(data | fields)


def v2_errors(body: dict[str, Any]) -> list[str]:
    errors = schema_errors(body, V2_EVENT)
    if body.get("event_action") == "trigger" and "payload" not in body:
        errors.append("trigger without payload")
    if body.get("event_action") != "trigger" and "dedup_key" not in body:
        errors.append("resolve without dedup_key")
    return errors


async def test_trigger_event_matches_events_api_v2(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = config(
        service,
        severity="{{ .CommonLabels.severity }}",
        component="{{ .CommonLabels.instance }}",
        group="storage",
        **{"class": "disk"},
        links=[{"href": "{{ .ExternalURL }}/runbook", "text": "runbook"}, {"href": "", "text": "dropped"}],
        images=[{"src": "https://graphs.example/{{ .GroupLabels.alertname }}.png", "alt": "graph"}],
    )
    await build(cfg, deps).notify(context(), [alert("db1"), alert("db2")])

    [req] = service.requests
    assert req.method == "POST" and req.path == "/v2/enqueue"
    assert req.headers["content-type"] == "application/json"
    body = req.json()
    assert v2_errors(body) == []
    assert body["event_action"] == "trigger"
    assert body["dedup_key"] == GROUP_KEY_SHA256
    assert body["routing_key"] == ROUTING_KEY
    payload = body["payload"]
    assert payload["severity"] == "critical"
    assert "component" not in payload  # the instances differ, so the template renders empty and it is omitted
    assert payload["group"] == "storage" and payload["class"] == "disk"
    assert body["links"] == [{"href": EXTERNAL_URL + "/runbook", "text": "runbook"}]
    assert body["images"] == [{"src": "https://graphs.example/DiskFull.png", "alt": "graph"}]


async def test_default_templates_render_like_alertmanager(service: LoopbackService, deps: NotifierDeps) -> None:
    await build(config(service), deps).notify(context(), [alert("db1")])
    body = service.requests[0].json()
    payload = body["payload"]
    assert payload["summary"] == "[FIRING:1] DiskFull (db1 critical)"
    assert payload["source"] == "Alertmanager"  # `source` defaults to the client template
    assert payload["severity"] == "error"  # Alertmanager's default when none is configured
    assert body["client"] == "Alertmanager"
    assert body["client_url"] == EXTERNAL_URL + "/#/alerts?receiver=ops"
    details = payload["custom_details"]
    assert details["num_firing"] == "1" and details["num_resolved"] == "0"
    assert details["firing"] == (
        "Labels:\n - alertname = DiskFull\n - instance = db1\n - severity = critical\n"
        "Annotations:\n - summary = disk full on db1\nSource: http://prometheus.example/graph\n"
    )
    assert details["resolved"] == ""


async def test_resolved_group_sends_resolve_with_same_dedup_key(service: LoopbackService, deps: NotifierDeps) -> None:
    notifier = build(config(service), deps)
    await notifier.notify(context(), [alert("db1")])
    await notifier.notify(context(), [alert("db1", resolved=True)])
    trigger, resolve = (r.json() for r in service.requests)
    assert resolve["event_action"] == "resolve"
    assert resolve["dedup_key"] == trigger["dedup_key"] == GROUP_KEY_SHA256
    assert resolve["payload"]["summary"].startswith("[RESOLVED]")
    assert v2_errors(resolve) == []


@pytest.mark.parametrize(
    ("label", "expected"),
    [("critical", "critical"), ("WARNING", "warning"), ("page", "critical"), ("warn", "warning"), ("info", "info")],
)
async def test_severity_template_maps_to_pagerduty_enum(
    service: LoopbackService, deps: NotifierDeps, label: str, expected: str
) -> None:
    cfg = config(service, severity="{{ .CommonLabels.severity }}")
    await build(cfg, deps).notify(context(), [alert(severity=label)])
    assert service.requests[0].json()["payload"]["severity"] == expected


async def test_unknown_severity_falls_back_to_error(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = config(service, severity="{{ .CommonLabels.severity }}")
    await build(cfg, deps).notify(context(), [alert(severity="sev-1")])
    body = service.requests[0].json()
    assert body["payload"]["severity"] == "error"
    assert v2_errors(body) == []
    assert map_severity(" Critical ") == "critical" and map_severity("bogus") is None


async def test_summary_truncated_at_1024_runes_with_marker(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = config(service, description="é" * 2000)
    await build(cfg, deps).notify(context(), [alert()])
    summary = service.requests[0].json()["payload"]["summary"]
    assert len(summary) == 1024
    assert summary.endswith("…") and summary[:-1] == "é" * 1023


async def test_oversized_event_drops_custom_details(service: LoopbackService, deps: NotifierDeps) -> None:
    big = {"huge": "x" * 600_000}
    await build(config(service, details=big), deps).notify(context(), [alert()])
    req = service.requests[0]
    assert len(req.body) <= 512_000
    body = req.json()
    assert body["payload"]["custom_details"] == {"error": DETAILS_REMOVED}
    assert body["payload"]["summary"] == "[FIRING:1] DiskFull (db1 critical)"
    assert v2_errors(body) == []


async def test_routing_key_from_file_and_templated(
    service: LoopbackService, deps: NotifierDeps, tmp_path: Path
) -> None:
    key_file = tmp_path / "routing_key"
    key_file.write_text(ROUTING_KEY + "\n")
    cfg = PagerdutyConfig.model_validate({"routing_key_file": str(key_file), "url": service.url + "/v2/enqueue"})
    await build(cfg, deps).notify(context(), [alert()])
    assert service.requests[0].json()["routing_key"] == ROUTING_KEY

    templated = config(service, routing_key='{{ if eq .CommonLabels.severity "critical" }}' + ROUTING_KEY + "{{ end }}")
    await build(templated, deps).notify(context(), [alert()])
    assert service.requests[1].json()["routing_key"] == ROUTING_KEY
    with pytest.raises(NotifyError) as exc:
        await build(templated, deps).notify(context(), [alert(severity="info")])
    assert exc.value.retry is False and "routing_key cannot be empty" in str(exc.value)


async def test_template_error_is_permanent_and_names_field(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = config(service, component="{{ .NoSuchField }}")
    with pytest.raises(NotifyError) as exc:
        await build(cfg, deps).notify(context(), [alert()])
    assert exc.value.retry is False
    assert "component" in str(exc.value)
    assert service.requests == []


async def test_v1_service_key_event(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = PagerdutyConfig.model_validate({"service_key": SERVICE_KEY})
    notifier = PagerDutyNotifier(cfg, deps, v1_url=service.url + "/generic/2010-04-15/create_event.json")
    await notifier.notify(context(), [alert()])
    await notifier.notify(context(), [alert(resolved=True)])
    trigger, resolve = service.requests
    assert trigger.path == "/generic/2010-04-15/create_event.json"
    for req in (trigger, resolve):
        assert schema_errors(req.json(), V1_EVENT) == []
    t, r = trigger.json(), resolve.json()
    assert t["event_type"] == "trigger" and r["event_type"] == "resolve"
    assert t["incident_key"] == r["incident_key"] == GROUP_KEY_SHA256
    assert t["description"] == "[FIRING:1] DiskFull (db1 critical)"
    assert t["client"] == "Alertmanager" and "client" not in r  # client fields belong to triggers only
    assert t["details"]["num_firing"] == "1"


async def test_v1_rate_limit_403_is_retried(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = PagerdutyConfig.model_validate({"service_key": SERVICE_KEY})
    notifier = PagerDutyNotifier(cfg, deps, v1_url=service.url + "/create_event.json")
    service.script(Reply(403, {"status": "throttle exceeded"}))
    with pytest.raises(NotifyError) as exc:
        await notifier.notify(context(), [alert()])
    assert exc.value.retry is True and "403" in str(exc.value)


async def test_server_error_is_retried(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(500, "internal error"))
    with pytest.raises(NotifyError) as exc:
        await build(config(service), deps).notify(context(), [alert()])
    assert exc.value.retry is True and "500" in str(exc.value)


async def test_bad_request_is_permanent_and_keeps_secrets_out(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(
        Reply(400, {"status": "invalid event", "message": "Event object is invalid", "errors": ["bad summary"]})
    )
    with pytest.raises(NotifyError) as exc:
        await build(config(service), deps).notify(context(), [alert()])
    assert exc.value.retry is False
    assert "400" in str(exc.value) and "Event object is invalid" in str(exc.value)
    assert ROUTING_KEY not in str(exc.value) and service.url not in str(exc.value)


async def test_rate_limit_honours_retry_after(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(429, "", {"Retry-After": "17"}))
    with pytest.raises(NotifyError) as exc:
        await build(config(service), deps).notify(context(), [alert()])
    assert exc.value.retry is True and exc.value.retry_after == 17.0


async def test_timeout_is_retried(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(202, "", delay=1.0))
    with pytest.raises(NotifyError) as exc:
        await build(config(service, timeout="150ms"), deps).notify(context(), [alert()])
    assert exc.value.retry is True and "timed out" in str(exc.value)
