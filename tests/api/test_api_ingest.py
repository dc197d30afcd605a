"""POST /api/v2/alerts answers only after the write is durable, and 503 (keeping the change) when it cannot be."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import orjson

from tocsin.alerting.marker import Marker
from tocsin.alerting.store import AlertStore
from tocsin.api.v2 import ingest_alerts
from tocsin.ingest.alerts import LabelSetCache
from tocsin.model.alert import Alert
from tocsin.model.clock import SystemClock
from tocsin.storage.writer import WriteBehind
from tocsin.telemetry.metrics import Metrics


class StallingRepo:
    """A database that accepts nothing until `release` is set (a hung disk or a lost PostgreSQL)."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.written: list[Alert] = []

    async def upsert_alerts(self, alerts: Sequence[Alert]) -> None:
        await self.release.wait()
        self.written.extend(alerts)

    async def delete_alerts(self, keys: Sequence[tuple[str, int]]) -> None:
        raise AssertionError("not used here")


def core_with(repo: Any) -> SimpleNamespace:
    clock = SystemClock()
    writer = WriteBehind(repo)
    return SimpleNamespace(
        metrics=Metrics(),
        clock=clock,
        resolve_timeout=300.0,
        label_sets=LabelSetCache(),
        store=AlertStore(clock, Marker(), writer),
        writer=writer,
        write_timeout=0.2,
    )


async def test_slow_database_gives_503_and_loses_nothing() -> None:
    repo = StallingRepo()
    core = core_with(repo)
    core.writer.start()
    status, body = await ingest_alerts(core, b'[{"labels":{"alertname":"A"}}]')  # type: ignore[arg-type]
    assert status == 503 and b"database did not confirm" in body
    assert [a.labels for a in core.store.all()] == [{"alertname": "A"}]  # visible in memory already
    repo.release.set()
    await core.writer.stop()
    assert [a.labels for a in repo.written] == [{"alertname": "A"}]  # and written once the database is back


async def test_answer_waits_for_commit() -> None:
    repo = StallingRepo()
    repo.release.set()
    core = core_with(repo)
    core.writer.start()
    status, body = await ingest_alerts(core, orjson.dumps([{"labels": {"alertname": "B"}}]))  # type: ignore[arg-type]
    assert (status, body) == (200, b"")
    assert [a.labels for a in repo.written] == [{"alertname": "B"}]  # committed before the 200
    await core.writer.stop()
