"""The operational endpoints a drop-in replacement must answer: health, readiness,
metrics, status and receivers."""

from __future__ import annotations

import httpx
import pytest

from .conftest import StartServer
from .e2e_webhook import WebhookReceiver

pytestmark = pytest.mark.e2e


def test_health_ready_metrics_status_receivers(impl: str, webhook: WebhookReceiver, start_server: StartServer) -> None:
    config = f"""
global:
  resolve_timeout: 7m
route:
  receiver: first
  routes:
  - receiver: second
    matchers: ['team="b"']
receivers:
- name: first
  webhook_configs:
  - url: '{webhook.url("first")}'
- name: second
  webhook_configs:
  - url: '{webhook.url("second")}'
"""
    server = start_server(impl, config)
    for path in ("/-/healthy", "/-/ready"):
        r = httpx.get(server.base_url + path, timeout=5)
        assert r.status_code == 200, (path, r.status_code, r.text)

    metrics = httpx.get(server.base_url + "/metrics", timeout=5)
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    assert "# TYPE " in metrics.text

    status = server.api.status()
    assert {"cluster", "config", "uptime", "versionInfo"} <= set(status)
    assert "resolve_timeout: 7m" in status["config"]["original"]
    assert status["cluster"]["status"] in {"ready", "settling", "disabled"}

    receivers = server.api.http.get("/api/v2/receivers").json()
    assert sorted(r["name"] for r in receivers) == ["first", "second"]
