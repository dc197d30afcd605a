"""Builds a receiver's integrations from its configuration.

Each channel lives in its own module exposing `build(cfg, deps) -> Notifier`; modules are imported only when a
receiver uses them (start-up stays fast, and a webhook-only configuration never loads the template engine). A
configured channel that has no module yet fails loudly on every send (logged, counted in
alertmanager_notifications_failed_total) instead of being dropped in silence.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from tocsin.model.alert import Alert
from tocsin.notify.context import NotifyContext
from tocsin.notify.integration import Integration, NotifierDeps, NotifyError

# receiver field -> (integration name, module implementing `build`, or None while the channel is missing)
INTEGRATIONS: dict[str, tuple[str, str | None]] = {
    "webhook_configs": ("webhook", "tocsin.notify.webhook"),
    "email_configs": ("email", None),
    "pagerduty_configs": ("pagerduty", "tocsin.notify.pagerduty"),
    "slack_configs": ("slack", "tocsin.notify.slack"),
    "opsgenie_configs": ("opsgenie", "tocsin.notify.opsgenie"),
    "wechat_configs": ("wechat", "tocsin.notify.wechat"),
    "pushover_configs": ("pushover", "tocsin.notify.pushover"),
    "victorops_configs": ("victorops", "tocsin.notify.victorops"),
    "sns_configs": ("sns", None),
    "telegram_configs": ("telegram", "tocsin.notify.telegram"),
    "webex_configs": ("webex", "tocsin.notify.webex"),
    "discord_configs": ("discord", "tocsin.notify.discord"),
    "msteams_configs": ("msteams", "tocsin.notify.msteams"),
    "msteamsv2_configs": ("msteamsv2", "tocsin.notify.msteams"),
    "jira_configs": ("jira", "tocsin.notify.jira"),
    "rocketchat_configs": ("rocketchat", "tocsin.notify.rocketchat"),
    "incidentio_configs": ("incidentio", "tocsin.notify.incidentio"),
    "mattermost_configs": ("mattermost", "tocsin.notify.mattermost"),
}


class NotYetSupportedNotifier:
    def __init__(self, kind: str) -> None:
        self._kind = kind

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        raise NotifyError(f"{self._kind} integration is not implemented in this version of Tocsin", retry=False)

    async def close(self) -> None:
        return None


def unsupported_integrations(receivers: Sequence[Any]) -> list[str]:
    """`receiver/kind[index]` of every configured integration without an implementation (for `tocsin check`)."""
    out = []
    for r in receivers:
        for field, (kind, module) in INTEGRATIONS.items():
            if module is None:
                out += [f"{r.name}/{kind}[{i}]" for i in range(len(getattr(r, field, None) or []))]
    return out


def build_integrations(receiver: Any, deps: NotifierDeps) -> list[Integration]:
    out: list[Integration] = []
    for field, (kind, module) in INTEGRATIONS.items():
        for idx, cfg in enumerate(getattr(receiver, field, None) or []):
            send_resolved = bool(getattr(cfg, "send_resolved", False))
            notifier: Any
            if module is None:
                notifier = NotYetSupportedNotifier(kind)
            else:
                notifier = importlib.import_module(module).build(cfg, deps)
            out.append(Integration(kind, idx, receiver.name, send_resolved, notifier))
    return out
