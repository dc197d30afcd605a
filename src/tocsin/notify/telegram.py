"""Telegram integration: one Bot API `sendMessage` call per notification.

The bot token is part of the URL path (`/bot<token>/sendMessage`), so it must never reach a log line or an
error; `send()` keeps URLs out of its errors, and this module never formats the URL itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tocsin.config.notifiers import TelegramConfig
from tocsin.model.alert import Alert
from tocsin.notify.context import NotifyContext
from tocsin.notify.http import send
from tocsin.notify.integration import Notifier, NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.secrets import secret_value
from tocsin.notify.text import truncate_chars

DEFAULT_API_URL = "https://api.telegram.org"
# Bot API limit for a message's text after entity parsing; Alertmanager cuts at the same number of runes.
MAX_MESSAGE_CHARS = 4096
# Telegram's 429 answers carry the wait in the body ({"parameters": {"retry_after": N}}), not in a Retry-After
# header; send() quotes the start of the body in its error, which is where this finds it.
_BODY_RETRY_AFTER = re.compile(r'"retry_after"\s*:\s*(\d+)')


class TelegramNotifier:
    def __init__(self, cfg: TelegramConfig, deps: NotifierDeps) -> None:
        self._cfg = cfg
        self._deps = deps
        self._base = (cfg.api_url or DEFAULT_API_URL).rstrip("/")

    def _chat_id(self) -> int:
        if self._cfg.chat_id:
            return self._cfg.chat_id
        path = self._cfg.chat_id_file or ""
        try:
            raw = Path(path).read_text().strip()
        except OSError as exc:
            raise NotifyError(f"telegram: cannot read chat_id_file {path!r}: {exc.strerror}", retry=False) from None
        try:
            return int(raw)
        except ValueError:
            raise NotifyError(
                f"telegram: chat_id_file {path!r} does not hold an integer chat id", retry=False
            ) from None

    def payload(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> dict[str, Any]:
        cfg = self._cfg
        renderer = Renderer(self._deps.templates, notification_data(ctx, alerts))
        # HTML parse mode needs the template output escaped like html/template does; the other modes do not.
        text = (
            renderer.html("message", cfg.message) if cfg.parse_mode == "HTML" else renderer.text("message", cfg.message)
        )
        if renderer.error:
            raise NotifyError(f"telegram: {renderer.error}", retry=False)
        body: dict[str, Any] = {
            "chat_id": self._chat_id(),
            "text": truncate_chars(text, MAX_MESSAGE_CHARS),
            "disable_notification": cfg.disable_notifications,
            "disable_web_page_preview": True,
        }
        if cfg.parse_mode:
            body["parse_mode"] = cfg.parse_mode
        if cfg.message_thread_id:
            body["message_thread_id"] = cfg.message_thread_id
        return body

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        body = self.payload(ctx, alerts)
        token = secret_value(self._cfg.bot_token, self._cfg.bot_token_file, what="telegram bot_token")
        if not token:
            raise NotifyError("telegram: no bot_token or bot_token_file configured", retry=False)
        try:
            resp = await send(
                self._deps.http,
                "telegram",
                "POST",
                f"{self._base}/bot{token}/sendMessage",
                json=body,
                timeout=self._cfg.timeout or None,
            )
        except NotifyError as err:
            found = _BODY_RETRY_AFTER.search(str(err)) if err.retry and err.retry_after is None else None
            if found:
                err.retry_after = float(found.group(1))
            raise
        # The Bot API reports some failures as {"ok": false} with a 200; treat those as permanent.
        try:
            answer = resp.json()
        except ValueError:
            return
        if isinstance(answer, dict) and answer.get("ok") is False:
            desc = str(answer.get("description", ""))[:200]
            raise NotifyError(f"telegram: sendMessage refused: {desc}", retry=False)

    async def close(self) -> None:
        return None


def build(cfg: TelegramConfig, deps: NotifierDeps) -> Notifier:
    return TelegramNotifier(cfg, deps)
