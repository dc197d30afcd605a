"""Discord integration: one webhook execution with a single embed coloured by the group's status.

Discord rejects a whole message when one embed field is over its limit, so fields are cut at the documented
limits (with a "…" marker) rather than risking the notification.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tocsin.config.notifiers import DiscordConfig
from tocsin.model.alert import Alert
from tocsin.notify.context import NotifyContext
from tocsin.notify.http import send
from tocsin.notify.integration import Notifier, NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.secrets import secret_value
from tocsin.notify.text import truncate_chars

# https://discord.com/developers/docs/resources/message#embed-object-embed-limits and the execute-webhook limits.
MAX_CONTENT_CHARS = 2000
MAX_TITLE_CHARS = 256
MAX_DESCRIPTION_CHARS = 4096

COLOR_FIRING = 0x992D22
COLOR_RESOLVED = 0x2ECC71
COLOR_UNKNOWN = 0x95A5A6


class DiscordNotifier:
    def __init__(self, cfg: DiscordConfig, deps: NotifierDeps) -> None:
        self._cfg = cfg
        self._deps = deps

    def payload(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> dict[str, Any]:
        cfg = self._cfg
        renderer = Renderer(self._deps.templates, notification_data(ctx, alerts))
        title = renderer.text("title", cfg.title)
        description = renderer.text("message", cfg.message)
        content = renderer.text("content", cfg.content)
        if renderer.error:
            raise NotifyError(f"discord: {renderer.error}", retry=False)
        firing = any(not a.resolved_at(ctx.now) for a in alerts)
        color = COLOR_FIRING if firing else COLOR_RESOLVED if alerts else COLOR_UNKNOWN
        body: dict[str, Any] = {
            "content": truncate_chars(content, MAX_CONTENT_CHARS),
            "embeds": [
                {
                    "title": truncate_chars(title, MAX_TITLE_CHARS),
                    "description": truncate_chars(description, MAX_DESCRIPTION_CHARS),
                    "color": color,
                }
            ],
        }
        if cfg.username:
            body["username"] = cfg.username
        if cfg.avatar_url:
            body["avatar_url"] = cfg.avatar_url
        return body

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        body = self.payload(ctx, alerts)
        url = secret_value(self._cfg.webhook_url, self._cfg.webhook_url_file, what="discord webhook_url")
        if not url:
            raise NotifyError("discord: no webhook_url or webhook_url_file configured", retry=False)
        await send(self._deps.http, "discord", "POST", url, json=body)

    async def close(self) -> None:
        return None


def build(cfg: DiscordConfig, deps: NotifierDeps) -> Notifier:
    return DiscordNotifier(cfg, deps)
