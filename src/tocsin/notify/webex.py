"""Webex integration: POST /v1/messages with the room id and a markdown body, as a bot with a bearer token.

The token comes from `http_config.authorization` (Alertmanager requires it there); it is read at send time so
a rotated `credentials_file` needs no reload.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tocsin.config.http import HTTPClientConfig
from tocsin.config.notifiers import WebexConfig
from tocsin.model.alert import Alert
from tocsin.notify.context import NotifyContext
from tocsin.notify.http import send
from tocsin.notify.integration import Notifier, NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.secrets import secret_value
from tocsin.notify.text import truncate_bytes

DEFAULT_API_URL = "https://webexapis.com/v1/messages"
# Webex refuses messages over 7439 bytes (https://developer.webex.com/docs/api/v1/messages/create-a-message).
MAX_MESSAGE_BYTES = 7439


def authorization_header(http_config: HTTPClientConfig | None) -> str | None:
    if http_config is None:
        return None
    auth = http_config.authorization
    if auth is not None:
        creds = secret_value(auth.credentials, auth.credentials_file, what="http_config.authorization credentials")
        return f"{auth.type or 'Bearer'} {creds}" if creds else None
    token = secret_value(http_config.bearer_token, http_config.bearer_token_file, what="http_config.bearer_token")
    return f"Bearer {token}" if token else None


class WebexNotifier:
    def __init__(self, cfg: WebexConfig, deps: NotifierDeps) -> None:
        self._cfg = cfg
        self._deps = deps

    def payload(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> dict[str, Any]:
        renderer = Renderer(self._deps.templates, notification_data(ctx, alerts))
        message = renderer.text("message", self._cfg.message)
        if renderer.error:
            raise NotifyError(f"webex: {renderer.error}", retry=False)
        return {"roomId": self._cfg.room_id, "markdown": truncate_bytes(message, MAX_MESSAGE_BYTES)}

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        body = self.payload(ctx, alerts)
        header = authorization_header(self._cfg.http_config)
        if header is None:
            raise NotifyError("webex: http_config.authorization has no credentials", retry=False)
        await send(
            self._deps.http,
            "webex",
            "POST",
            self._cfg.api_url or DEFAULT_API_URL,
            json=body,
            headers={"Authorization": header},
        )

    async def close(self) -> None:
        return None


def build(cfg: WebexConfig, deps: NotifierDeps) -> Notifier:
    return WebexNotifier(cfg, deps)
