from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from tests.notify.loopback import LoopbackService
from tests.notify_incident.incident_support import EXTERNAL_URL

from tocsin.model.clock import FakeClock
from tocsin.notify.integration import NotifierDeps
from tocsin.notify.template import Templates


@pytest.fixture
def service() -> Iterator[LoopbackService]:
    """A fresh loopback service per test, stopped in the background: `shutdown()` waits out the server's
    0.5 s poll interval, which would otherwise dominate the run time of these fast tests."""
    svc = LoopbackService().start()
    yield svc
    threading.Thread(target=svc.stop, daemon=True).start()


@pytest.fixture(scope="session")
def templates() -> Templates:
    return Templates.from_globs([], include_defaults=True)


@pytest.fixture
async def deps(templates: Templates) -> AsyncIterator[NotifierDeps]:
    async with httpx.AsyncClient() as client:
        yield NotifierDeps(client, templates, FakeClock(), external_url=EXTERNAL_URL)
