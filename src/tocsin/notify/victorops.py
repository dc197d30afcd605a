"""VictorOps (Splunk On-Call) integration: its REST endpoint, one incident per aggregation group.

The entity_id is the SHA-256 of the group key, as in Alertmanager, so the RECOVERY sent when the group resolves
closes the incident its CRITICAL opened. The API key and routing key travel in the URL path, which is why errors
never carry the URL (see `tocsin.notify.http`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from urllib.parse import quote

from tocsin.config.notifiers import VictorOpsConfig
from tocsin.model.alert import Alert
from tocsin.notify.context import NotifyContext
from tocsin.notify.http import send
from tocsin.notify.integration import NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.secrets import secret_value
from tocsin.notify.text import group_key_hash, truncate_runes

log = logging.getLogger(__name__)

SERVICE = "victorops"
DEFAULT_API_URL = "https://alert.victorops.com/integrations/generic/20131114/alert/"
TRIGGER = "CRITICAL"
RECOVERY = "RECOVERY"
# message_type values that a firing group may choose; anything else becomes CRITICAL (ACKNOWLEDGEMENT and
# RECOVERY would close or silence an incident that is still firing).
FIRING_TYPES = frozenset({"INFO", "WARNING", "CRITICAL"})
# https://help.victorops.com/knowledge-base/incident-fields-glossary/ - state_message holds 20480 characters.
MAX_STATE_MESSAGE_RUNES = 20480


class VictorOpsNotifier:
    def __init__(self, cfg: VictorOpsConfig, deps: NotifierDeps, *, timeout: float | None = None) -> None:
        self._cfg = cfg
        self._deps = deps
        base = cfg.api_url or DEFAULT_API_URL
        self._base = base if base.endswith("/") else base + "/"
        # VictorOps's config has no timeout of its own; the pipeline's deadline bounds retries.
        self._timeout = timeout

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        cfg = self._cfg
        data = notification_data(ctx, alerts)
        renderer = Renderer(self._deps.templates, data)
        api_key = secret_value(cfg.api_key, cfg.api_key_file, what=f"{SERVICE} api_key") or ""
        if not api_key:
            raise NotifyError(f"{SERVICE}: api_key cannot be empty", retry=False)
        routing_key = renderer.text("routing_key", cfg.routing_key)

        if data.status == "resolved":
            message_type = RECOVERY
        else:
            message_type = renderer.text("message_type", cfg.message_type)
            if message_type not in FIRING_TYPES:
                message_type = TRIGGER
        state_message, truncated = truncate_runes(
            renderer.text("state_message", cfg.state_message), MAX_STATE_MESSAGE_RUNES
        )
        if truncated:
            log.warning(
                "truncated VictorOps state_message",
                extra={"group_key": ctx.group_key, "max_runes": MAX_STATE_MESSAGE_RUNES},
            )
        body = {
            "message_type": message_type,
            "entity_id": group_key_hash(ctx.group_key),
            "entity_display_name": renderer.text("entity_display_name", cfg.entity_display_name),
            "state_message": state_message,
            "monitoring_tool": renderer.text("monitoring_tool", cfg.monitoring_tool),
        }
        for name, tmpl in cfg.custom_fields.items():
            body[name] = renderer.text(f"custom_fields[{name}]", tmpl)
        if renderer.error is not None:
            raise NotifyError(f"{SERVICE}: {renderer.error}", retry=False)
        if not routing_key:
            raise NotifyError(f"{SERVICE}: routing_key rendered empty", retry=False)

        url = self._base + quote(api_key, safe="") + "/" + quote(routing_key, safe="")
        await send(
            self._deps.http,
            SERVICE,
            "POST",
            url,
            json=body,
            headers={"Content-Type": "application/json"},
            timeout=self._timeout,
        )

    async def close(self) -> None:
        return None


def build(cfg: VictorOpsConfig, deps: NotifierDeps) -> VictorOpsNotifier:
    return VictorOpsNotifier(cfg, deps)
