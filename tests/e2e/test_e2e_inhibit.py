"""Inhibition: a firing source mutes matching targets that share the `equal` labels, the API
names the inhibiting alert, and the target is notified again once the source resolves."""

from __future__ import annotations

import time

import pytest

from .conftest import StartServer
from .e2e_model import alert, fingerprint, now
from .e2e_timing import TOLERANCE
from .e2e_webhook import Delivery, WebhookReceiver

pytestmark = pytest.mark.e2e


def inhibit_config(webhook: WebhookReceiver) -> str:
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
inhibit_rules:
- source_matchers: ['alertname="JobDown"']
  target_matchers: ['alertname="InstanceDown"']
  equal: [job, zone]
"""


def _names_and_status(d: Delivery) -> list[tuple[str, str]]:
    alerts = d.payload["alerts"]
    return sorted((f"{a['labels']['alertname']}/{a['labels']['zone']}", a["status"]) for a in alerts)


def test_inhibited_target_is_muted_until_the_source_resolves(
    impl: str, webhook: WebhookReceiver, start_server: StartServer
) -> None:
    server = start_server(impl, inhibit_config(webhook))
    labels_aa = {"job": "testjob", "zone": "aa"}
    server.api.post_alerts(
        alert("test1", labels=labels_aa),
        alert("InstanceDown", labels=labels_aa),
        alert("InstanceDown", job="testjob", zone="ab"),
    )
    first = webhook.wait_for("r", 1, timeout=3)[0]
    assert _names_and_status(first) == [
        ("InstanceDown/aa", "firing"),
        ("InstanceDown/ab", "firing"),
        ("test1/aa", "firing"),
    ]

    source_posted = time.monotonic()
    source_start = now()
    server.api.post_alerts(alert("JobDown", starts=source_start, labels=labels_aa))
    # InstanceDown in zone aa shares job and zone with the source; zone ab does not.
    target = next(a for a in server.api.get_alerts() if a["labels"] == {"alertname": "InstanceDown", **labels_aa})
    assert target["status"]["state"] == "suppressed"
    assert target["status"]["inhibitedBy"] == [fingerprint({"alertname": "JobDown", **labels_aa})]
    assert target["status"]["silencedBy"] == []
    other = next(a for a in server.api.get_alerts() if a["labels"]["zone"] == "ab")
    assert other["status"]["state"] == "active"

    inhibited = webhook.wait_until("r", lambda d: d.at > source_posted + 0.05, timeout=3)
    assert _names_and_status(inhibited) == [
        ("InstanceDown/ab", "firing"),
        ("JobDown/aa", "firing"),
        ("test1/aa", "firing"),
    ]

    resolved_posted = time.monotonic()
    server.api.post_alerts(alert("JobDown", starts=source_start, ends=now(), labels=labels_aa))
    back = webhook.wait_until("r", lambda d: d.at > resolved_posted + 0.05, timeout=3)
    assert back.at - resolved_posted <= 0.5 + TOLERANCE
    assert _names_and_status(back) == [
        ("InstanceDown/aa", "firing"),
        ("InstanceDown/ab", "firing"),
        ("JobDown/aa", "resolved"),
        ("test1/aa", "firing"),
    ]
    assert all(a["status"]["state"] == "active" for a in server.api.get_alerts())


def test_source_and_target_resolving_together_are_both_reported(
    impl: str, webhook: WebhookReceiver, start_server: StartServer
) -> None:
    server = start_server(impl, inhibit_config(webhook))
    labels = {"job": "testjob", "zone": "aa"}
    start = now()
    server.api.post_alerts(
        alert("InstanceDown", starts=start, labels=labels), alert("JobDown", starts=start, labels=labels)
    )
    first = webhook.wait_for("r", 1, timeout=3)[0]
    assert _names_and_status(first) == [("JobDown/aa", "firing")]

    resolved_posted = time.monotonic()
    end = now()
    server.api.post_alerts(
        alert("JobDown", starts=start, ends=end, labels=labels),
        alert("InstanceDown", starts=start, ends=end, labels=labels),
    )
    last = webhook.wait_until("r", lambda d: d.at > resolved_posted + 0.05, timeout=3)
    assert _names_and_status(last) == [("InstanceDown/aa", "resolved"), ("JobDown/aa", "resolved")]
    assert last.payload["status"] == "resolved"
