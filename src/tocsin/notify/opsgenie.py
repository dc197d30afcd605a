"""Opsgenie integration: creates an alert per aggregation group (Alert API v2) and closes it when the group resolves.

The alert's alias is the SHA-256 of the group key, as in Alertmanager: Opsgenie de-duplicates open alerts by
alias, so repeated notifications of a group bump one alert's count, and the close request can name it without
remembering anything from the create.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from tocsin.config.notifiers import OpsGenieConfig
from tocsin.model.alert import Alert
from tocsin.notify.context import ACKNOWLEDGE, NotifyContext
from tocsin.notify.http import send
from tocsin.notify.integration import NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.secrets import secret_value
from tocsin.notify.text import group_key_hash, truncate_runes

log = logging.getLogger(__name__)

SERVICE = "opsgenie"
DEFAULT_API_URL = "https://api.opsgenie.com/"
# Field limits from Opsgenie's Alert API documentation (characters). Alertmanager truncates only the message;
# the others are cut the same way so a long template yields a shortened alert instead of a rejected one.
LIMITS = {"message": 130, "description": 15000, "entity": 512, "source": 100, "note": 25000}
PRIORITIES = ("P1", "P2", "P3", "P4", "P5")


def split_list(text: str) -> list[str]:
    """A comma-separated template result as a list, without empty entries (Alertmanager's safeSplit)."""
    return [part.strip() for part in text.strip().split(",") if part.strip()]


class OpsGenieNotifier:
    # A Tocsin acknowledgement acknowledges the group's Opsgenie alert (Alert API `acknowledge` by alias).
    events = frozenset({ACKNOWLEDGE})

    def __init__(self, cfg: OpsGenieConfig, deps: NotifierDeps, *, timeout: float | None = None) -> None:
        self._cfg = cfg
        self._deps = deps
        base = cfg.api_url or DEFAULT_API_URL
        self._base = base if base.endswith("/") else base + "/"
        # Opsgenie's config has no timeout of its own; the pipeline's deadline bounds retries.
        self._timeout = timeout

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        data = notification_data(ctx, alerts)
        renderer = Renderer(self._deps.templates, data)
        alias = group_key_hash(ctx.group_key)
        requests: list[tuple[str, str, dict[str, Any]]]
        if ctx.event == ACKNOWLEDGE:
            ack_url = f"{self._base}v2/alerts/{alias}/acknowledge?identifierType=alias"
            body = {"source": self._text(ctx, renderer, "source", self._cfg.source)}
            if ctx.ack is not None:
                body["user"] = ctx.ack.acked_by[:100]
                body["note"] = (f"Acknowledged in Tocsin: {ctx.ack.comment}" if ctx.ack.comment else
                                "Acknowledged in Tocsin")[:25000]
            requests = [("POST", ack_url, body)]
        elif data.status == "resolved":
            close_url = f"{self._base}v2/alerts/{alias}/close?identifierType=alias"
            requests = [("POST", close_url, {"source": self._text(ctx, renderer, "source", self._cfg.source)})]
        else:
            requests = self._create_requests(ctx, renderer, alias, data.f_CommonLabels)
        api_key = self._api_key(renderer)
        if renderer.error is not None:
            raise NotifyError(f"{SERVICE}: {renderer.error}", retry=False)
        headers = {"Content-Type": "application/json", "Authorization": f"GenieKey {api_key}"}
        for method, url, body in requests:
            await send(self._deps.http, SERVICE, method, url, json=body, headers=headers, timeout=self._timeout)

    def _create_requests(
        self, ctx: NotifyContext, renderer: Renderer, alias: str, common_labels: Mapping[str, str]
    ) -> list[tuple[str, str, dict[str, Any]]]:
        cfg = self._cfg
        details = dict(common_labels)
        for key, tmpl in cfg.details.items():
            details[key] = renderer.text(f"details[{key}]", tmpl)
        message = self._text(ctx, renderer, "message", cfg.message)
        description = self._text(ctx, renderer, "description", cfg.description)
        create: dict[str, Any] = {
            "alias": alias,
            "message": message,
            "details": details,
            "source": self._text(ctx, renderer, "source", cfg.source),
        }
        optional: dict[str, Any] = {
            "description": description,
            "responders": self._responders(renderer),
            "tags": split_list(renderer.text("tags", cfg.tags)),
            "note": self._text(ctx, renderer, "note", cfg.note),
            "priority": self._priority(ctx, renderer),
            "entity": self._text(ctx, renderer, "entity", cfg.entity),
            "actions": split_list(renderer.text("actions", cfg.actions)),
        }
        create |= {k: v for k, v in optional.items() if v}
        requests = [("POST", f"{self._base}v2/alerts", create)]
        if cfg.update_alerts:
            # Opsgenie keeps the message and description of an open alert on re-create; these refresh them.
            for field, value in (("message", message), ("description", description)):
                url = f"{self._base}v2/alerts/{alias}/{field}?identifierType=alias"
                requests.append(("PUT", url, {field: value} if value else {}))
        return requests

    def _responders(self, renderer: Renderer) -> list[dict[str, str]]:
        out: list[dict[str, str]] = []
        for i, r in enumerate(self._cfg.responders):
            rendered = {
                "id": renderer.text(f"responders[{i}].id", r.id),
                "name": renderer.text(f"responders[{i}].name", r.name),
                "username": renderer.text(f"responders[{i}].username", r.username),
                "type": renderer.text(f"responders[{i}].type", r.type),
            }
            if not (rendered["id"] or rendered["name"] or rendered["username"]):
                # Filled from labels this group lacks. Alertmanager drops only all-empty responders and sends a
                # bare type, which Opsgenie rejects; a responder naming nobody is dropped here instead.
                continue
            if rendered["type"] == "teams":
                out.extend({"name": team, "type": "team"} for team in split_list(rendered["name"]))
                continue
            out.append({k: v for k, v in rendered.items() if v or k == "type"})
        return out

    def _priority(self, ctx: NotifyContext, renderer: Renderer) -> str:
        value = renderer.text("priority", self._cfg.priority).strip()
        if not value or value.upper() in PRIORITIES:
            return value.upper()
        if renderer.error is None:
            log.warning(
                "Opsgenie priority is not one of P1..P5, leaving it to Opsgenie's default",
                extra={"group_key": ctx.group_key, "priority": value},
            )
        return ""

    def _text(self, ctx: NotifyContext, renderer: Renderer, field: str, tmpl: str) -> str:
        value, truncated = truncate_runes(renderer.text(field, tmpl), LIMITS.get(field, 1 << 30))
        if truncated:
            log.warning(
                "truncated Opsgenie %s",
                field,
                extra={"group_key": ctx.group_key, "max_runes": LIMITS[field]},
            )
        return value

    def _api_key(self, renderer: Renderer) -> str:
        raw = secret_value(self._cfg.api_key, self._cfg.api_key_file, what=f"{SERVICE} api_key") or ""
        key = renderer.text("api_key", raw) if "{{" in raw else raw
        if not key and renderer.error is None:
            raise NotifyError(f"{SERVICE}: api_key cannot be empty", retry=False)
        return key

    async def close(self) -> None:
        return None


def build(cfg: OpsGenieConfig, deps: NotifierDeps) -> OpsGenieNotifier:
    return OpsGenieNotifier(cfg, deps)
