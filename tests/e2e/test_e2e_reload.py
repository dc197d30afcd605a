"""Configuration reload (POST /-/reload and SIGHUP): the new tree takes effect, groups
that were already notified are not notified again, and a broken file is refused while
the running configuration keeps working."""

from __future__ import annotations

import time

import pytest

from .conftest import StartServer
from .e2e_model import alert
from .e2e_server import ServerProcess
from .e2e_webhook import WebhookReceiver

pytestmark = pytest.mark.e2e


def config_v1(webhook: WebhookReceiver) -> str:
    return f"""
route:
  receiver: r
  group_by: [alertname]
  group_wait: 200ms
  group_interval: 500ms
  repeat_interval: 1h
receivers:
- name: r
  webhook_configs:
  - url: '{webhook.url("r")}'
"""


def config_v2(webhook: WebhookReceiver) -> str:
    return (
        config_v1(webhook).replace(
            "  repeat_interval: 1h\n",
            "  repeat_interval: 1h\n  routes:\n  - receiver: fresh\n    matchers: ['team=\"fresh\"']\n",
        )
        + f"""- name: fresh
  webhook_configs:
  - url: '{webhook.url("fresh")}'
"""
    )


def _wait_for_config(server: ServerProcess, needle: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in server.api.status()["config"]["original"]:
            return
        time.sleep(0.05)
    raise AssertionError(f"{server.impl}: configuration with {needle!r} not active after {timeout}s")


@pytest.mark.parametrize("how", ["http", "sighup"])
def test_reload_applies_new_routes_without_duplicate_notifications(
    impl: str, how: str, webhook: WebhookReceiver, start_server: StartServer
) -> None:
    server = start_server(impl, config_v1(webhook))
    server.api.post_alerts(alert("Existing"), alert("Other", severity="x"))
    webhook.wait_for("r", 2, timeout=3)
    # The notification log is written after the webhook answers; a reload in that instant
    # can cancel the write (Alertmanager then re-sends).  That race is not what this tests.
    time.sleep(0.3)

    server.write_config(config_v2(webhook))
    if how == "http":
        r = server.api.reload()
        assert r.status_code == 200, r.text
    else:
        server.sighup()
    _wait_for_config(server, "fresh")

    server.api.post_alerts(alert("New", team="fresh"))
    d = webhook.wait_for("fresh", 1, timeout=3)[0]
    assert d.alert_names() == ["New"]
    time.sleep(1.2)  # a rebuilt group would flush old alerts immediately; none may be re-sent
    assert sorted(n for d in webhook.attempts("r") for n in d.alert_names()) == ["Existing", "Other"]
    assert len(webhook.attempts("fresh")) == 1


def test_reload_with_broken_config_is_refused_and_old_config_keeps_working(
    impl: str, webhook: WebhookReceiver, start_server: StartServer
) -> None:
    server = start_server(impl, config_v1(webhook))
    before = server.api.status()["config"]["original"]
    server.write_config(config_v1(webhook).replace("receiver: r\n", "receiver: ghost\n", 1))
    r = server.api.reload()
    assert r.status_code >= 400, f"broken config accepted: {r.status_code} {r.text}"
    assert "ghost" in r.text, f"reload error does not name the problem: {r.text!r}"
    assert server.api.status()["config"]["original"] == before

    server.api.post_alerts(alert("StillRouted"))
    assert webhook.wait_for("r", 1, timeout=3)[0].alert_names() == ["StillRouted"]
