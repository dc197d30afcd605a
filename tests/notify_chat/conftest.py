from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from tests.notify.loopback import LoopbackService, Reply, loopback

from tocsin.model.clock import FakeClock
from tocsin.notify.integration import NotifierDeps
from tocsin.notify.template import Templates


@pytest.fixture(scope="session")
def _shared_service() -> Iterator[LoopbackService]:
    # One server for the whole suite: stopping a LoopbackService waits out its 0.5 s poll interval, which per
    # test would dominate the run time.
    yield from loopback()


@pytest.fixture
def service(_shared_service: LoopbackService) -> Iterator[LoopbackService]:
    svc = _shared_service
    svc.requests.clear()
    svc.default = Reply()
    yield svc
    with svc._lock:
        leftover = list(svc._script)
        svc._script.clear()
    assert not leftover, f"scripted replies left unused: {leftover}"


@pytest.fixture(scope="session")
def templates() -> Templates:
    # Parsing the default set is the slow part; channels only add missing definitions, so one set is shared.
    return Templates.from_globs([], include_defaults=True)


@pytest.fixture
async def deps(templates: Templates) -> AsyncIterator[NotifierDeps]:
    async with httpx.AsyncClient() as client:
        yield NotifierDeps(http=client, templates=templates, clock=FakeClock(), external_url="http://am.example")
