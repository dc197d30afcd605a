from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.notify.loopback import LoopbackService, Reply
from tests.notify_chat.chatkit import ShortTimeout, alert, context, validate

from tocsin.config.notifiers import MattermostConfig
from tocsin.notify.integration import NotifierDeps, NotifyError
from tocsin.notify.mattermost import MAX_TEXT_CHARS, build

# developers.mattermost.com/integrate/webhooks/incoming/#parameters and .../reference/message-attachments/.
_TEXT = {"type": "string"}
_URL = {"type": "string", "pattern": "^https?://"}
MATTERMOST_POST = {
    "type": "object",
    "anyOf": [{"required": ["text"]}, {"required": ["attachments"]}],
    "additionalProperties": False,
    "properties": {
        "text": {"type": "string", "maxLength": MAX_TEXT_CHARS},
        "channel": _TEXT,
        "username": _TEXT,
        "icon_url": _URL,
        "icon_emoji": _TEXT,
        "type": {"type": "string", "pattern": "^custom_"},
        "props": {"type": "object", "properties": {"card": _TEXT}, "additionalProperties": False},
        "priority": {
            "type": "object",
            "required": ["priority"],
            "additionalProperties": False,
            "properties": {
                "priority": {"enum": ["standard", "important", "urgent"]},
                "requested_ack": {"type": "boolean"},
                "persistent_notifications": {"type": "boolean"},
            },
        },
        "attachments": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "fallback": _TEXT,
                    "color": {"type": "string", "pattern": "^(good|warning|danger|#[0-9A-Fa-f]{6})$"},
                    "pretext": _TEXT,
                    "text": _TEXT,
                    "author_name": _TEXT,
                    "author_link": _URL,
                    "author_icon": _URL,
                    "title": _TEXT,
                    "title_link": _URL,
                    "fields": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["title", "value"],
                            "additionalProperties": False,
                            "properties": {"title": _TEXT, "value": _TEXT, "short": {"type": "boolean"}},
                        },
                    },
                    "image_url": _URL,
                    "thumb_url": _URL,
                    "footer": _TEXT,
                    "footer_icon": _URL,
                },
            },
        },
    },
}

LINK = "http://am.example/#/alerts?receiver=team-chat"
ALERT_MD = (
    "**Labels**\n- alertname = HighLatency\n- severity = critical\n"
    "**Annotations**\n- summary = HighLatency is bad\n[Source](http://prom.example/graph)\n\n"
)


def mm(service: LoopbackService, **over: Any) -> MattermostConfig:
    return MattermostConfig.model_validate({"webhook_url": f"{service.url}/hooks/secret-hook", **over})


async def test_default_templates(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(200, "ok")
    notifier = build(mm(service), deps)
    await notifier.notify(context(), [alert()])
    await notifier.notify(context(), [alert(resolved=True)])
    firing, resolved = (r.json() for r in service.requests)
    for body in (firing, resolved):
        validate(body, MATTERMOST_POST)
    # The default texts come from default.tmpl (checked on their own in tests/notify_template); here: where they go.
    assert firing["username"] == "Alertmanager"
    assert "Alerts Firing" in firing["text"] and "alertname = HighLatency" in firing["text"]
    (att,) = firing["attachments"]
    assert att["title"] == "[FIRING:1] HighLatency (critical)" and att["title_link"] == LINK
    assert att["fallback"] == f"[FIRING:1] HighLatency (critical) | {LINK}"
    assert "Alerts Resolved" in resolved["text"]
    assert att["color"] != resolved["attachments"][0]["color"]


async def test_full_payload_shape(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(200, "ok")
    cfg = mm(
        service,
        channel="town-square",
        icon_url="https://img.example/bot.png",
        type="custom_alert",
        props={"card": "Alert {{ .GroupLabels.alertname }}"},
        priority={"priority": "URGENT", "requested_ack": True, "persistent_notifications": True},
        fields=[{"title": "sev", "value": "{{ .CommonLabels.severity }}", "short": True}],
        footer="tocsin",
        attachments=[
            {"text": "extra {{ len .Alerts }}", "color": "warning", "fields": [{"title": "a", "value": "b"}]},
        ],
    )
    await build(cfg, deps).notify(context(), [alert(), alert(instance="b")])
    body = service.requests[0].json()
    validate(body, MATTERMOST_POST)
    assert body["channel"] == "town-square" and body["type"] == "custom_alert"
    assert body["props"] == {"card": "Alert HighLatency"}
    assert body["priority"] == {"priority": "urgent", "requested_ack": True, "persistent_notifications": True}
    first, extra = body["attachments"]
    assert first["fields"] == [{"title": "sev", "value": "critical", "short": True}] and first["footer"] == "tocsin"
    assert extra == {"text": "extra 2", "color": "warning", "fields": [{"title": "a", "value": "b"}]}


@pytest.mark.parametrize(
    ("priority", "expected"),
    [
        ({"priority": "bogus", "requested_ack": True}, {"priority": "standard"}),
        ({"priority": "important", "persistent_notifications": True}, {"priority": "important"}),
        ({"priority": "Important", "requested_ack": True}, {"priority": "important", "requested_ack": True}),
    ],
)
async def test_priority_is_made_consistent(
    service: LoopbackService, deps: NotifierDeps, priority: dict[str, Any], expected: dict[str, Any]
) -> None:
    service.default = Reply(200, "ok")
    await build(mm(service, priority=priority), deps).notify(context(), [alert()])
    body = service.requests[0].json()
    validate(body, MATTERMOST_POST)
    assert body["priority"] == expected


async def test_long_text_is_cut_at_mattermost_limit(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(200, "ok")
    big = alert()
    big.annotations = {"summary": "ü" * 20000}
    await build(mm(service, text="{{ range .Alerts }}{{ .Annotations.summary }}{{ end }}"), deps).notify(
        context(), [big]
    )
    text = service.requests[0].json()["text"]
    assert len(text) == MAX_TEXT_CHARS and text.endswith("…") and text[0] == "ü"


async def test_server_error_is_retried(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(502, "bad gateway")
    with pytest.raises(NotifyError) as err:
        await build(mm(service, channel="ops"), deps).notify(context(), [alert()])
    assert err.value.retry is True and "502" in str(err.value) and "'ops'" in str(err.value)
    assert "secret-hook" not in str(err.value)


async def test_client_error_is_permanent(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(400, '{"id":"web.incoming_webhook.text.app_error","message":"No text specified"}')
    with pytest.raises(NotifyError) as err:
        await build(mm(service), deps).notify(context(), [alert()])
    assert err.value.retry is False and "400" in str(err.value) and "No text specified" in str(err.value)


async def test_429_sets_retry_after(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(429, "slow down", {"Retry-After": "2"})
    with pytest.raises(NotifyError) as err:
        await build(mm(service), deps).notify(context(), [alert()])
    assert err.value.retry is True and err.value.retry_after == 2.0


async def test_hanging_service_times_out(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(200, "ok", delay=1.0)
    async with httpx.AsyncClient(transport=ShortTimeout(0.2)) as client:
        short = NotifierDeps(http=client, templates=deps.templates, clock=deps.clock)
        with pytest.raises(NotifyError) as err:
            await build(mm(service), short).notify(context(), [alert()])
    assert err.value.retry is True and "timed out" in str(err.value)


async def test_missing_webhook_url_is_a_clear_permanent_error(deps: NotifierDeps) -> None:
    with pytest.raises(NotifyError) as err:
        await build(MattermostConfig.model_validate({}), deps).notify(context(), [alert()])
    assert err.value.retry is False and "webhook_url" in str(err.value)
