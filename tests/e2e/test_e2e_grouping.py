"""Aggregation-group timers observed from the webhook: group_wait, group_interval,
the immediate first flush of old alerts, repeat_interval and resolve_timeout."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from .conftest import StartServer
from .e2e_model import alert, now, parse_time
from .e2e_timing import TOLERANCE, assert_after, sleep_until, timed
from .e2e_webhook import WebhookReceiver

pytestmark = pytest.mark.e2e


def one_receiver(
    webhook: WebhookReceiver,
    *,
    group_by: str = "[alertname]",
    group_wait: str,
    group_interval: str,
    repeat_interval: str = "1h",
    resolve_timeout: str = "5m",
    send_resolved: bool = True,
) -> str:
    return f"""
global:
  resolve_timeout: {resolve_timeout}
route:
  receiver: r
  group_by: {group_by}
  group_wait: {group_wait}
  group_interval: {group_interval}
  repeat_interval: {repeat_interval}
receivers:
- name: r
  webhook_configs:
  - url: '{webhook.url("r")}'
    send_resolved: {str(send_resolved).lower()}
"""


def test_group_wait_batches_and_group_interval_delays_later_alerts(
    impl: str, webhook: WebhookReceiver, start_server: StartServer
) -> None:
    config = one_receiver(webhook, group_by="[service]", group_wait="500ms", group_interval="1s")
    server = start_server(impl, config)
    with timed() as first_post:
        server.api.post_alerts(alert("A", service="api"))
    sleep_until(first_post.start, 0.2)
    server.api.post_alerts(alert("B", service="api"))
    first = webhook.wait_for("r", 1, timeout=3)[0]
    assert first.alert_names() == ["A", "B"]
    assert_after("first flush (group_wait from the first alert)", first_post, first.at, 0.5)

    # Right after the first flush: a new alert in the flushed group and one in a new group.
    sleep_until(first_post.start, 0.6)
    with timed() as later_post:
        server.api.post_alerts(alert("C", service="api"), alert("D", service="db"))
    deliveries = webhook.wait_for("r", 3, timeout=4)
    by_service = {d.payload["groupLabels"]["service"]: d for d in deliveries[1:]}
    assert set(by_service) == {"api", "db"}
    # A new group waits group_wait from its first alert ...
    assert by_service["db"].alert_names() == ["D"]
    assert_after("new group's first flush", later_post, by_service["db"].at, 0.5)
    # ... while an existing group only notifies on its next group_interval tick (1.5 s).
    assert by_service["api"].alert_names() == ["A", "B", "C"]
    assert_after("existing group's next flush", first_post, by_service["api"].at, 1.5)
    time.sleep(0.4)
    assert len(webhook.deliveries("r")) == 3


def test_alert_older_than_group_wait_is_flushed_immediately(
    impl: str, webhook: WebhookReceiver, start_server: StartServer
) -> None:
    config = one_receiver(webhook, group_wait="1500ms", group_interval="5s")
    server = start_server(impl, config)
    with timed() as posted:
        server.api.post_alerts(
            alert("Old", starts=now() - timedelta(seconds=10)),
            alert("Fresh"),
        )
    old = webhook.wait_until("r", lambda d: d.alert_names() == ["Old"], timeout=3)
    # Wrong would be waiting group_wait (1.5 s): allow up to half of it under load.
    assert_after("old alert's flush", posted, old.at, 0.0, late=0.75)
    fresh = webhook.wait_until("r", lambda d: d.alert_names() == ["Fresh"], timeout=4)
    assert_after("fresh alert's flush (group_wait)", posted, fresh.at, 1.5)


def test_repeat_interval_resends_unchanged_group_on_group_interval_ticks(
    impl: str, webhook: WebhookReceiver, start_server: StartServer
) -> None:
    # Ticks at 0.2, 0.7, 1.2, 1.7, 2.2 s: the repeat (0.8 s) is due at 1.2 and 2.2 only.
    config = one_receiver(webhook, group_wait="200ms", group_interval="500ms", repeat_interval="800ms")
    server = start_server(impl, config)
    with timed() as posted:
        server.api.post_alerts(alert("Repeat"))
    deliveries = webhook.wait_for("r", 3, timeout=5)
    for i, expected in enumerate((0.2, 1.2, 2.2)):
        assert_after(f"notification #{i + 1}", posted, deliveries[i].at, expected)
        assert deliveries[i].alert_names() == ["Repeat"]
        assert deliveries[i].payload["status"] == "firing"
    sleep_until(posted.start, 2.6)
    assert len(webhook.deliveries("r")) == 3


def test_alert_without_ends_at_resolves_after_resolve_timeout(
    impl: str, webhook: WebhookReceiver, start_server: StartServer
) -> None:
    config = one_receiver(webhook, group_wait="200ms", group_interval="500ms", resolve_timeout="1s")
    server = start_server(impl, config)
    posted_wall = now()
    with timed() as posted:
        server.api.post_alerts(alert("Timeout"))
    firing = webhook.wait_for("r", 1, timeout=3)[0]
    assert firing.payload["status"] == "firing"
    assert_after("firing notification", posted, firing.at, 0.2)

    resolved = webhook.wait_for("r", 2, timeout=4)[1]
    assert resolved.payload["status"] == "resolved"
    (only,) = resolved.payload["alerts"]
    assert only["status"] == "resolved"
    # endsAt was derived from the arrival time plus resolve_timeout.
    ends = parse_time(only["endsAt"])
    assert abs((ends - (posted_wall + timedelta(seconds=1))).total_seconds()) <= TOLERANCE
    # Sent on the first group_interval tick after the timeout (ticks at 0.2, 0.7, 1.2 s).
    assert_after("resolved notification", posted, resolved.at, 1.2, earliest=1.0)
    assert server.api.get_alerts() == []
