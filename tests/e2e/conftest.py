"""Fixtures for end-to-end tests against real server processes.

`impl` runs a scenario once per implementation ("alertmanager", "tocsin");
TOCSIN_E2E_IMPLS=alertmanager (comma-separated) narrows it while Tocsin's server is
being built.  A missing or broken server makes the test fail, never skip.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest

from .e2e_server import IMPLEMENTATIONS, ServerProcess
from .e2e_webhook import WebhookReceiver


def selected_impls() -> list[str]:
    raw = os.environ.get("TOCSIN_E2E_IMPLS", ",".join(IMPLEMENTATIONS))
    chosen = [s.strip() for s in raw.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in IMPLEMENTATIONS]
    if unknown:
        raise pytest.UsageError(f"TOCSIN_E2E_IMPLS: unknown implementation(s) {unknown}; use {IMPLEMENTATIONS}")
    return chosen


HERE = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """One xdist group per implementation: each group's tests run one at a time (their
    timing assertions need a quiet worker), while the two groups may run side by side."""
    for item in items:
        if HERE not in item.path.parents:
            continue
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec is not None else {}
        impl = params.get("impl") or params.get("seeded") or "tocsin"
        item.add_marker(pytest.mark.xdist_group(f"e2e-{impl}"))


@pytest.fixture(params=selected_impls())
def impl(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


StartServer = Callable[..., ServerProcess]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item so fixtures can print server logs on failure."""
    report = yield
    setattr(item, f"e2e_report_{report.when}", report)
    return report


@pytest.fixture
def start_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StartServer]:
    """Factory: start_server(impl, config_text, flags={...}) -> a ready ServerProcess."""
    servers: list[ServerProcess] = []

    def start(impl: str, config: str, *, flags: dict[str, str] | None = None, route_prefix: str = "") -> ServerProcess:
        server = ServerProcess(
            impl=impl,
            workdir=tmp_path / f"{impl}-{len(servers)}",
            config=config,
            extra_flags=dict(flags or {}),
            route_prefix=route_prefix,
        )
        servers.append(server)
        server.start()
        return server

    yield start

    for server in servers:
        server.stop()
    report = getattr(request.node, "e2e_report_call", None)
    if report is not None and report.failed:
        for server in servers:
            print(f"----- {server.impl} log (port {server.port}) -----\n{server.log_tail()}")
