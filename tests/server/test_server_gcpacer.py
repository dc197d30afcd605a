"""The scheduled full garbage collection runs on its period and stops cleanly."""

from __future__ import annotations

import asyncio
import gc

from tocsin.telemetry.gcpacer import GcPacer


async def test_full_collection_runs_on_schedule() -> None:
    before = gc.get_stats()[2]["collections"]
    pacer = GcPacer(every=0.05)
    pacer.start()
    await asyncio.sleep(0.3)
    await pacer.stop()
    after = gc.get_stats()[2]["collections"]
    assert after - before >= 3
    await asyncio.sleep(0.1)
    assert gc.get_stats()[2]["collections"] == after  # stopped: no more collections from it
