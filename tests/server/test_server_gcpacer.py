"""The scheduled full garbage collection runs on its period (fake time) and stops cleanly."""

from __future__ import annotations

from tocsin.model.clock import FakeClock
from tocsin.telemetry.gcpacer import FULL_COLLECTION_EVERY, GcPacer


async def test_full_collection_runs_on_schedule() -> None:
    clock = FakeClock()
    runs: list[float] = []

    def collect() -> int:
        runs.append(clock.monotonic())
        return 0

    pacer = GcPacer(clock, collect=collect)
    pacer.start()
    await clock.advance(FULL_COLLECTION_EVERY - 1)
    assert runs == []
    await clock.advance(1)
    await clock.advance(2 * FULL_COLLECTION_EVERY)
    assert runs == [FULL_COLLECTION_EVERY, 2 * FULL_COLLECTION_EVERY, 3 * FULL_COLLECTION_EVERY]
    await pacer.stop()
    await clock.advance(10 * FULL_COLLECTION_EVERY)
    assert len(runs) == 3  # stopped: no more collections
