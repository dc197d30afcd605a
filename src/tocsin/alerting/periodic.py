"""A background loop that runs a maintenance function every interval of the injected clock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from tocsin.model.clock import Clock, cancel_and_wait

log = logging.getLogger(__name__)


class Periodic:
    """Runs `fn` every `interval` seconds; an exception is logged and the loop goes on."""

    def __init__(self, clock: Clock, interval: float, fn: Callable[[], object], name: str) -> None:
        self._clock = clock
        self._interval = interval
        self._fn = fn
        self._name = name
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=self._name)

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _loop(self) -> None:
        while True:
            await self._clock.sleep(self._interval)
            try:
                self._fn()
            except Exception:
                log.exception("maintenance failed", extra={"task": self._name})
