"""Silences seen from outside: what the webhook no longer receives, what the API reports,
and how deleting (expiring) a silence lets notifications flow again."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from .conftest import StartServer
from .e2e_model import alert, fingerprint, matcher, now, silence
from .e2e_timing import TOLERANCE, sleep_until, timed
from .e2e_webhook import WebhookReceiver

pytestmark = pytest.mark.e2e


def every_tick_config(webhook: WebhookReceiver) -> str:
    # repeat_interval below group_interval: every tick notifies, so a silenced alert's
    # absence is visible in each notification.
    return f"""
route:
  receiver: r
  group_by: []
  group_wait: 200ms
  group_interval: 500ms
  repeat_interval: 1ms
receivers:
- name: r
  webhook_configs:
  - url: '{webhook.url("r")}'
"""


def test_silenced_alert_is_left_out_while_the_silence_is_active(
    impl: str, webhook: WebhookReceiver, start_server: StartServer
) -> None:
    server = start_server(impl, every_tick_config(webhook))
    t0 = time.monotonic()
    wall0 = now()
    server.api.post_alerts(alert("test1"), alert("test2"))
    first = webhook.wait_for("r", 1, timeout=3)[0]
    assert first.alert_names() == ["test1", "test2"]

    # Ticks fall at about 0.2 + k * 0.5 s; the silence covers the 0.7 and 1.2 s ticks.
    sleep_until(t0, 0.35)
    with timed() as sil_post:
        sid = server.api.post_silence(
            silence(matcher("alertname", "test1"), starts=now(), ends=wall0 + timedelta(seconds=1.45))
        )
    sil_end = t0 + 1.45

    api_alert = server.api.alert_by_name("test1")
    assert api_alert["status"]["state"] == "suppressed"
    assert api_alert["status"]["silencedBy"] == [sid]
    assert api_alert["status"]["inhibitedBy"] == []
    assert server.api.alert_by_name("test2")["status"]["state"] == "active"
    assert server.api.get_silence(sid)["status"]["state"] == "active"

    back = webhook.wait_until("r", lambda d: d.at > sil_end and d.alert_names() == ["test1", "test2"], 3)
    assert back.at - sil_end <= 0.5 + TOLERANCE, "silenced alert came back later than one group_interval"
    during = [d for d in webhook.deliveries("r") if sil_post.end + 0.05 < d.at < sil_end - 0.1]
    assert during, "no notification was sent while the silence was active"
    for d in during:
        assert d.alert_names() == ["test2"], f"silenced alert notified at {d.at - t0:.2f}s"
    assert server.api.alert_by_name("test1")["status"]["state"] == "active"
    assert server.api.get_silence(sid)["status"]["state"] == "expired"


def test_deleting_a_silence_lets_notifications_flow(
    impl: str, webhook: WebhookReceiver, start_server: StartServer
) -> None:
    server = start_server(impl, every_tick_config(webhook))
    sid = server.api.post_silence(silence(matcher("alertname", ".+", regex=True), duration=600))
    assert [s["id"] for s in server.api.get_silences()] == [sid]

    server.api.post_alerts(alert("test1"), alert("test2"))
    time.sleep(1.0)
    assert webhook.attempts("r") == [], "a fully silenced group was notified"
    for name in ("test1", "test2"):
        status = server.api.alert_by_name(name)["status"]
        assert status["state"] == "suppressed"
        assert status["silencedBy"] == [sid]
    groups = server.api.get_groups()
    assert sorted(a["labels"]["alertname"] for g in groups for a in g["alerts"]) == ["test1", "test2"]

    deleted_at = time.monotonic()
    server.api.delete_silence(sid)
    state = server.api.get_silence(sid)["status"]["state"]
    assert state == "expired"

    d = webhook.wait_for("r", 1, timeout=3)[0]
    assert d.alert_names() == ["test1", "test2"]
    assert d.at - deleted_at <= 0.5 + TOLERANCE
    status = server.api.alert_by_name("test1")["status"]
    assert (status["state"], status["silencedBy"], status["inhibitedBy"]) == ("active", [], [])
    assert server.api.alert_by_name("test1")["fingerprint"] == fingerprint({"alertname": "test1"})
