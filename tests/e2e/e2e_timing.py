"""Timing checks shared by the scenarios.

Timers in the scenarios are sub-second; the tolerance absorbs scheduling noise on a
loaded two-core machine.  A request's own latency is kept out of the tolerance by
timing it: an event caused by the request may not happen before the request was sent
(minus EARLY) nor later than its answer plus the tolerance.  Raise
TOCSIN_E2E_TOLERANCE on slower machines rather than editing the scenarios.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

TOLERANCE = float(os.environ.get("TOCSIN_E2E_TOLERANCE", "0.3"))
# Timers never fire early; this only covers clock granularity and rounding in the server.
EARLY = 0.1


@dataclass
class Window:
    """When a request was sent and when its answer came back (monotonic seconds)."""

    start: float
    end: float = 0.0


@contextmanager
def timed() -> Iterator[Window]:
    window = Window(time.monotonic())
    try:
        yield window
    finally:
        window.end = time.monotonic()


def assert_after(
    label: str,
    window: Window,
    at: float,
    expected: float,
    *,
    late: float | None = None,
    earliest: float | None = None,
) -> None:
    """Assert that `at` is `expected` seconds after the request in `window`, within tolerance.

    `late` widens the tolerance where the scenario can afford it (the wrong behaviour it
    guards against is further away); `earliest` allows a range instead of one instant.
    """
    slack = TOLERANCE if late is None else max(late, TOLERANCE)
    low = expected if earliest is None else earliest
    since_start, since_end = at - window.start, at - window.end
    assert since_start >= low - EARLY, f"{label}: {since_start:.3f}s after the request, expected {expected}s"
    assert since_end <= expected + slack, (
        f"{label}: {since_end:.3f}s after the request was answered, expected {expected}s (+{slack}s)"
    )


def sleep_until(t0: float, offset: float) -> None:
    """Sleep until monotonic time t0 + offset (no-op if already past)."""
    delay = t0 + offset - time.monotonic()
    if delay > 0:
        time.sleep(delay)
