from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.notify.loopback import LoopbackService, Reply
from tests.notify_chat.chatkit import ShortTimeout, alert, context, validate

from tocsin.config.notifiers import RocketchatConfig
from tocsin.notify.integration import NotifierDeps, NotifyError
from tocsin.notify.rocketchat import MAX_TITLE_CHARS, build, post_message_url

# developer.rocket.chat REST API: POST /api/v1/chat.postMessage (body and attachment fields).
_TEXT = {"type": "string"}
_URL = {"type": "string", "pattern": "^https?://"}
ROCKETCHAT_MESSAGE = {
    "type": "object",
    "anyOf": [{"required": ["channel"]}, {"required": ["roomId"]}],
    "additionalProperties": False,
    "properties": {
        "roomId": _TEXT,
        "channel": {"type": "string", "pattern": "^[#@]"},
        "text": _TEXT,
        "alias": _TEXT,
        "emoji": {"type": "string", "pattern": "^:[^:\\s]+:$"},
        "avatar": _URL,
        "attachments": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "color": _TEXT,
                    "text": _TEXT,
                    "title": {"type": "string", "maxLength": MAX_TITLE_CHARS},
                    "title_link": _URL,
                    "image_url": _URL,
                    "thumb_url": _URL,
                    "fields": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["title", "value"],
                            "additionalProperties": False,
                            "properties": {"short": {"type": "boolean"}, "title": _TEXT, "value": _TEXT},
                        },
                    },
                    "actions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["type", "text"],
                            "additionalProperties": False,
                            "properties": {
                                "type": {"enum": ["button"]},
                                "text": _TEXT,
                                "url": _URL,
                                "image_url": _URL,
                                "is_webview": {"type": "boolean"},
                                "webview_height_ratio": {"enum": ["compact", "tall", "full"]},
                                "msg": _TEXT,
                                "msg_in_chat_window": {"type": "boolean"},
                                "msg_processing_type": {
                                    "enum": ["sendMessage", "respondWithMessage", "respondWithQuotedMessage"]
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}
OK = Reply(200, {"ts": 1, "channel": "ops", "message": {}, "success": True}, {"Content-Type": "application/json"})


def rc(service: LoopbackService, **over: Any) -> RocketchatConfig:
    return RocketchatConfig.model_validate(
        {"api_url": f"{service.url}/", "token": "tok-secret", "token_id": "user-1", "channel": "#ops", **over}
    )


async def test_payload_shape_and_auth_headers(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = OK
    cfg = rc(
        service,
        emoji=":rotating_light:",
        short_fields=True,
        fields=[
            {"title": "sev", "value": "{{ .CommonLabels.severity }}"},
            {"title": "n", "value": "1", "short": False},
        ],
        actions=[
            {"text": "Open {{ .GroupLabels.alertname }}", "url": "https://grafana.example/d/1"},
            {"text": "Ack", "msg": "ack {{ .GroupLabels.alertname }}", "msg_in_chat_window": True},
        ],
    )
    await build(cfg, deps).notify(context(), [alert()])
    (req,) = service.requests
    assert req.path == "/api/v1/chat.postMessage"
    assert req.headers["x-auth-token"] == "tok-secret" and req.headers["x-user-id"] == "user-1"
    body = req.json()
    validate(body, ROCKETCHAT_MESSAGE)
    att = body["attachments"][0]
    assert att["fields"] == [
        {"short": True, "title": "sev", "value": "critical"},
        {"short": False, "title": "n", "value": "1"},
    ]
    assert att["actions"] == [
        {"type": "button", "text": "Open HighLatency", "url": "https://grafana.example/d/1"},
        {"type": "button", "text": "Ack", "msg": "ack HighLatency", "msg_in_chat_window": True},
    ]
    assert body["emoji"] == ":rotating_light:"


async def test_default_templates(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = OK
    notifier = build(rc(service), deps)
    await notifier.notify(context(), [alert(), alert(instance="b")])
    await notifier.notify(context(), [alert(resolved=True)])
    firing, resolved = (r.json() for r in service.requests)
    for body in (firing, resolved):
        validate(body, ROCKETCHAT_MESSAGE)
    assert firing == {
        "channel": "#ops",
        "attachments": [
            {
                "title": "[FIRING:2] HighLatency (critical)",
                "title_link": "http://am.example/#/alerts?receiver=team-chat",
                "color": "red",
            }
        ],
    }
    assert resolved["attachments"][0]["color"] == "green"


async def test_token_files_are_read(service: LoopbackService, deps: NotifierDeps, tmp_path: Path) -> None:
    service.default = OK
    (tmp_path / "token").write_text("from-file\n")
    (tmp_path / "id").write_text("id-from-file\n")
    cfg = RocketchatConfig.model_validate(
        {
            "api_url": service.url,
            "token_file": str(tmp_path / "token"),
            "token_id_file": str(tmp_path / "id"),
            "channel": "#ops",
        }
    )
    await build(cfg, deps).notify(context(), [alert()])
    req = service.requests[0]
    assert req.headers["x-auth-token"] == "from-file" and req.headers["x-user-id"] == "id-from-file"


async def test_success_false_in_200_answer_is_permanent(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(200, {"success": False, "error": "error-not-allowed"}, {"Content-Type": "application/json"})
    with pytest.raises(NotifyError) as err:
        await build(rc(service), deps).notify(context(), [alert()])
    assert err.value.retry is False and "error-not-allowed" in str(err.value)
    assert "tok-secret" not in str(err.value)


async def test_unreadable_answer_is_retried(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(200, "<html>maintenance</html>", {"Content-Type": "text/html"})
    with pytest.raises(NotifyError) as err:
        await build(rc(service), deps).notify(context(), [alert()])
    assert err.value.retry is True


async def test_server_error_is_retried(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(500, {"success": False})
    with pytest.raises(NotifyError) as err:
        await build(rc(service), deps).notify(context(), [alert()])
    assert err.value.retry is True and "500" in str(err.value) and "'#ops'" in str(err.value)


async def test_unauthorised_is_permanent(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(401, {"status": "error", "message": "You must be logged in to do this."})
    with pytest.raises(NotifyError) as err:
        await build(rc(service), deps).notify(context(), [alert()])
    assert err.value.retry is False and "401" in str(err.value)
    assert "tok-secret" not in str(err.value)


async def test_429_sets_retry_after(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(429, {"success": False, "error": "Too many requests"}, {"Retry-After": "9"})
    with pytest.raises(NotifyError) as err:
        await build(rc(service), deps).notify(context(), [alert()])
    assert err.value.retry is True and err.value.retry_after == 9.0


async def test_hanging_service_times_out(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(200, {"success": True}, delay=1.0)
    async with httpx.AsyncClient(transport=ShortTimeout(0.2)) as client:
        short = NotifierDeps(http=client, templates=deps.templates, clock=deps.clock)
        with pytest.raises(NotifyError) as err:
            await build(rc(service), short).notify(context(), [alert()])
    assert err.value.retry is True and "timed out" in str(err.value)


async def test_long_title_is_cut(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = OK
    await build(rc(service, title="{{ range .Alerts }}" + "t" * 3000 + "{{ end }}"), deps).notify(context(), [alert()])
    title = service.requests[0].json()["attachments"][0]["title"]
    assert len(title) == MAX_TITLE_CHARS and title.endswith("…")


async def test_missing_token_is_a_clear_error(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = RocketchatConfig.model_validate({"api_url": service.url, "token_id": "u", "channel": "#ops"})
    with pytest.raises(NotifyError) as err:
        await build(cfg, deps).notify(context(), [alert()])
    assert err.value.retry is False and "token" in str(err.value)
    assert service.requests == []


def test_post_message_url_joins_paths() -> None:
    assert post_message_url("https://open.rocket.chat/") == "https://open.rocket.chat/api/v1/chat.postMessage"
    assert post_message_url("https://chat.example/rc") == "https://chat.example/rc/api/v1/chat.postMessage"
