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

import gc
import logging
import time
from collections.abc import Callable

from tocsin.alerting.periodic import Periodic
from tocsin.model.clock import Clock

log = logging.getLogger(__name__)

FULL_COLLECTION_EVERY = 600.0


class GcPacer(Periodic):
    def __init__(
        self, clock: Clock, every: float = FULL_COLLECTION_EVERY, collect: Callable[[], int] = gc.collect
    ) -> None:
        super().__init__(clock, every, self._collect_once, "gc-pacer")
        self._collect = collect

    def _collect_once(self) -> None:
        start = time.perf_counter()
        found = self._collect()
        log.debug("full garbage collection", extra={"seconds": time.perf_counter() - start, "collected": found})
