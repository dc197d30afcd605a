"""Rocket.Chat integration: the REST API's chat.postMessage with one attachment, authenticated by a personal
access token (`X-Auth-Token`) and its user id (`X-User-Id`).

Rocket.Chat answers HTTP 200 with `{"success": false, "error": ...}` when it refuses a message, so the body
decides success, as with Slack's Web API.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import orjson

from tocsin.config.notifiers import RocketchatAction, RocketchatConfig
from tocsin.model.alert import Alert
from tocsin.notify.context import NotifyContext
from tocsin.notify.http import send
from tocsin.notify.integration import Notifier, NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.secrets import secret_value
from tocsin.notify.text import omit_empty, truncate_chars

# The attachment title is cut like Slack's (Rocket.Chat's attachments follow Slack's legacy format).
MAX_TITLE_CHARS = 1024
_SNIPPET = 200
POST_MESSAGE_PATH = "api/v1/chat.postMessage"

# Alertmanager's Rocket.Chat default templates; added when the template set lacks them (user definitions win).
def post_message_url(api_url: str) -> str:
    return api_url.rstrip("/") + "/" + POST_MESSAGE_PATH


def _action(r: Renderer, i: int, a: RocketchatAction) -> dict[str, Any]:
    # Rocket.Chat attachments only know button actions.
    return omit_empty(
        {
            "type": "button",
            "text": r.text(f"actions[{i}].text", a.text),
            "url": r.text(f"actions[{i}].url", a.url),
            "image_url": a.image_url,
            "is_webview": a.is_webview,
            "webview_height_ratio": a.webview_height_ratio,
            "msg": r.text(f"actions[{i}].msg", a.msg),
            "msg_in_chat_window": a.msg_in_chat_window,
            "msg_processing_type": a.msg_processing_type,
        }
    )


class RocketchatNotifier:
    def __init__(self, cfg: RocketchatConfig, deps: NotifierDeps) -> None:
        self._cfg = cfg
        self._deps = deps

    def payload(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> dict[str, Any]:
        cfg = self._cfg
        r = Renderer(self._deps.templates, notification_data(ctx, alerts))
        attachment = omit_empty(
            {
                "title": truncate_chars(r.text("title", cfg.title), MAX_TITLE_CHARS),
                "title_link": r.text("title_link", cfg.title_link),
                "text": r.text("text", cfg.text),
                "image_url": r.text("image_url", cfg.image_url),
                "thumb_url": r.text("thumb_url", cfg.thumb_url),
                "color": r.text("color", cfg.color),
            }
        )
        if cfg.fields:
            attachment["fields"] = [
                {
                    "short": f.short if f.short is not None else cfg.short_fields,
                    "title": r.text(f"fields[{i}].title", f.title),
                    "value": r.text(f"fields[{i}].value", f.value),
                }
                for i, f in enumerate(cfg.fields)
            ]
        if cfg.actions:
            attachment["actions"] = [_action(r, i, a) for i, a in enumerate(cfg.actions)]
        body = omit_empty(
            {
                "channel": r.text("channel", cfg.channel),
                "emoji": r.text("emoji", cfg.emoji),
                "avatar": r.text("icon_url", cfg.icon_url),
            }
        )
        body["attachments"] = [attachment]
        if r.error:
            raise NotifyError(f"rocketchat: {r.error}", retry=False)
        return body

    def _headers(self) -> dict[str, str]:
        cfg = self._cfg
        token = secret_value(cfg.token, cfg.token_file, what="rocketchat token")
        token_id = secret_value(cfg.token_id, cfg.token_id_file, what="rocketchat token_id")
        if not token or not token_id:
            missing = "token" if not token else "token_id"
            raise NotifyError(f"rocketchat: no {missing} or {missing}_file configured", retry=False)
        return {"Content-Type": "application/json", "X-Auth-Token": token, "X-User-Id": token_id}

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        body = self.payload(ctx, alerts)
        if not self._cfg.api_url:
            raise NotifyError("rocketchat: no api_url configured", retry=False)
        channel = body.get("channel", "")
        try:
            resp = await send(
                self._deps.http,
                "rocketchat",
                "POST",
                post_message_url(self._cfg.api_url),
                content=orjson.dumps(body),
                headers=self._headers(),
            )
        except NotifyError as exc:
            raise NotifyError(f"{exc} (channel {channel!r})", exc.retry, exc.retry_after) from None
        check_rocketchat_answer(resp, channel)

    async def close(self) -> None:
        return None


def check_rocketchat_answer(resp: httpx.Response, channel: str = "") -> None:
    where = f" (channel {channel!r})" if channel else ""
    try:
        data = orjson.loads(resp.content)
    except orjson.JSONDecodeError:
        raise NotifyError(f"rocketchat: unreadable answer: {resp.text[:_SNIPPET]!r}{where}", retry=True) from None
    if not isinstance(data, dict) or data.get("success") is not True:
        error = data.get("error") if isinstance(data, dict) else None
        raise NotifyError(
            f"rocketchat: error response from Rocket.Chat: {error or 'unknown error'}{where}", retry=False
        )


def build(cfg: RocketchatConfig, deps: NotifierDeps) -> Notifier:
    return RocketchatNotifier(cfg, deps)
