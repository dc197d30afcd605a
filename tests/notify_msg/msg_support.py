"""Shared builders for the email / SMS / SNS channel tests: alerts, flush contexts and notifier deps."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

import httpx

from tocsin.model.alert import Alert
from tocsin.model.clock import FakeClock
from tocsin.model.labels import fingerprint
from tocsin.notify.context import NotifyContext
from tocsin.notify.integration import NotifierDeps
from tocsin.notify.template import Templates

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)


@functools.cache
def templates() -> Templates:
    return Templates.from_globs([], include_defaults=True)


def make_deps(clock: FakeClock | None = None) -> NotifierDeps:
    return NotifierDeps(
        http=httpx.AsyncClient(),
        templates=templates(),
        clock=clock or FakeClock(NOW - timedelta(hours=1)),
        external_url="http://tocsin.example:9093",
    )


def make_alert(labels: dict[str, str], annotations: dict[str, str] | None = None, resolved: bool = False) -> Alert:
    return Alert(
        labels=dict(labels),
        annotations=dict(annotations or {}),
        starts_at=NOW - timedelta(minutes=5),
        ends_at=NOW - timedelta(minutes=1) if resolved else None,
        updated_at=NOW,
        generator_url="http://prometheus.example:9090/graph?g0.expr=up",
        fingerprint=fingerprint(labels),
    )


def make_ctx(group_key: str = '{}:{alertname="HighCPU"}', receiver: str = "ops") -> NotifyContext:
    return NotifyContext(
        group_key=group_key,
        group_labels={"alertname": "HighCPU"},
        receiver=receiver,
        now=NOW,
        repeat_interval=3600.0,
        external_url="http://tocsin.example:9093",
    )


def cpu_alerts() -> list[Alert]:
    return [
        make_alert(
            {"alertname": "HighCPU", "instance": "web-1", "severity": "critical"},
            {"summary": "CPU above 95%", "description": "web-1 is saturated"},
        ),
        make_alert({"alertname": "HighCPU", "instance": "web-2", "severity": "critical"}, resolved=True),
    ]
