"""Suite-wide set-up: real-server availability.

Tests marked `postgres` or `redis` need those servers. In CI (TOCSIN_REQUIRE_SERVICES=1) a missing server makes
those tests fail; on a developer machine they are left out of the run and the summary says which suites were.
"""

from __future__ import annotations

import os
import socket

import pytest

SERVICES = {"postgres": ("127.0.0.1", 5432), "redis": ("127.0.0.1", 6379)}
_left_out: dict[str, int] = {}


def service_up(name: str) -> bool:
    host, port = SERVICES[name]
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_services() -> bool:
    return os.environ.get("TOCSIN_REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if require_services():
        return
    down = {name for name in SERVICES if not service_up(name)}
    if not down:
        return
    keep, drop = [], []
    for item in items:
        missing = down & {m.name for m in item.iter_markers()}
        if missing:
            drop.append(item)
            for name in missing:
                _left_out[name] = _left_out.get(name, 0) + 1
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for name, count in sorted(_left_out.items()):
        host, port = SERVICES[name]
        terminalreporter.write_line(
            f"left out {count} {name} test(s): no server at {host}:{port} "
            "(set TOCSIN_REQUIRE_SERVICES=1 to make that a failure)",
            yellow=True,
        )
