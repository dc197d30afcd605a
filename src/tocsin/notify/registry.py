"""Builds a receiver's integrations from its configuration.

Channels other than the webhook arrive with the notifications issue; until then a configured channel of another
type fails loudly on every send (logged, counted in alertmanager_notifications_failed_total) instead of being
dropped in silence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from tocsin.model.alert import Alert
from tocsin.notify.context import NotifyContext
from tocsin.notify.integration import Integration, NotifyError
from tocsin.notify.webhook import WebhookNotifier

INTEGRATION_FIELDS = {
    "webhook_configs": "webhook",
    "email_configs": "email",
    "pagerduty_configs": "pagerduty",
    "slack_configs": "slack",
    "opsgenie_configs": "opsgenie",
    "wechat_configs": "wechat",
    "pushover_configs": "pushover",
    "victorops_configs": "victorops",
    "sns_configs": "sns",
    "telegram_configs": "telegram",
    "webex_configs": "webex",
    "discord_configs": "discord",
    "msteams_configs": "msteams",
    "msteamsv2_configs": "msteamsv2",
    "jira_configs": "jira",
    "rocketchat_configs": "rocketchat",
    "incidentio_configs": "incidentio",
    "mattermost_configs": "mattermost",
}


class NotYetSupportedNotifier:
    def __init__(self, kind: str) -> None:
        self._kind = kind

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        raise NotifyError(f"{self._kind} integration is not implemented in this version of Tocsin", retry=False)

    async def close(self) -> None:
        return None


def _seconds(value: Any) -> float:
    if value is None:
        return 0.0
    if hasattr(value, "total_seconds"):
        return float(value.total_seconds())
    return float(value)


def _secret(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "get_secret_value"):
        return str(value.get_secret_value())
    return str(value)


def build_integrations(receiver: Any, client: httpx.AsyncClient) -> list[Integration]:
    out: list[Integration] = []
    for field, kind in INTEGRATION_FIELDS.items():
        for idx, cfg in enumerate(getattr(receiver, field, None) or []):
            send_resolved = bool(getattr(cfg, "send_resolved", False))
            if kind == "webhook":
                notifier: Any = WebhookNotifier(
                    url=_secret(cfg.url),
                    url_file=getattr(cfg, "url_file", None),
                    max_alerts=int(getattr(cfg, "max_alerts", 0) or 0),
                    timeout=_seconds(getattr(cfg, "timeout", 0)),
                    client=client,
                )
            else:
                notifier = NotYetSupportedNotifier(kind)
            out.append(Integration(kind, idx, receiver.name, send_resolved, notifier))
    return out
