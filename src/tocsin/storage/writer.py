"""Write-behind queue with group commit.

The alert pipeline changes state in memory first (so ingestion is fast) and hands every change to this queue.
Changes to the same row coalesce, and whatever accumulated while the previous transaction ran is written in the
next one, so the database sees few large transactions instead of many small ones. Callers that must not
acknowledge before the data is durable (the HTTP API) await `flushed()`; the future resolves only after the
commit that contains their change. A failing database is retried with backoff; nothing is dropped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tocsin.model.ack import Acknowledgement
from tocsin.model.alert import Alert
from tocsin.model.notification import NflogEntry, OutboxEntry
from tocsin.model.silence import Silence
from tocsin.storage.repository import AckKey, NflogKey, Repository
from tocsin.telemetry.metrics import Metrics

log = logging.getLogger(__name__)

_UPSERT = True
_DELETE = False


@dataclass
class _Batch:
    alerts: dict[tuple[str, int], tuple[bool, Alert | None]] = field(default_factory=dict)
    silences: dict[tuple[str, str], tuple[bool, Silence | None]] = field(default_factory=dict)
    nflog: dict[NflogKey, tuple[bool, NflogEntry | None]] = field(default_factory=dict)
    outbox: dict[tuple[str, str], tuple[bool, OutboxEntry | None]] = field(default_factory=dict)
    acks: dict[AckKey, tuple[bool, Acknowledgement | None]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.alerts) + len(self.silences) + len(self.nflog) + len(self.outbox) + len(self.acks)

    def absorb_older(self, older: _Batch) -> None:
        """Put back a failed batch underneath this newer one (newer changes win)."""
        pairs = (
            (self.alerts, older.alerts),
            (self.silences, older.silences),
            (self.nflog, older.nflog),
            (self.outbox, older.outbox),
            (self.acks, older.acks),
        )
        for mine, theirs in pairs:
            for k, v in theirs.items():
                mine.setdefault(k, v)  # type: ignore[arg-type]


class WriteBehind:
    def __init__(self, repo: Repository, metrics: Metrics | None = None, max_backoff: float = 5.0) -> None:
        self._repo = repo
        self._metrics = metrics
        self._batch = _Batch()
        self._done: asyncio.Future[None] | None = None
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._max_backoff = max_backoff
        self._stopping = False

    # -- producers ----------------------------------------------------------------------------------------

    def put_alert(self, alert: Alert) -> None:
        self._batch.alerts[(alert.tenant, alert.fingerprint)] = (_UPSERT, alert)
        self._changed()

    def put_alerts(self, alerts: Sequence[Alert]) -> None:
        batch = self._batch.alerts
        for a in alerts:
            batch[(a.tenant, a.fingerprint)] = (_UPSERT, a)
        self._changed()

    def delete_alert(self, tenant: str, fingerprint: int) -> None:
        self._batch.alerts[(tenant, fingerprint)] = (_DELETE, None)
        self._changed()

    def put_silence(self, silence: Silence) -> None:
        self._batch.silences[(silence.tenant, silence.id)] = (_UPSERT, silence)
        self._changed()

    def delete_silence(self, tenant: str, silence_id: str) -> None:
        self._batch.silences[(tenant, silence_id)] = (_DELETE, None)
        self._changed()

    def put_nflog(self, entry: NflogEntry) -> None:
        self._batch.nflog[entry.key] = (_UPSERT, entry)
        self._changed()

    def delete_nflog(self, key: NflogKey) -> None:
        self._batch.nflog[key] = (_DELETE, None)
        self._changed()

    def put_outbox(self, entry: OutboxEntry) -> None:
        self._batch.outbox[(entry.tenant, entry.id)] = (_UPSERT, entry)
        self._changed()

    def delete_outbox(self, tenant: str, entry_id: str) -> None:
        self._batch.outbox[(tenant, entry_id)] = (_DELETE, None)
        self._changed()

    def put_ack(self, ack: Acknowledgement) -> None:
        self._batch.acks[ack.key] = (_UPSERT, ack)
        self._changed()

    def delete_ack(self, key: AckKey) -> None:
        self._batch.acks[key] = (_DELETE, None)
        self._changed()

    def flushed(self) -> Awaitable[None]:
        """A future that resolves once every change queued so far is committed."""
        if self._done is None:
            self._done = asyncio.get_running_loop().create_future()
            self._wakeup.set()
        return asyncio.shield(self._done)

    def depth(self) -> int:
        return len(self._batch)

    def _changed(self) -> None:
        self._wakeup.set()

    # -- lifecycle ----------------------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="storage-write-behind")

    async def stop(self) -> None:
        """Write everything still queued, then stop."""
        self._stopping = True
        self._wakeup.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        backoff = 0.05
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            batch, done = self._batch, self._done
            self._batch, self._done = _Batch(), None
            if self._metrics is not None:
                self._metrics.write_queue_depth.set(len(batch))
            try:
                await self._write(batch)
            except Exception:
                log.exception("storage write failed; retrying")
                if self._metrics is not None:
                    self._metrics.storage_write_errors.inc()
                self._batch.absorb_older(batch)
                if done is not None:
                    if self._done is None:
                        self._done = done
                    else:
                        _chain(self._done, done)
                self._wakeup.set()
                if self._stopping and backoff >= self._max_backoff:
                    log.error("giving up on %d unwritten changes at shutdown", len(self._batch))
                    return
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            backoff = 0.05
            if done is not None and not done.done():
                done.set_result(None)
            if self._stopping and not len(self._batch):
                if self._done is not None and not self._done.done():
                    self._done.set_result(None)
                return

    async def _write(self, batch: _Batch) -> None:
        if batch.alerts:
            await self._apply(
                "alerts", batch.alerts, self._repo.upsert_alerts, self._repo.delete_alerts
            )
        if batch.silences:
            await self._apply(
                "silences", batch.silences, self._repo.upsert_silences, self._repo.delete_silences
            )
        if batch.nflog:
            await self._apply("nflog", batch.nflog, self._repo.upsert_nflog, self._repo.delete_nflog)
        if batch.outbox:
            await self._apply("outbox", batch.outbox, self._repo.upsert_outbox, self._repo.delete_outbox)
        if batch.acks:
            await self._apply("acks", batch.acks, self._repo.upsert_acks, self._repo.delete_acks)

    async def _apply(
        self,
        table: str,
        changes: dict[Any, tuple[bool, Any]],
        upsert: Callable[[list[Any]], Awaitable[None]],
        delete: Callable[[list[Any]], Awaitable[None]],
    ) -> None:
        start = time.perf_counter()
        puts = [obj for op, obj in changes.values() if op is _UPSERT]
        dels = [key for key, (op, _) in changes.items() if op is _DELETE]
        if puts:
            await upsert(puts)
        if dels:
            await delete(dels)
        if self._metrics is not None:
            self._metrics.storage_write_seconds.labels(table).observe(time.perf_counter() - start)
            self._metrics.storage_write_rows.labels(table).inc(len(changes))


def _chain(newer: asyncio.Future[None], older: asyncio.Future[None]) -> None:
    def _done(f: asyncio.Future[None]) -> None:
        if not older.done():
            older.set_result(None)

    newer.add_done_callback(_done)
