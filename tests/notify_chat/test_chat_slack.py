from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.notify.loopback import LoopbackService, Reply
from tests.notify_chat.chatkit import ShortTimeout, alert, context, validate

from tocsin.config.notifiers import SlackConfig
from tocsin.notify.integration import NotifierDeps, NotifyError
from tocsin.notify.slack import MAX_TITLE_CHARS, build, chat_update_url

# Slack's documented message + legacy attachment shape (api.slack.com/reference/messaging/attachments and
# chat.postMessage arguments), restricted to what a notification uses.
_TEXT = {"type": "string"}
SLACK_MESSAGE = {
    "type": "object",
    "required": ["attachments"],
    "properties": {
        "channel": {"type": "string", "minLength": 1},
        "username": _TEXT,
        "icon_emoji": {"type": "string", "pattern": "^:[^:\\s]+:$"},
        "icon_url": {"type": "string", "pattern": "^https?://"},
        "link_names": {"type": "boolean"},
        "text": _TEXT,
        "ts": _TEXT,
        "thread_ts": _TEXT,
        "attachments": {
            "type": "array",
            "minItems": 1,
            "maxItems": 100,
            "items": {
                "type": "object",
                "required": ["fallback"],
                "additionalProperties": False,
                "properties": {
                    "fallback": _TEXT,
                    "color": {"type": "string", "pattern": "^(good|warning|danger|#?[0-9A-Fa-f]{6})$"},
                    "pretext": _TEXT,
                    "title": {"type": "string", "maxLength": MAX_TITLE_CHARS},
                    "title_link": {"type": "string", "pattern": "^https?://"},
                    "text": _TEXT,
                    "callback_id": _TEXT,
                    "footer": _TEXT,
                    "image_url": {"type": "string", "pattern": "^https?://"},
                    "thumb_url": {"type": "string", "pattern": "^https?://"},
                    "mrkdwn_in": {
                        "type": "array",
                        "items": {"enum": ["pretext", "text", "fields", "fallback", "title", "footer"]},
                    },
                    "fields": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["title", "value"],
                            "properties": {"title": _TEXT, "value": _TEXT, "short": {"type": "boolean"}},
                            "additionalProperties": False,
                        },
                    },
                    "actions": {
                        "type": "array",
                        "maxItems": 5,
                        "items": {
                            "type": "object",
                            "required": ["type", "text"],
                            "properties": {
                                "type": {"enum": ["button"]},
                                "text": _TEXT,
                                "url": {"type": "string", "pattern": "^https?://"},
                                "style": {"enum": ["default", "primary", "danger"]},
                                "name": _TEXT,
                                "value": _TEXT,
                                "confirm": {
                                    "type": "object",
                                    "required": ["text"],
                                    "properties": {
                                        "title": _TEXT,
                                        "text": _TEXT,
                                        "ok_text": _TEXT,
                                        "dismiss_text": _TEXT,
                                    },
                                    "additionalProperties": False,
                                },
                            },
                            "additionalProperties": False,
                        },
                    },
                },
            },
        },
    },
}


def slack(service: LoopbackService, **over: Any) -> SlackConfig:
    return SlackConfig.model_validate({"api_url": f"{service.url}/services/T0/B0/XXX", **over})


