"""Mattermost integration: an incoming-webhook post (text plus Slack-style attachments).

The top-level attachment settings (title, colour, fields, ...) form the first attachment and `attachments` adds
more, as the configuration documents them. Mattermost cuts nothing itself and rejects over-long posts, so the
text is shortened to its documented 16383 characters with a "…" marker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from tocsin.config.notifiers import MattermostConfig, MattermostField
from tocsin.model.alert import Alert
from tocsin.notify.context import NotifyContext
from tocsin.notify.http import send
from tocsin.notify.integration import Notifier, NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.secrets import secret_value
from tocsin.notify.text import omit_empty, truncate_chars

# https://developers.mattermost.com/integrate/webhooks/incoming/#tips-and-best-practices
MAX_TEXT_CHARS = 16383
PRIORITIES = ("urgent", "important", "standard")

# Tocsin's built-in template set has no Mattermost defaults yet; these are added when missing (a user's own
# definition of a name always wins).
def _fields(r: Renderer, where: str, fields: Sequence[MattermostField]) -> list[dict[str, Any]]:
    out = []
    for i, f in enumerate(fields):
        item: dict[str, Any] = {
            "title": r.text(f"{where}fields[{i}].title", f.title),
            "value": r.text(f"{where}fields[{i}].value", f.value),
        }
        if f.short is not None:
            item["short"] = f.short
        out.append(item)
    return out


def _attachment(r: Renderer, where: str, a: Any, with_text: bool) -> dict[str, Any]:
    """One attachment from a config object with the attachment fields (the config itself or `attachments[i]`).

    The top-level `text` is the post's message, so only configured attachments carry a text of their own.
    """

    def t(name: str) -> str:
        return r.text(f"{where}{name}", getattr(a, name))

    return omit_empty(
        {
            "fallback": t("fallback"),
            "color": t("color"),
            "pretext": t("pretext"),
            "text": t("text") if with_text else "",
            "author_name": t("author_name"),
            "author_link": t("author_link"),
            "author_icon": t("author_icon"),
            "title": t("title"),
            "title_link": t("title_link"),
            "fields": _fields(r, where, a.fields),
            "thumb_url": t("thumb_url"),
            "footer": t("footer"),
            "footer_icon": t("footer_icon"),
            "image_url": t("image_url"),
        }
    )


class MattermostNotifier:
    def __init__(self, cfg: MattermostConfig, deps: NotifierDeps) -> None:
        self._cfg = cfg
        self._deps = deps

    def payload(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> dict[str, Any]:
        cfg = self._cfg
        r = Renderer(self._deps.templates, notification_data(ctx, alerts))
        body: dict[str, Any] = {"text": truncate_chars(r.text("text", cfg.text), MAX_TEXT_CHARS)}
        body.update(
            omit_empty(
                {
                    "channel": r.text("channel", cfg.channel),
                    "username": r.text("username", cfg.username),
                    "icon_url": r.text("icon_url", cfg.icon_url),
                    "icon_emoji": r.text("icon_emoji", cfg.icon_emoji),
                    "type": r.text("type", cfg.type),
                }
            )
        )
        attachments = [_attachment(r, "", cfg, with_text=False)]
        attachments += [_attachment(r, f"attachments[{i}].", a, with_text=True) for i, a in enumerate(cfg.attachments)]
        attachments = [a for a in attachments if a]
        if attachments:
            body["attachments"] = attachments
        if cfg.props is not None and cfg.props.card:
            body["props"] = {"card": r.text("props.card", cfg.props.card)}
        if cfg.priority is not None and cfg.priority.priority:
            body["priority"] = _priority(
                r.text("priority.priority", cfg.priority.priority),
                cfg.priority.requested_ack,
                cfg.priority.persistent_notifications,
            )
        if r.error:
            raise NotifyError(f"mattermost: {r.error}", retry=False)
        return body

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        body = self.payload(ctx, alerts)
        url = secret_value(self._cfg.webhook_url, self._cfg.webhook_url_file, what="mattermost webhook_url")
        if not url:
            raise NotifyError("mattermost: no webhook_url or webhook_url_file configured", retry=False)
        try:
            await send(
                self._deps.http,
                "mattermost",
                "POST",
                url,
                content=orjson.dumps(body),
                headers={"Content-Type": "application/json"},
            )
        except NotifyError as exc:
            channel = body.get("channel", "")
            if not channel:
                raise
            raise NotifyError(f"{exc} (channel {channel!r})", exc.retry, exc.retry_after) from None

    async def close(self) -> None:
        return None


def _priority(priority: str, requested_ack: bool, persistent: bool) -> dict[str, Any]:
    """Mattermost's message priority, made consistent the way the server would insist on.

    An unknown level becomes "standard"; acknowledgements need a non-standard level and persistent
    notifications need "urgent", so those flags are dropped otherwise instead of having the post refused.
    """
    level = priority.strip().lower()
    if level not in PRIORITIES:
        level = "standard"
    out: dict[str, Any] = {"priority": level}
    if requested_ack and level != "standard":
        out["requested_ack"] = True
    if persistent and level == "urgent":
        out["persistent_notifications"] = True
    return out


def build(cfg: MattermostConfig, deps: NotifierDeps) -> Notifier:
    return MattermostNotifier(cfg, deps)
