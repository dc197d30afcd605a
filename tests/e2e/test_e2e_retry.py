"""Delivery failures: a failing webhook gets the notification once it recovers, without
duplicating it to its healthy sibling; a hanging webhook is abandoned after `timeout`
and retried (Tocsin only: Alertmanager 0.25 has no webhook `timeout`)."""

from __future__ import annotations

import time

import pytest

from .conftest import StartServer
from .e2e_model import alert
from .e2e_webhook import Outcome, WebhookReceiver

pytestmark = pytest.mark.e2e


def test_failing_receiver_is_retried_until_it_recovers(
    impl: str, webhook: WebhookReceiver, start_server: StartServer
) -> None:
    config = f"""
route:
  receiver: r
  group_by: [alertname]
  group_wait: 200ms
  group_interval: 500ms
  repeat_interval: 1h
receivers:
- name: r
  webhook_configs:
  - url: '{webhook.url("healthy")}'
  - url: '{webhook.url("flaky")}'
"""
    server = start_server(impl, config)
    webhook.fail_next("flaky", 2)
    server.api.post_alerts(alert("Retry", instance="i1"))

    attempts = webhook.wait_for("flaky", 3, timeout=6, attempts=True)
    assert [a.outcome for a in attempts[:3]] == [Outcome.FAIL, Outcome.FAIL, Outcome.OK]
    time.sleep(1.2)  # several group_interval ticks: nothing more may arrive

    healthy = webhook.attempts("healthy")
    assert len(healthy) == 1, "the healthy webhook was notified again because its sibling failed"
    assert len(webhook.attempts("flaky")) == 3
    assert attempts[2].payload["alerts"] == healthy[0].payload["alerts"]
    assert attempts[0].payload["alerts"] == attempts[2].payload["alerts"]


def test_hanging_receiver_times_out_and_is_retried(webhook: WebhookReceiver, start_server: StartServer) -> None:
    webhook.hang_seconds = 5.0
    config = f"""
route:
  receiver: r
  group_by: [alertname]
  group_wait: 200ms
  group_interval: 500ms
  repeat_interval: 1h
receivers:
- name: r
  webhook_configs:
  - url: '{webhook.url("slow")}'
    timeout: 300ms
"""
    server = start_server("tocsin", config)
    webhook.hang_next("slow", 1)
    server.api.post_alerts(alert("Slow"))

    attempts = webhook.wait_for("slow", 2, timeout=4, attempts=True)
    first, second = attempts[:2]
    assert (first.outcome, second.outcome) == (Outcome.HANG, Outcome.OK)
    # The retry came long before the hung request would have been answered.
    assert second.at - first.at < 2.5, f"retry only after {second.at - first.at:.2f}s"
    assert second.payload["alerts"] == first.payload["alerts"]
    time.sleep(1.0)
    assert len(webhook.attempts("slow")) == 2
