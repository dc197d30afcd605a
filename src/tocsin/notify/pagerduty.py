"""PagerDuty integration: Events API v2 (`routing_key`) and the legacy v1 API (`service_key`).

One aggregation group is one PagerDuty alert: its dedup key is the SHA-256 of the group key, as in Alertmanager,
so a later `resolve` (or a re-trigger after Tocsin restarts) lands on the same alert and Alertmanager and Tocsin
can be swapped without opening duplicate incidents.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import orjson

from tocsin.config.notifiers import PagerdutyConfig
from tocsin.model.alert import Alert
from tocsin.notify.context import ACKNOWLEDGE, NotifyContext
from tocsin.notify.http import send
from tocsin.notify.integration import NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.secrets import secret_value
from tocsin.notify.text import group_key_hash, truncate_runes

log = logging.getLogger(__name__)

SERVICE = "pagerduty"
V2_URL = "https://events.pagerduty.com/v2/enqueue"
# Alertmanager always sends service-key events here, whatever `url` says.
V1_URL = "https://events.pagerduty.com/generic/2010-04-15/create_event.json"

# Documented limits: 512 KB per event (Alertmanager counts 512000 bytes), 1024 characters of summary/description.
MAX_EVENT_BYTES = 512_000
MAX_SUMMARY_RUNES = 1024
DETAILS_REMOVED = "Custom details have been removed because the original event exceeds the maximum size of 512KB"

SEVERITIES = ("critical", "error", "warning", "info")
DEFAULT_SEVERITY = "error"
# Severity label values in common use in Prometheus rules, folded onto PagerDuty's four levels so a rule set
# written for another pager does not make every event a 400.
_SEVERITY_ALIASES = {
    "crit": "critical",
    "page": "critical",
    "fatal": "critical",
    "emergency": "critical",
    "alert": "critical",
    "err": "error",
    "high": "error",
    "major": "error",
    "warn": "warning",
    "medium": "warning",
    "minor": "warning",
    "information": "info",
    "informational": "info",
    "notice": "info",
    "low": "info",
    "none": "info",
    "debug": "info",
}


def map_severity(rendered: str) -> str | None:
    """One of PagerDuty's severities for a rendered `severity` value, or None if it names none of them."""
    value = rendered.strip().lower()
    if value in SEVERITIES:
        return value
    return _SEVERITY_ALIASES.get(value)


def _without_empty(obj: dict[str, Any]) -> dict[str, Any]:
    """Drop empty optional fields, as Alertmanager's `omitempty` tags do (PagerDuty rejects some empty ones)."""
    return {k: v for k, v in obj.items() if v not in ("", None, [], {})}


