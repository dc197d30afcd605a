"""Crash safety (Tocsin only): after SIGKILL and a restart on the same --storage.path the
alerts and silences are still there and the group is notified exactly once, whether
the kill came before or after the first flush.  Alertmanager keeps alerts in memory
only, so it is not expected to pass this."""

from __future__ import annotations

import time

import pytest

from .conftest import StartServer
from .e2e_model import alert, matcher, silence
from .e2e_server import ServerProcess
from .e2e_webhook import WebhookReceiver

pytestmark = pytest.mark.e2e


def restart_config(webhook: WebhookReceiver, group_wait: str) -> str:
    return f"""
route:
  receiver: r
  group_by: []
  group_wait: {group_wait}
  group_interval: 500ms
  repeat_interval: 1h
receivers:
- name: r
  webhook_configs:
  - url: '{webhook.url("r")}'
"""


def _assert_state_survived(server: ServerProcess, sid: str) -> None:
    names = sorted(a["labels"]["alertname"] for a in server.api.get_alerts())
    assert names == ["Crash", "Muted"], f"alerts after restart: {names}"
    muted = server.api.alert_by_name("Muted")["status"]
    assert muted["state"] == "suppressed" and muted["silencedBy"] == [sid]
    silences = server.api.get_silences()
    assert [(s["id"], s["status"]["state"]) for s in silences] == [(sid, "active")]
    assert silences[0]["matchers"][0]["name"] == "alertname"


@pytest.mark.parametrize("kill_when", ["before-first-flush", "after-first-flush"])
def test_state_and_exactly_once_notification_survive_sigkill(
    kill_when: str, webhook: WebhookReceiver, start_server: StartServer
) -> None:
    group_wait = "2s" if kill_when == "before-first-flush" else "200ms"
    server = start_server("tocsin", restart_config(webhook, group_wait))
    sid = server.api.post_silence(silence(matcher("alertname", "Muted"), duration=3600))
    server.api.post_alerts(alert("Crash", annotations={"run": "1"}), alert("Muted"))

    if kill_when == "before-first-flush":
        time.sleep(0.3)
        assert webhook.attempts("r") == []
    else:
        webhook.wait_for("r", 1, timeout=3)
        time.sleep(0.3)  # leave time to record the notification; a crash after that must not resend

    server.kill()
    server.start()
    _assert_state_survived(server, sid)

    first = webhook.wait_for("r", 1, timeout=5)[0]
    assert first.alert_names() == ["Crash"]
    time.sleep(1.5)  # three group_interval ticks after the restart
    assert len(webhook.attempts("r")) == 1, "the group was notified more than once across the restart"

    # The restarted dispatcher is alive: a new alert in the group triggers one notification.
    server.api.post_alerts(alert("After"))
    second = webhook.wait_for("r", 2, timeout=3)[1]
    assert second.alert_names() == ["After", "Crash"]
