"""Webhook integration: POSTs Alertmanager's version "4" JSON payload.

Tocsin adds two opt-in settings: `body_template` (a Go template rendered with the usual notification data,
sent as `content_type`) for receivers that want another shape, and `signing_secret` for an HMAC-SHA256
signature header (`notify.signing`). Without them the request is byte-for-byte Alertmanager's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import orjson

from tocsin.model.alert import Alert
from tocsin.notify.context import NotifyContext
from tocsin.notify.http import send
from tocsin.notify.integration import NotifierDeps, NotifyError
from tocsin.notify.payload import template_data
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.secrets import secret_value
from tocsin.notify.signing import signature_headers

USER_AGENT = "Tocsin/0.1 (Alertmanager-compatible)"


class WebhookNotifier:
    def __init__(
        self,
        url: str | None,
        url_file: str | None = None,
        max_alerts: int = 0,
        timeout: float = 0.0,
        client: httpx.AsyncClient | None = None,
        *,
        deps: NotifierDeps | None = None,
        body_template: str = "",
        content_type: str = "application/json",
        signing_secret: Any = None,
        signing_secret_file: str | None = None,
    ) -> None:
        if not url and not url_file:
            raise ValueError("webhook needs url or url_file")
        self._url = url
        self._url_file = url_file
        self._max_alerts = max_alerts
        self._timeout = timeout
        self._client = client or httpx.AsyncClient(headers={"User-Agent": USER_AGENT})
        self._own_client = client is None
        self._deps = deps
        self._body_template = body_template
        self._content_type = content_type
        self._signing = (signing_secret, signing_secret_file) if signing_secret or signing_secret_file else None

    def _target(self) -> str:
        if self._url:
            return self._url
        assert self._url_file is not None
        return Path(self._url_file).read_text().strip()

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        truncated = 0
        if self._max_alerts and len(alerts) > self._max_alerts:
            truncated = len(alerts) - self._max_alerts
            alerts = alerts[: self._max_alerts]
        headers = {"Content-Type": "application/json"}
        if self._body_template and self._deps is not None:
            r = Renderer(self._deps.templates, notification_data(ctx, alerts))
            body = r.text("body_template", self._body_template).encode()
            if r.error is not None:
                raise NotifyError(f"webhook: {r.error}", retry=False)
            headers["Content-Type"] = self._content_type
        else:
            data = template_data(ctx.receiver, ctx.group_labels, alerts, ctx.external_url, ctx.now)
            data["version"] = "4"
            data["groupKey"] = ctx.group_key
            data["truncatedAlerts"] = truncated
            body = orjson.dumps(data)
        if self._signing is not None:
            secret = secret_value(*self._signing, what="webhook signing_secret") or ""
            now = self._deps.clock.now() if self._deps is not None else ctx.now
            headers |= signature_headers(secret, now, body)
        try:
            url = self._target()
        except OSError as exc:
            raise NotifyError(f"webhook url_file unreadable: {exc.strerror}", retry=False) from None
        await send(
            self._client,
            "webhook",
            "POST",
            url,
            content=body,
            headers=headers,
            timeout=self._timeout or None,
        )

    async def close(self) -> None:
        if self._own_client:
            await self._client.aclose()


def build(cfg: Any, deps: NotifierDeps) -> WebhookNotifier:
    url = cfg.url.get_secret_value() if cfg.url is not None and hasattr(cfg.url, "get_secret_value") else cfg.url
    return WebhookNotifier(
        url=url or None,
        url_file=getattr(cfg, "url_file", None),
        max_alerts=int(getattr(cfg, "max_alerts", 0) or 0),
        timeout=float(getattr(cfg, "timeout", 0) or 0),
        client=deps.http,
        deps=deps,
        body_template=getattr(cfg, "body_template", ""),
        content_type=getattr(cfg, "content_type", "application/json"),
        signing_secret=getattr(cfg, "signing_secret", None),
        signing_secret_file=getattr(cfg, "signing_secret_file", None),
    )
