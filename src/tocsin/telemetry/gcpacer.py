"""Full garbage collections on a schedule instead of whenever the collector's counters say so.

A full (oldest-generation) collection walks every tracked object. With 15,000 live alerts, their aggregation
groups, timers and notification-log entries that took 80-200 ms with the event loop stopped, several times a
minute under load, and it was the p99 of notification latency (bench/notify.py: 115 ms with automatic full
collections, 27 ms without). The server's objects are long-lived and almost never form reference cycles, so
`tocsin serve` turns automatic full collections off (`serve.tune_gc`) and this task runs one every ten minutes:
cyclic garbage that reached the oldest generation waits at most that long. Reference counting frees everything
else immediately, as always; the young generations are still collected automatically (pauses of a few ms).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable

from tocsin.model.clock import Clock, cancel_and_wait

log = logging.getLogger(__name__)

FULL_COLLECTION_EVERY = 600.0


class GcPacer:
    def __init__(
        self, clock: Clock, every: float = FULL_COLLECTION_EVERY, collect: Callable[[], int] = gc.collect
    ) -> None:
        self._clock = clock
        self._every = every
        self._collect = collect
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="gc-pacer")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        while True:
            await self._clock.sleep(self._every)
            start = time.perf_counter()
            found = self._collect()
            log.debug("full garbage collection", extra={"seconds": time.perf_counter() - start, "collected": found})
