"""Fixtures for the compatibility tests: servers under test, a webhook receiver, peers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .compat_support import (
    PrometheusProcess,
    ServerProcess,
    WebhookReceiver,
    serve_webhook,
    start_prometheus,
    start_server,
)


@pytest.fixture
def start_am(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Factory: start_am(impl, config_text, route_prefix="") -> a ready server, stopped at teardown."""
    started: list[ServerProcess] = []

    def start(impl: str, config_text: str, route_prefix: str = "", external_url: str = "") -> ServerProcess:
        workdir = tmp_path / f"{impl}-{len(started)}"
        server = start_server(impl, config_text, workdir, route_prefix, external_url)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
        # Shown by pytest only when the test failed.
        print(f"--- {server.impl} log ({server.log_path}) ---\n{server.log()[-8000:]}")


@pytest.fixture
def start_prom(tmp_path: Path) -> Iterator[Callable[[str, str], PrometheusProcess]]:
    """Factory: start_prom(config_text, rules_text) -> a ready Prometheus, stopped at teardown."""
    started: list[PrometheusProcess] = []

    def start(config_text: str, rules_text: str) -> PrometheusProcess:
        prom = start_prometheus(tmp_path / f"prometheus-{len(started)}", config_text, rules_text)
        started.append(prom)
        return prom

    yield start
    for prom in started:
        prom.stop()
        print(f"--- prometheus log ({prom.log_path}) ---\n{prom.log()[-4000:]}")


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    """A loopback receiver recording every notification posted to it."""
    with serve_webhook() as receiver:
        yield receiver
