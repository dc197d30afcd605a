"""Telegram: the Bot API sendMessage request (https://core.telegram.org/bots/api#sendmessage)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.notify.loopback import LoopbackService, Reply
from tests.notify_misc.channels_under_test import TELEGRAM_TOKEN, telegram_cfg
from tests.notify_misc.misc_support import check_shape, firing_alerts, make_alert, make_ctx

from tocsin.notify import telegram
from tocsin.notify.integration import NotifierDeps, NotifyError

SEND_MESSAGE = {
    "required": {"chat_id": (int, str), "text": str},
    "optional": {
        "parse_mode": str,
        "disable_notification": bool,
        "disable_web_page_preview": bool,
        "message_thread_id": int,
    },
    "enum": {"parse_mode": {"HTML", "Markdown", "MarkdownV2"}},
    "max_len": {"text": 4096},
    "extra": False,
}
OK = Reply(200, {"ok": True, "result": {"message_id": 7, "chat": {"id": -1001234}}})


async def test_misc_telegram_payload_shape(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(OK)
    cfg = telegram_cfg(service.url, message_thread_id=99, disable_notifications=True, parse_mode="MarkdownV2")
    await telegram.build(cfg, deps).notify(make_ctx(), firing_alerts())
    (req,) = service.requests
    assert req.method == "POST"
    assert req.path == f"/bot{TELEGRAM_TOKEN}/sendMessage"
    assert req.headers["content-type"] == "application/json"
    body = req.json()
    check_shape(body, SEND_MESSAGE)
    assert body["chat_id"] == -1001234
    assert body["message_thread_id"] == 99
    assert body["disable_notification"] is True
    assert body["parse_mode"] == "MarkdownV2"


async def test_misc_telegram_default_template_html_escaped(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(OK)
    alerts = [make_alert({"alertname": "Disk<Full>", "job": "node"}, {"summary": "x & y"})]
    await telegram.build(telegram_cfg(service.url), deps).notify(make_ctx(), alerts)
    body = service.requests[0].json()
    assert body["parse_mode"] == "HTML"
    assert "message_thread_id" not in body
    assert "Alerts Firing:" in body["text"]
    # HTML mode escapes template output as Alertmanager's TmplHTML does, so Telegram's parser accepts it.
    assert "alertname = Disk&lt;Full&gt;" in body["text"]
    assert "summary = x &amp; y" in body["text"]


async def test_misc_telegram_markdown_not_escaped(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(OK)
    alerts = [make_alert({"alertname": "Disk<Full>"})]
    await telegram.build(telegram_cfg(service.url, parse_mode="Markdown"), deps).notify(make_ctx(), alerts)
    assert "alertname = Disk<Full>" in service.requests[0].json()["text"]


async def test_misc_telegram_truncates_to_4096(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(OK)
    cfg = telegram_cfg(service.url, message="é" * 5000)
    await telegram.build(cfg, deps).notify(make_ctx(), firing_alerts())
    text = service.requests[0].json()["text"]
    assert len(text) == 4096
    assert text.endswith("…")


async def test_misc_telegram_files(service: LoopbackService, deps: NotifierDeps, tmp_path: Path) -> None:
    (tmp_path / "token").write_text(TELEGRAM_TOKEN + "\n")
    (tmp_path / "chat").write_text("-42\n")
    cfg = telegram_cfg(
        service.url,
        chat_id=0,
        chat_id_file=str(tmp_path / "chat"),
        bot_token=None,
        bot_token_file=str(tmp_path / "token"),
    )
    service.script(OK)
    await telegram.build(cfg, deps).notify(make_ctx(), firing_alerts())
    assert service.requests[0].path == f"/bot{TELEGRAM_TOKEN}/sendMessage"
    assert service.requests[0].json()["chat_id"] == -42


async def test_misc_telegram_bad_chat_id_file(service: LoopbackService, deps: NotifierDeps, tmp_path: Path) -> None:
    (tmp_path / "chat").write_text("general\n")
    cfg = telegram_cfg(service.url, chat_id=0, chat_id_file=str(tmp_path / "chat"))
    with pytest.raises(NotifyError, match="chat_id_file") as info:
        await telegram.build(cfg, deps).notify(make_ctx(), firing_alerts())
    assert info.value.retry is False
    assert service.requests == []


async def test_misc_telegram_ok_false_is_an_error(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(200, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}))
    with pytest.raises(NotifyError, match="chat not found") as info:
        await telegram.build(telegram_cfg(service.url), deps).notify(make_ctx(), firing_alerts())
    assert info.value.retry is False
    assert TELEGRAM_TOKEN not in str(info.value)


async def test_misc_telegram_template_error_names_field(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = telegram_cfg(service.url, message='{{ template "nope" . }}')
    with pytest.raises(NotifyError, match="message") as info:
        await telegram.build(cfg, deps).notify(make_ctx(), firing_alerts())
    assert info.value.retry is False
    assert service.requests == []


async def test_misc_telegram_retry_after_from_body(service: LoopbackService, deps: NotifierDeps) -> None:
    flood = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 35",
        "parameters": {"retry_after": 35},
    }
    service.script(Reply(429, flood))
    with pytest.raises(NotifyError) as info:
        await telegram.build(telegram_cfg(service.url), deps).notify(make_ctx(), firing_alerts())
    assert info.value.retry is True
    assert info.value.retry_after == 35.0
