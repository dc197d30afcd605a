"""Alerts, contexts and a short-timeout HTTP client shared by the chat channel tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jsonschema

from tocsin.model.alert import Alert
from tocsin.model.labels import fingerprint
from tocsin.notify.context import NotifyContext

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
EXTERNAL_URL = "http://am.example"


def alert(name: str = "HighLatency", resolved: bool = False, **labels: str) -> Alert:
    lbls = {"alertname": name, "severity": "critical", **labels}
    return Alert(
        labels=lbls,
        annotations={"summary": f"{name} is bad"},
        starts_at=NOW - timedelta(minutes=10),
        ends_at=NOW - timedelta(minutes=1) if resolved else None,
        updated_at=NOW,
        generator_url="http://prom.example/graph",
        fingerprint=fingerprint(lbls),
    )


def context(group_key: str = '{}:{alertname="HighLatency"}', receiver: str = "team-chat") -> NotifyContext:
    return NotifyContext(
        group_key=group_key,
        group_labels={"alertname": "HighLatency"},
        receiver=receiver,
        now=NOW,
        repeat_interval=3600,
        external_url=EXTERNAL_URL,
    )


def validate(instance: Any, schema: dict[str, Any]) -> None:
    """Fail with the first schema violation (draft 2020-12)."""
    jsonschema.Draft202012Validator(schema).validate(instance)


class ShortTimeout(httpx.AsyncBaseTransport):
    """Caps every request's timeouts, standing in for a service that hangs past the sender's patience."""

    def __init__(self, seconds: float) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._seconds = seconds

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.extensions["timeout"] = httpx.Timeout(self._seconds).as_dict()
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