async def test_webhook_payload_matches_slack_attachment_shape(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(200, "ok", {"Content-Type": "text/html"})
    cfg = slack(
        service,
        channel="#ops",
        icon_emoji=":fire:",
        link_names=True,
        short_fields=True,
        image_url="https://img.example/{{ .CommonLabels.alertname }}.png",
        fields=[
            {"title": "Severity", "value": "{{ .CommonLabels.severity }}"},
            {"title": "Runbook", "value": "https://runbooks/x", "short": False},
        ],
        actions=[
            {"type": "button", "text": "Silence {{ .GroupLabels.alertname }}", "url": "https://am.example/silence"},
            {
                "type": "button",
                "text": "Ack",
                "name": "ack",
                "value": "{{ .GroupLabels.alertname }}",
                "style": "danger",
                "confirm": {"text": "Sure?", "ok_text": "Yes"},
            },
        ],
    )
    notifier = build(cfg, deps)
    await notifier.notify(context(), [alert()])

    (req,) = service.requests
    assert req.path == "/services/T0/B0/XXX"
    assert req.headers["content-type"].startswith("application/json")
    assert "authorization" not in req.headers
    body = req.json()
    validate(body, SLACK_MESSAGE)
    assert body["channel"] == "#ops" and body["icon_emoji"] == ":fire:" and body["link_names"] is True
    att = body["attachments"][0]
    assert att["image_url"] == "https://img.example/HighLatency.png"
    assert att["fields"] == [
        {"title": "Severity", "value": "critical", "short": True},
        {"title": "Runbook", "value": "https://runbooks/x", "short": False},
    ]
    assert att["actions"][0] == {"type": "button", "text": "Silence HighLatency", "url": "https://am.example/silence"}
    assert att["actions"][1]["value"] == "HighLatency"
    assert att["actions"][1]["confirm"] == {"text": "Sure?", "ok_text": "Yes"}


async def test_default_templates_render_like_alertmanager(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(200, "ok")
    notifier = build(slack(service), deps)
    await notifier.notify(context(), [alert(), alert(instance="b")])
    await notifier.notify(context(), [alert(resolved=True)])

    firing, resolved = (r.json() for r in service.requests)
    validate(firing, SLACK_MESSAGE)
    link = "http://am.example/#/alerts?receiver=team-chat"
    assert firing["username"] == "Alertmanager"
    assert "channel" not in firing and "icon_emoji" not in firing and "text" not in firing
    assert firing["attachments"] == [
        {
            "title": "[FIRING:2] HighLatency (critical)",
            "title_link": link,
            "text": "",
            "fallback": f"[FIRING:2] HighLatency (critical) | {link}",
            "callback_id": "",
            "footer": "",
            "color": "danger",
            "mrkdwn_in": ["fallback", "pretext", "text"],
        }
    ]
    assert resolved["attachments"][0]["title"] == "[RESOLVED] HighLatency (critical)"
    assert resolved["attachments"][0]["color"] == "good"


async def test_bot_token_uses_bearer_and_checks_ok_flag(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(200, {"ok": True, "channel": "C1", "ts": "1.1"}, {"Content-Type": "application/json"})
    cfg = SlackConfig.model_validate(
        {"app_token": "xoxb-secret", "app_url": f"{service.url}/api/chat.postMessage", "channel": "#ops"}
    )
    await build(cfg, deps).notify(context(), [alert()])
    (req,) = service.requests
    assert req.path == "/api/chat.postMessage"
    assert req.headers["authorization"] == "Bearer xoxb-secret"
    assert req.json()["channel"] == "#ops"


@pytest.mark.parametrize(
    ("answer", "retry"),
    [({"ok": False, "error": "channel_not_found"}, False), ({"ok": False, "error": "internal_error"}, True)],
)
async def test_web_api_error_in_200_answer(
    service: LoopbackService, deps: NotifierDeps, answer: dict[str, Any], retry: bool
) -> None:
    service.default = Reply(200, answer, {"Content-Type": "application/json; charset=utf-8"})
    cfg = SlackConfig.model_validate({"app_token": "xoxb-secret", "app_url": f"{service.url}/api/chat.postMessage"})
    with pytest.raises(NotifyError) as err:
        await build(cfg, deps).notify(context(), [alert()])
    assert err.value.retry is retry
    assert answer["error"] in str(err.value)
    assert "xoxb-secret" not in str(err.value)


async def test_web_api_ratelimited_answer_honours_retry_after(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(
        200, {"ok": False, "error": "ratelimited"}, {"Content-Type": "application/json", "Retry-After": "12"}
    )
    cfg = SlackConfig.model_validate({"app_token": "xoxb-1", "app_url": f"{service.url}/api/chat.postMessage"})
    with pytest.raises(NotifyError) as err:
        await build(cfg, deps).notify(context(), [alert()])
    assert err.value.retry is True and err.value.retry_after == 12.0


async def test_webhook_answer_other_than_ok_is_an_error(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(200, "invalid_token", {"Content-Type": "text/plain"})
    with pytest.raises(NotifyError) as err:
        await build(slack(service, channel="#x"), deps).notify(context(), [alert()])
    assert err.value.retry is False
    assert "invalid_token" in str(err.value) and "'#x'" in str(err.value)


async def test_server_error_is_retried_and_url_stays_secret(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(500, "rollup_error")
    with pytest.raises(NotifyError) as err:
        await build(slack(service), deps).notify(context(), [alert()])
    assert err.value.retry is True
    assert "500" in str(err.value) and "/services/T0/B0/XXX" not in str(err.value)


async def test_client_error_is_permanent(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(404, "channel_not_found")
    with pytest.raises(NotifyError) as err:
        await build(slack(service), deps).notify(context(), [alert()])
    assert err.value.retry is False
    assert "404" in str(err.value) and "channel_not_found" in str(err.value)


async def test_429_sets_retry_after(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(429, "rate_limited", {"Retry-After": "30"})
    with pytest.raises(NotifyError) as err:
        await build(slack(service), deps).notify(context(), [alert()])
    assert err.value.retry is True and err.value.retry_after == 30.0


async def test_configured_timeout_gives_up_and_retries_later(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(200, "ok", delay=1.0)
    with pytest.raises(NotifyError) as err:
        await build(slack(service, timeout="200ms"), deps).notify(context(), [alert()])
    assert err.value.retry is True and "timed out" in str(err.value)


async def test_transport_timeout_without_config(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(200, "ok", delay=1.0)
    async with httpx.AsyncClient(transport=ShortTimeout(0.2)) as client:
        short = NotifierDeps(http=client, templates=deps.templates, clock=deps.clock)
        with pytest.raises(NotifyError) as err:
            await build(slack(service), short).notify(context(), [alert()])
    assert err.value.retry is True


async def test_long_title_is_cut_with_marker(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(200, "ok")
    await build(slack(service, title="{{ range .Alerts }}" + "x" * 2000 + "{{ end }}"), deps).notify(
        context(), [alert()]
    )
    title = service.requests[0].json()["attachments"][0]["title"]
    assert len(title) == MAX_TITLE_CHARS and title.endswith("…") and title.startswith("xxx")


async def test_template_error_names_the_field(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = slack(service, fields=[{"title": "t", "value": '{{ template "no.such" . }}'}])
    with pytest.raises(NotifyError) as err:
        await build(cfg, deps).notify(context(), [alert()])
    assert err.value.retry is False and "fields[0].value" in str(err.value)
    assert service.requests == []


async def test_api_url_file_is_read_at_send_time(service: LoopbackService, deps: NotifierDeps, tmp_path: Path) -> None:
    service.default = Reply(200, "ok")
    url_file = tmp_path / "slack-url"
    url_file.write_text(f"{service.url}/first\n")
    notifier = build(SlackConfig.model_validate({"api_url_file": str(url_file)}), deps)
    await notifier.notify(context(), [alert()])
    url_file.write_text(f"{service.url}/rotated\n")
    await notifier.notify(context(), [alert()])
    assert [r.path for r in service.requests] == ["/first", "/rotated"]


async def test_update_message_edits_the_first_message(service: LoopbackService, deps: NotifierDeps) -> None:
    json = {"Content-Type": "application/json"}
    service.default = Reply(200, {"ok": True, "channel": "C9", "ts": "111.222"}, json)
    cfg = SlackConfig.model_validate(
        {
            "app_token": "xoxb-1",
            "app_url": f"{service.url}/api/chat.postMessage",
            "channel": "#ops",
            "update_message": True,
            "post_updates_to_thread": True,
        }
    )
    notifier = build(cfg, deps)
    await notifier.notify(context(), [alert()])
    await notifier.notify(context(), [alert(resolved=True)])
    await notifier.notify(context(group_key="other"), [alert()])

    paths = [r.path for r in service.requests]
    assert paths == [
        "/api/chat.postMessage",  # first message
        "/api/chat.postMessage",  # its copy as the thread's first reply
        "/api/chat.update",  # the resolved notification edits it
        "/api/chat.postMessage",  # ... and is posted in the thread
        "/api/chat.postMessage",  # another group starts its own message
        "/api/chat.postMessage",  # ... with its own thread copy
    ]
    bodies = [r.json() for r in service.requests]
    assert bodies[0]["channel"] == "#ops" and "ts" not in bodies[0] and "thread_ts" not in bodies[0]
    assert bodies[1]["thread_ts"] == "111.222" and bodies[1]["channel"] == "C9"
    assert bodies[2]["ts"] == "111.222" and bodies[2]["channel"] == "C9"
    assert bodies[2]["attachments"][0]["color"] == "good"
    assert bodies[3]["thread_ts"] == "111.222"
    assert "ts" not in bodies[4] and "thread_ts" not in bodies[4]
    assert bodies[5]["thread_ts"] == "111.222"  # the stub answers every post with the same ts
    for body in bodies:
        validate(body, SLACK_MESSAGE)


def test_chat_update_url_follows_the_api_host() -> None:
    assert chat_update_url("http://127.0.0.1:9/api/chat.postMessage") == "http://127.0.0.1:9/api/chat.update"
    assert chat_update_url("https://hooks.slack.com/services/x") == "https://slack.com/api/chat.update"
