"""Shared pieces of the misc-channel tests: alerts, a flush context, deps, and a short-timeout transport."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tocsin.model.alert import Alert
from tocsin.model.clock import Clock
from tocsin.model.labels import fingerprint
from tocsin.notify.context import NotifyContext
from tocsin.notify.integration import NotifierDeps
from tocsin.notify.template import Templates

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
EXTERNAL_URL = "http://am.example:9093"
# Alertmanager's defaults plus its jira.default.* templates (missing from Tocsin's default.tmpl so far).
SHARED_TEMPLATES = Templates.from_globs([str(Path(__file__).with_name("jira_defaults.tmpl"))], include_defaults=True)


def make_alert(
    labels: Mapping[str, str], annotations: Mapping[str, str] | None = None, resolved: bool = False
) -> Alert:
    starts = NOW - timedelta(minutes=10)
    return Alert(
        dict(labels),
        dict(annotations or {}),
        starts,
        NOW - timedelta(minutes=1) if resolved else None,
        NOW,
        generator_url="http://prom.example/graph?g0.expr=up",
        fingerprint=fingerprint(dict(labels)),
    )


def firing_alerts() -> list[Alert]:
    return [
        make_alert(
            {"alertname": "HighLatency", "job": "api", "instance": "a:9090", "severity": "critical"},
            {"summary": "p99 latency above 2s"},
        ),
        make_alert(
            {"alertname": "HighLatency", "job": "api", "instance": "b:9090", "severity": "critical"},
            {"summary": "p99 latency above 2s"},
        ),
    ]


def resolved_alerts() -> list[Alert]:
    return [make_alert({"alertname": "HighLatency", "job": "api", "severity": "critical"}, resolved=True)]


def make_ctx(group_key: str = '{}:{alertname="HighLatency"}', receiver: str = "ops") -> NotifyContext:
    return NotifyContext(
        group_key=group_key,
        group_labels={"alertname": "HighLatency"},
        receiver=receiver,
        now=NOW,
        repeat_interval=3600.0,
        external_url=EXTERNAL_URL,
    )


def make_deps(client: httpx.AsyncClient, templates: Templates, clock: Clock) -> NotifierDeps:
    return NotifierDeps(http=client, templates=templates, clock=clock, external_url=EXTERNAL_URL)


class ShortTimeoutTransport(httpx.AsyncHTTPTransport):
    """Caps every request's timeouts, so a hanging loopback service times out in a fraction of a second even
    though channels ask for their usual 30 s. The request still goes over a real socket."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self._seconds = seconds

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.extensions["timeout"] = httpx.Timeout(self._seconds).as_dict()
        return await super().handle_async_request(request)


def check_shape(obj: Mapping[str, Any], spec: Mapping[str, Any], where: str = "body") -> None:
    """Validate a decoded body against a small schema: {"required": {name: type}, "optional": {name: type},
    "enum": {name: allowed}, "max_len": {name: n}, "extra": False}. Fails with the offending path."""
    required: Mapping[str, Any] = spec.get("required", {})
    optional: Mapping[str, Any] = spec.get("optional", {})
    for name in required:
        assert name in obj, f"{where}.{name} is required"
    for name, value in obj.items():
        typ = required.get(name, optional.get(name))
        if typ is None:
            assert spec.get("extra", True), f"{where}.{name} is not a documented field"
            continue
        assert isinstance(value, typ), f"{where}.{name} should be {typ}, got {type(value).__name__}"
    for name, allowed in spec.get("enum", {}).items():
        if name in obj:
            assert obj[name] in allowed, f"{where}.{name}={obj[name]!r} not in {sorted(map(str, allowed))}"
    for name, limit in spec.get("max_len", {}).items():
        if name in obj:
            assert len(obj[name]) <= limit, f"{where}.{name} longer than {limit}"
