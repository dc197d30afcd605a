"""incident.io integration: POSTs the group to an incident.io Alertmanager alert source.

incident.io's Alertmanager alert source reads Alertmanager's own notification JSON (the webhook body, with
protocol version "1" and the group key), so incident.io does the de-duplication and field mapping on its side;
authentication is the alert source's token as a bearer token.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from tocsin.config.notifiers import IncidentioConfig
from tocsin.model.alert import Alert
from tocsin.notify.context import NotifyContext
from tocsin.notify.http import send
from tocsin.notify.integration import NotifierDeps, NotifyError
from tocsin.notify.payload import template_data
from tocsin.notify.secrets import secret_value

log = logging.getLogger(__name__)

SERVICE = "incidentio"
VERSION = "1"
# incident.io accepts bodies up to 512 KiB.
MAX_PAYLOAD_BYTES = 512 * 1024


class IncidentioNotifier:
    def __init__(self, cfg: IncidentioConfig, deps: NotifierDeps) -> None:
        self._cfg = cfg
        self._deps = deps
        self._timeout = cfg.timeout or None

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        truncated = 0
        if self._cfg.max_alerts and len(alerts) > self._cfg.max_alerts:
            truncated = len(alerts) - self._cfg.max_alerts
            alerts = alerts[: self._cfg.max_alerts]
        msg = template_data(ctx.receiver, ctx.group_labels, alerts, ctx.external_url, ctx.now)
        msg |= {"version": VERSION, "groupKey": ctx.group_key, "truncatedAlerts": truncated}
        body = self._encode(ctx, msg)
        headers = {"Content-Type": "application/json"}
        auth = self._authorization()
        if auth:
            headers["Authorization"] = auth
        await send(
            self._deps.http,
            SERVICE,
            "POST",
            self._target(),
            content=body,
            headers=headers,
            timeout=self._timeout,
        )

    def _encode(self, ctx: NotifyContext, msg: dict[str, Any]) -> bytes:
        """The JSON body; over incident.io's size limit only the first alert is kept (as Alertmanager does):
        incident.io makes one alert of the group, so the rest is context it can live without."""
        body = orjson.dumps(msg)
        if len(body) <= MAX_PAYLOAD_BYTES:
            return body
        original = len(body)
        msg["alerts"] = msg["alerts"][:1]
        body = orjson.dumps(msg)
        if len(body) <= MAX_PAYLOAD_BYTES:
            log.warning(
                "kept only the first alert: incident.io payload exceeds its size limit",
                extra={"group_key": ctx.group_key, "size": original, "final_size": len(body)},
            )
        else:
            # Sent anyway: incident.io is the one to say no, and its answer names the problem.
            log.error(
                "incident.io payload exceeds its size limit even with a single alert",
                extra={"group_key": ctx.group_key, "size": original, "final_size": len(body)},
            )
        return body

    def _target(self) -> str:
        if self._cfg.url:
            return self._cfg.url
        if not self._cfg.url_file:
            raise NotifyError(f"{SERVICE}: no url or url_file configured", retry=False)
        try:
            return Path(self._cfg.url_file).read_text().strip()
        except OSError as exc:
            raise NotifyError(
                f"{SERVICE}: cannot read url_file {self._cfg.url_file!r}: {exc.strerror}", retry=False
            ) from None

    def _authorization(self) -> str | None:
        """The Authorization header: the alert source token, else `http_config.authorization`.

        The channels share one HTTP client, so the per-receiver http_config authorization is applied here.
        """
        token = secret_value(
            self._cfg.alert_source_token, self._cfg.alert_source_token_file, what=f"{SERVICE} alert_source_token"
        )
        if token:
            return f"Bearer {token}"
        auth = self._cfg.http_config.authorization if self._cfg.http_config is not None else None
        if auth is None:
            return None
        credentials = secret_value(auth.credentials, auth.credentials_file, what="http_config.authorization")
        return f"{auth.type} {credentials}" if credentials else None

    async def close(self) -> None:
        return None


def build(cfg: IncidentioConfig, deps: NotifierDeps) -> IncidentioNotifier:
    return IncidentioNotifier(cfg, deps)
