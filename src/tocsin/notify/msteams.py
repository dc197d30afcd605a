"""Microsoft Teams integrations.

`msteams_configs` post a legacy connector MessageCard (Office 365 connector webhooks); `msteamsv2_configs` post
the message envelope with one Adaptive Card that Teams Workflows (Power Automate "post to a channel when a webhook
request is received") accept. Both colour the card by the group's status, as Alertmanager does.

Teams refuses messages over 28 KB, so the body text is shortened (with a "…" marker) when the encoded message
would be larger: a shortened alert list is worth more than a rejected one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from tocsin.config.notifiers import MSTeamsConfig, MSTeamsV2Config
from tocsin.model.alert import Alert
from tocsin.notify.context import NotifyContext
from tocsin.notify.http import send
from tocsin.notify.integration import Notifier, NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.secrets import secret_value

# https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
MAX_MESSAGE_BYTES = 28 * 1024
_MARKER = "…"

# MessageCard themeColor (hex RGB) and Adaptive Card TextBlock colour names, by group status.
CARD_COLORS = {"firing": "8C1A1A", "resolved": "2DC72D", "": "808080"}
ADAPTIVE_COLORS = {"firing": "Attention", "resolved": "Good", "": "Warning"}

ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

# Alertmanager's default Teams templates (same names and output). Tocsin's built-in template set does not carry
# them yet, so they are added when missing; a user's own definition of any of these names always wins.
def group_status(ctx: NotifyContext, alerts: Sequence[Alert]) -> str:
    """Alertmanager's Alerts.Status(): "firing" if any alert fires, "resolved" if all ended, "" for none."""
    if not alerts:
        return ""
    return "firing" if any(not a.resolved_at(ctx.now) for a in alerts) else "resolved"


def fit_text(build: Any, text: str, limit: int = MAX_MESSAGE_BYTES) -> bytes:
    """Encode `build(text)`, cutting `text` (with a marker) to the longest prefix that keeps it within `limit`."""
    body: bytes = orjson.dumps(build(text))
    if len(body) <= limit or not text:
        return body
    fixed = len(body) - (len(orjson.dumps(text)) - 2)
    budget = limit - fixed - len(orjson.dumps(_MARKER)) + 2
    lo, hi = 0, len(text)  # the longest prefix whose encoding fits the budget, by bisection
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(orjson.dumps(text[:mid])) - 2 <= budget:
            lo = mid
        else:
            hi = mid - 1
    return orjson.dumps(build(text[:lo] + _MARKER if lo else ""))


def _webhook_url(inline: Any, file: str | None, service: str) -> str:
    url = secret_value(inline, file, what=f"{service} webhook_url")
    if not url:
        raise NotifyError(f"{service}: no webhook_url or webhook_url_file configured", retry=False)
    return url


class MSTeamsNotifier:
    """Legacy Office 365 connector webhook: a MessageCard."""

    def __init__(self, cfg: MSTeamsConfig, deps: NotifierDeps) -> None:
        self._cfg = cfg
        self._deps = deps

    def body(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> bytes:
        cfg = self._cfg
        r = Renderer(self._deps.templates, notification_data(ctx, alerts))
        title = r.text("title", cfg.title)
        summary = r.text("summary", cfg.summary)
        text = r.text("text", cfg.text)
        if r.error:
            raise NotifyError(f"msteams: {r.error}", retry=False)
        color = CARD_COLORS[group_status(ctx, alerts)]

        def card(body_text: str) -> dict[str, Any]:
            # "@type" is what the MessageCard reference requires; "type" is kept for receivers that expect
            # Alertmanager's exact body.
            return {
                "@type": "MessageCard",
                "@context": "http://schema.org/extensions",
                "type": "MessageCard",
                "title": title,
                # A card needs a summary when it has no text; fall back to the title rather than be rejected.
                "summary": summary or (title if not body_text else ""),
                "text": body_text,
                "themeColor": color,
            }

        return fit_text(card, text)

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        content = self.body(ctx, alerts)
        url = _webhook_url(self._cfg.webhook_url, self._cfg.webhook_url_file, "msteams")
        await send(
            self._deps.http, "msteams", "POST", url, content=content, headers={"Content-Type": "application/json"}
        )

    async def close(self) -> None:
        return None


class MSTeamsV2Notifier:
    """Teams Workflows webhook: a "message" whose single attachment is an Adaptive Card."""

    def __init__(self, cfg: MSTeamsV2Config, deps: NotifierDeps) -> None:
        self._cfg = cfg
        self._deps = deps

    def body(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> bytes:
        cfg = self._cfg
        r = Renderer(self._deps.templates, notification_data(ctx, alerts))
        title = r.text("title", cfg.title)
        text = r.text("text", cfg.text)
        if r.error:
            raise NotifyError(f"msteamsv2: {r.error}", retry=False)
        color = ADAPTIVE_COLORS[group_status(ctx, alerts)]

        def message(body_text: str) -> dict[str, Any]:
            return {
                "type": "message",
                "attachments": [
                    {
                        "contentType": ADAPTIVE_CARD_CONTENT_TYPE,
                        "contentUrl": None,
                        "content": {
                            "$schema": ADAPTIVE_CARD_SCHEMA,
                            "type": "AdaptiveCard",
                            "version": "1.2",
                            "body": [
                                {
                                    "type": "TextBlock",
                                    "text": title,
                                    "weight": "Bolder",
                                    "size": "Medium",
                                    "wrap": True,
                                    "style": "heading",
                                    "color": color,
                                },
                                {"type": "TextBlock", "text": body_text, "wrap": True},
                            ],
                            "msteams": {"width": "full"},
                        },
                    }
                ],
            }

        return fit_text(message, text)

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        content = self.body(ctx, alerts)
        url = _webhook_url(self._cfg.webhook_url, self._cfg.webhook_url_file, "msteamsv2")
        await send(
            self._deps.http, "msteamsv2", "POST", url, content=content, headers={"Content-Type": "application/json"}
        )

    async def close(self) -> None:
        return None


def build(cfg: MSTeamsConfig | MSTeamsV2Config, deps: NotifierDeps) -> Notifier:
    """Both Teams flavours come from this module, so `msteams_configs` and `msteamsv2_configs` can share it."""
    if isinstance(cfg, MSTeamsV2Config):
        return build_v2(cfg, deps)
    return MSTeamsNotifier(cfg, deps)


def build_v2(cfg: MSTeamsV2Config, deps: NotifierDeps) -> Notifier:
    return MSTeamsV2Notifier(cfg, deps)
