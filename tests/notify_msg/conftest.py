from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from tests.notify.loopback import LoopbackService, loopback
from tests.notify_msg.msg_support import make_deps

from tocsin.notify.integration import NotifierDeps


@pytest.fixture
def service() -> Iterator[LoopbackService]:
    yield from loopback()


@pytest.fixture
async def deps() -> AsyncIterator[NotifierDeps]:
    d = make_deps()
    try:
        yield d
    finally:
        await d.http.aclose()
