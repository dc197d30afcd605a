from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from tests.notify.loopback import LoopbackService, Reply, loopback
from tests.notify_misc.misc_support import SHARED_TEMPLATES, make_deps

from tocsin.model.clock import FakeClock
from tocsin.notify.integration import NotifierDeps


@pytest.fixture(scope="module")
def _module_service() -> Iterator[LoopbackService]:
    yield from loopback()


@pytest.fixture
def service(_module_service: LoopbackService) -> LoopbackService:
    """One loopback server per module, reset per test: stopping a server costs half a second of polling."""
    _module_service.requests.clear()
    _module_service._script.clear()
    _module_service.default = Reply()
    return _module_service


@pytest.fixture
async def deps() -> AsyncIterator[NotifierDeps]:
    async with httpx.AsyncClient() as client:
        yield make_deps(client, SHARED_TEMPLATES, FakeClock())
