"""The notification log: what was last sent per (group, receiver, integration), for deduplication.

Entries are written through to storage after every successful send, so a restarted server neither repeats a
notification nor forgets one that is due.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import timedelta

from tocsin.alerting.periodic import Periodic
from tocsin.model.clock import Clock
from tocsin.model.notification import NflogEntry
from tocsin.storage.writer import WriteBehind
from tocsin.telemetry.metrics import Metrics

log = logging.getLogger(__name__)


class NotificationLog:
    def __init__(
        self,
        clock: Clock,
        writer: WriteBehind | None,
        metrics: Metrics | None = None,
        retention: float = 120 * 3600.0,
        maintenance_interval: float = 900.0,
        tenant: str = "default",
    ) -> None:
        self._clock = clock
        self._writer = writer
        self._metrics = metrics
        self._retention = timedelta(seconds=retention)
        self._maintenance = Periodic(clock, maintenance_interval, self._timed_gc, "nflog-gc")
        self._entries: dict[tuple[str, str, str, str, int], NflogEntry] = {}
        self.tenant = tenant

    def load(self, entries: Iterable[NflogEntry]) -> None:
        for e in entries:
            self._entries[e.key] = e

    def query(self, group_key: str, receiver: str, integration: str, idx: int) -> NflogEntry | None:
        start = time.perf_counter()
        entry = self._entries.get((self.tenant, group_key, receiver, integration, idx))
        if self._metrics is not None:
            self._metrics.nflog_queries.inc()
            self._metrics.nflog_query_duration.observe(time.perf_counter() - start)
        return entry

    async def log(
        self,
        group_key: str,
        receiver: str,
        integration: str,
        idx: int,
        firing: Iterable[int],
        resolved: Iterable[int],
        data: dict[str, str] | None = None,
    ) -> None:
        """Record a successful send and wait until it is durable (so a crash cannot cause a repeat)."""
        now = self._clock.now()
        entry = NflogEntry(
            group_key=group_key,
            receiver=receiver,
            integration=integration,
            idx=idx,
            timestamp=now,
            firing=frozenset(firing),
            resolved=frozenset(resolved),
            expires_at=now + self._retention,
            tenant=self.tenant,
            data=dict(data or {}),
        )
        self._entries[entry.key] = entry
        if self._metrics is not None:
            self._metrics.nflog_entries.set(len(self._entries))
        if self._writer is not None:
            self._writer.put_nflog(entry)
            await self._writer.flushed()

    def entries(self) -> list[NflogEntry]:
        return list(self._entries.values())

    def gc(self) -> int:
        now = self._clock.now()
        dead = [k for k, e in self._entries.items() if e.expires_at < now]
        for k in dead:
            del self._entries[k]
            if self._writer is not None:
                self._writer.delete_nflog(k)
        return len(dead)

    def _timed_gc(self) -> None:
        start = time.perf_counter()
        self.gc()
        if self._metrics is not None:
            self._metrics.nflog_gc_duration.observe(time.perf_counter() - start)

    def start(self) -> None:
        self._maintenance.start()

    async def stop(self) -> None:
        await self._maintenance.stop()
