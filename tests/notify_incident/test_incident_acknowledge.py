"""ACKNOWLEDGE events: what PagerDuty (v2 and v1) and Opsgenie receive when a group is acknowledged in Tocsin."""

from __future__ import annotations

from tests.notify.loopback import LoopbackService
from tests.notify_incident.incident_support import GROUP_KEY_SHA256, NOW, alert, context, schema_errors
from tests.notify_incident.test_incident_pagerduty import ROUTING_KEY, SERVICE_KEY, V1_EVENT, config, v2_errors

from tocsin.config.notifiers import OpsGenieConfig, PagerdutyConfig
from tocsin.model.ack import Acknowledgement
from tocsin.notify.context import ACKNOWLEDGE, NotifyContext
from tocsin.notify.integration import NotifierDeps, supports_event
from tocsin.notify.opsgenie import build as build_opsgenie
from tocsin.notify.pagerduty import PagerDutyNotifier
from tocsin.notify.pagerduty import build as build_pagerduty
from tocsin.notify.webhook import build as build_webhook


def ack_context(comment: str = "disk being grown") -> NotifyContext:
    ctx = context()
    ctx.event = ACKNOWLEDGE
    ctx.ack = Acknowledgement(ctx.group_key, ctx.receiver, "alice", NOW, comment, frozenset({1}), "slack")
    return ctx


async def test_pagerduty_v2_acknowledge_event(service: LoopbackService, deps: NotifierDeps) -> None:
    notifier = build_pagerduty(config(service), deps)
    assert supports_event(notifier, ACKNOWLEDGE)
    await notifier.notify(ack_context(), [alert()])
    [req] = service.requests
    body = req.json()
    assert v2_errors(body) == []
    # Events API v2: acknowledge needs only the routing key, the alert's dedup key and the action.
    assert body == {"routing_key": ROUTING_KEY, "dedup_key": GROUP_KEY_SHA256, "event_action": "acknowledge"}


async def test_pagerduty_v1_acknowledge_event(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = PagerdutyConfig.model_validate({"service_key": SERVICE_KEY})
    notifier = PagerDutyNotifier(cfg, deps, v1_url=service.url + "/generic/2010-04-15/create_event.json")
    await notifier.notify(ack_context(), [alert()])
    body = service.requests[0].json()
    assert schema_errors(body, V1_EVENT) == []
    assert body["event_type"] == "acknowledge" and body["incident_key"] == GROUP_KEY_SHA256
    assert body["description"] == "Acknowledged in Tocsin by alice: disk being grown"


async def test_opsgenie_acknowledges_alert_by_alias(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = OpsGenieConfig.model_validate({"api_key": "k3y", "api_url": service.url + "/"})
    await build_opsgenie(cfg, deps).notify(ack_context(), [alert()])
    [req] = service.requests
    assert req.method == "POST"
    assert req.path == f"/v2/alerts/{GROUP_KEY_SHA256}/acknowledge?identifierType=alias"
    assert req.headers["authorization"] == "GenieKey k3y"
    body = req.json()
    assert body["user"] == "alice" and body["note"] == "Acknowledged in Tocsin: disk being grown"
    assert set(body) == {"user", "note", "source"}


async def test_webhook_has_no_acknowledge_event(service: LoopbackService, deps: NotifierDeps) -> None:
    from tocsin.config.notifiers import WebhookConfig

    hook = build_webhook(WebhookConfig.model_validate({"url": service.url}), deps)
    assert not supports_event(hook, ACKNOWLEDGE)
