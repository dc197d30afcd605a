from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.notify.loopback import LoopbackService, loopback


@pytest.fixture
def service() -> Iterator[LoopbackService]:
    yield from loopback()
