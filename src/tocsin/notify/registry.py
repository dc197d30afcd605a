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
    "email_configs": ("email", "tocsin.notify.email"),
    "pagerduty_configs": ("pagerduty", "tocsin.notify.pagerduty"),
    "slack_configs": ("slack", "tocsin.notify.slack"),
    "opsgenie_configs": ("opsgenie", "tocsin.notify.opsgenie"),
    "wechat_configs": ("wechat", "tocsin.notify.wechat"),
    "pushover_configs": ("pushover", "tocsin.notify.pushover"),
    "victorops_configs": ("victorops", "tocsin.notify.victorops"),
    "sns_configs": ("sns", "tocsin.notify.sns"),
    "telegram_configs": ("telegram", "tocsin.notify.telegram"),
    "webex_configs": ("webex", "tocsin.notify.webex"),
    "discord_configs": ("discord", "tocsin.notify.discord"),
    "msteams_configs": ("msteams", "tocsin.notify.msteams"),
    "msteamsv2_configs": ("msteamsv2", "tocsin.notify.msteams"),
    "jira_configs": ("jira", "tocsin.notify.jira"),
    "rocketchat_configs": ("rocketchat", "tocsin.notify.rocketchat"),
    "incidentio_configs": ("incidentio", "tocsin.notify.incidentio"),
    "mattermost_configs": ("mattermost", "tocsin.notify.mattermost"),
    "sms_configs": ("sms", "tocsin.notify.sms"),
}


class FailingNotifier:
    """Stands in for a channel that cannot work (not implemented, or its settings are unusable): every send is a
    permanent failure with the reason, so it shows up as a dead letter and in the logs, never as silence."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        raise NotifyError(self.reason, retry=False)

    async def close(self) -> None:
        return None


def NotYetSupportedNotifier(kind: str) -> FailingNotifier:
    return FailingNotifier(f"{kind} integration is not implemented in this version of Tocsin")


def integration_problems(receivers: Sequence[Any], deps: NotifierDeps) -> list[str]:
    """`receiver/kind[index]: reason` for every integration that could not deliver (for `tocsin check`)."""
    out = []
    for r in receivers:
        for integ in build_integrations(r, deps):
            if isinstance(integ.notifier, FailingNotifier):
                out.append(f"{r.name}/{integ}: {integ.notifier.reason}")
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
                try:
                    own = deps.for_http_config(getattr(cfg, "http_config", None))
                    notifier = importlib.import_module(module).build(cfg, own)
                except (ValueError, NotifyError) as exc:
                    notifier = FailingNotifier(f"{kind} integration misconfigured: {exc}")
            out.append(Integration(kind, idx, receiver.name, send_resolved, notifier))
    return out