class PagerDutyNotifier:
    # An acknowledgement in Tocsin acknowledges the PagerDuty alert/incident of the same group.
    events = frozenset({ACKNOWLEDGE})

    def __init__(self, cfg: PagerdutyConfig, deps: NotifierDeps, *, v1_url: str = V1_URL) -> None:
        self._cfg = cfg
        self._deps = deps
        self._v1 = bool(secret_value(cfg.service_key) or cfg.service_key_file)
        self._url = v1_url if self._v1 else (cfg.url or V2_URL)
        self._timeout = cfg.timeout or None

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        data = notification_data(ctx, alerts)
        renderer = Renderer(self._deps.templates, data)
        if ctx.event == ACKNOWLEDGE:
            body = orjson.dumps(self._ack_message(ctx, renderer))
            if renderer.error is not None:
                raise NotifyError(f"{SERVICE}: {renderer.error}", retry=False)
            await self._post(body)
            return
        action = "resolve" if data.status == "resolved" else "trigger"
        details = {k: renderer.text(f"details[{k}]", v) for k, v in self._cfg.details.items()}
        details_field: tuple[str, ...]
        if self._v1:
            msg, details_field = self._v1_message(ctx, renderer, action, details), ("details",)
        else:
            msg, details_field = self._v2_message(ctx, renderer, action, details), ("payload", "custom_details")
        if renderer.error is not None:
            raise NotifyError(f"{SERVICE}: {renderer.error}", retry=False)
        await self._post(self._encode(ctx, msg, details_field))

    def _ack_message(self, ctx: NotifyContext, renderer: Renderer) -> dict[str, Any]:
        """Events v2 `acknowledge` (routing_key, dedup_key, event_action only) or v1 `acknowledge`."""
        cfg = self._cfg
        ack = ctx.ack
        who = f"Acknowledged in Tocsin by {ack.acked_by}" if ack is not None else "Acknowledged in Tocsin"
        if ack is not None and ack.comment:
            who += f": {ack.comment}"
        if self._v1:
            return {
                "service_key": self._key(renderer, cfg.service_key, cfg.service_key_file, "service_key"),
                "event_type": "acknowledge",
                "incident_key": group_key_hash(ctx.group_key),
                "description": truncate_runes(who, MAX_SUMMARY_RUNES)[0],
            }
        return {
            "routing_key": self._key(renderer, cfg.routing_key, cfg.routing_key_file, "routing_key"),
            "dedup_key": group_key_hash(ctx.group_key),
            "event_action": "acknowledge",
        }

    async def _post(self, body: bytes) -> None:
        try:
            await send(
                self._deps.http,
                SERVICE,
                "POST",
                self._url,
                content=body,
                headers={"Content-Type": "application/json"},
                timeout=self._timeout,
            )
        except NotifyError as exc:
            # The v1 API answers 403 when it throttles (its documented "retry after some time").
            if self._v1 and not exc.retry and str(exc).startswith(f"{SERVICE}: unexpected status code 403"):
                raise NotifyError(str(exc), retry=True) from None
            raise

    def _key(self, renderer: Renderer, inline: Any, file: str | None, what: str) -> str:
        raw = secret_value(inline, file, what=f"{SERVICE} {what}") or ""
        key = renderer.text(what, raw) if "{{" in raw else raw
        if not key and renderer.error is None:
            raise NotifyError(f"{SERVICE}: {what} cannot be empty", retry=False)
        return key

    def _v2_message(
        self, ctx: NotifyContext, renderer: Renderer, action: str, details: dict[str, str]
    ) -> dict[str, Any]:
        cfg = self._cfg
        summary, truncated = truncate_runes(renderer.text("description", cfg.description), MAX_SUMMARY_RUNES)
        if truncated:
            log.warning(
                "truncated PagerDuty summary",
                extra={"group_key": ctx.group_key, "max_runes": MAX_SUMMARY_RUNES},
            )
        images = [
            _without_empty(
                {
                    "src": renderer.text(f"images[{i}].src", img.src),
                    "alt": renderer.text(f"images[{i}].alt", img.alt),
                    "href": renderer.text(f"images[{i}].href", img.href),
                }
            )
            for i, img in enumerate(cfg.images)
        ]
        links = [
            _without_empty(
                {"href": renderer.text(f"links[{i}].href", ln.href), "text": renderer.text(f"links[{i}].text", ln.text)}
            )
            for i, ln in enumerate(cfg.links)
        ]
        payload = {
            "summary": summary,
            "source": renderer.text("source", cfg.source),
            "severity": self._severity(ctx, renderer),
        } | _without_empty(
            {
                "class": renderer.text("class", cfg.class_),
                "component": renderer.text("component", cfg.component),
                "group": renderer.text("group", cfg.group),
                "custom_details": details,
            }
        )
        msg = {
            "routing_key": self._key(renderer, cfg.routing_key, cfg.routing_key_file, "routing_key"),
            "dedup_key": group_key_hash(ctx.group_key),
            "event_action": action,
            "payload": payload,
        }
        return msg | _without_empty(
            {
                "client": renderer.text("client", cfg.client),
                "client_url": renderer.text("client_url", cfg.client_url),
                # An image needs its src and a link its href; entries whose template rendered empty are dropped.
                "images": [img for img in images if img.get("src")],
                "links": [ln for ln in links if ln.get("href")],
            }
        )

    def _v1_message(
        self, ctx: NotifyContext, renderer: Renderer, action: str, details: dict[str, str]
    ) -> dict[str, Any]:
        cfg = self._cfg
        description, truncated = truncate_runes(renderer.text("description", cfg.description), MAX_SUMMARY_RUNES)
        if truncated:
            log.warning(
                "truncated PagerDuty description",
                extra={"group_key": ctx.group_key, "max_runes": MAX_SUMMARY_RUNES},
            )
        msg: dict[str, Any] = {
            "service_key": self._key(renderer, cfg.service_key, cfg.service_key_file, "service_key"),
            "event_type": action,
            "incident_key": group_key_hash(ctx.group_key),
            "description": description,
            "details": details,
        }
        if action == "trigger":
            msg["client"] = renderer.text("client", cfg.client)
            msg["client_url"] = renderer.text("client_url", cfg.client_url)
        return _without_empty(msg)

    def _severity(self, ctx: NotifyContext, renderer: Renderer) -> str:
        if not self._cfg.severity:
            return DEFAULT_SEVERITY
        rendered = renderer.text("severity", self._cfg.severity)
        mapped = map_severity(rendered)
        if mapped is None:
            if renderer.error is None:
                log.warning(
                    "PagerDuty severity is not one of critical|error|warning|info, sending %s",
                    DEFAULT_SEVERITY,
                    extra={"group_key": ctx.group_key, "severity": rendered},
                )
            return DEFAULT_SEVERITY
        return mapped

    def _encode(self, ctx: NotifyContext, msg: dict[str, Any], details_field: tuple[str, ...]) -> bytes:
        """The JSON body; when it exceeds PagerDuty's event size the details give way, as in Alertmanager."""
        body = orjson.dumps(msg)
        if len(body) <= MAX_EVENT_BYTES:
            return body
        log.warning(
            "removed PagerDuty details: event exceeds the maximum size",
            extra={"group_key": ctx.group_key, "size": len(body), "max_size": MAX_EVENT_BYTES},
        )
        holder = msg
        for name in details_field[:-1]:
            holder = holder[name]
        holder[details_field[-1]] = {"error": DETAILS_REMOVED}
        return orjson.dumps(msg)

    async def close(self) -> None:
        return None


def build(cfg: PagerdutyConfig, deps: NotifierDeps) -> PagerDutyNotifier:
    return PagerDutyNotifier(cfg, deps)
