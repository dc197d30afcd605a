"""Alert lifecycle: how re-sent alerts merge (startsAt, endsAt, annotations), and which
receivers hear about resolution (send_resolved)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from .conftest import StartServer
from .e2e_model import alert, close_to, now, parse_time
from .e2e_webhook import WebhookReceiver

pytestmark = pytest.mark.e2e


def test_send_resolved_false_receiver_gets_no_resolved_notifications(
    impl: str, webhook: WebhookReceiver, start_server: StartServer
) -> None:
    config = f"""
route:
  receiver: both
  group_by: [service]
  group_wait: 200ms
  group_interval: 500ms
  repeat_interval: 1h
receivers:
- name: both
  webhook_configs:
  - url: '{webhook.url("loud")}'
    send_resolved: true
  - url: '{webhook.url("quiet")}'
    send_resolved: false
"""
    server = start_server(impl, config)
    start = now()
    server.api.post_alerts(alert("X", starts=start, service="s"), alert("Y", starts=start, service="s"))
    webhook.wait_for("loud", 1, timeout=3)
    webhook.wait_for("quiet", 1, timeout=3)

    server.api.post_alerts(alert("X", starts=start, ends=now(), service="s"))
    partly = webhook.wait_for("loud", 2, timeout=3)[1]
    assert sorted((a["labels"]["alertname"], a["status"]) for a in partly.payload["alerts"]) == [
        ("X", "resolved"),
        ("Y", "firing"),
    ]
    assert partly.payload["status"] == "firing"

    server.api.post_alerts(alert("Y", starts=start, ends=now(), service="s"))
    done = webhook.wait_for("loud", 3, timeout=3)[2]
    assert done.payload["status"] == "resolved"
    assert done.alert_names() == ["Y"]
    time.sleep(0.7)

    # The quiet receiver saw the first firing notification and nothing about resolution.
    quiet = webhook.attempts("quiet")
    assert len(quiet) == 1, [d.payload for d in quiet]
    assert quiet[0].alert_names() == ["X", "Y"]
    assert all(a["status"] == "firing" for a in quiet[0].payload["alerts"])
    assert len(webhook.attempts("loud")) == 3


def test_resent_alerts_merge_start_end_and_annotations(
    impl: str, webhook: WebhookReceiver, start_server: StartServer
) -> None:
    config = f"""
route:
  receiver: r
  group_by: [alertname]
  group_wait: 200ms
  group_interval: 500ms
  repeat_interval: 1ms
receivers:
- name: r
  webhook_configs:
  - url: '{webhook.url("r")}'
    send_resolved: true
"""
    server = start_server(impl, config)
    base = now() - timedelta(seconds=60)

    # A later sender reporting an earlier start: the earliest start is kept.
    server.api.post_alerts(alert("M", starts=base + timedelta(seconds=10)))
    server.api.post_alerts(alert("M", starts=base))
    assert close_to(server.api.alert_by_name("M")["startsAt"], base)

    # An overlapping re-send with a later start keeps the start; annotations follow the newest.
    server.api.post_alerts(alert("M", starts=base + timedelta(seconds=20), annotations={"ann": "v1"}))
    current = server.api.alert_by_name("M")
    assert close_to(current["startsAt"], base)
    assert current["annotations"] == {"ann": "v1"}
    firing = webhook.wait_until("r", lambda d: d.payload["alerts"][0]["annotations"] == {"ann": "v1"}, 3)
    assert close_to(firing.payload["alerts"][0]["startsAt"], base)

    # Resolved twice: the later explicit resolve time wins, annotations from the newest post.
    # Both posts go right after a tick so that no flush falls between them.
    seen = len(webhook.deliveries("r"))
    webhook.wait_for("r", seen + 1, timeout=3)
    resolve_late = now() - timedelta(seconds=2)
    resolve_early = now() - timedelta(seconds=5)
    server.api.post_alerts(
        alert("M", starts=base + timedelta(seconds=30), ends=resolve_late, annotations={"ann": "v2"})
    )
    server.api.post_alerts(
        alert("M", starts=base + timedelta(seconds=25), ends=resolve_early, annotations={"ann": "v3"})
    )
    resolved = webhook.wait_until("r", lambda d: d.payload["status"] == "resolved", timeout=3)
    (m,) = resolved.payload["alerts"]
    assert m["annotations"] == {"ann": "v3"}
    assert close_to(m["startsAt"], base), m
    assert close_to(m["endsAt"], resolve_late), m
    assert server.api.get_alerts() == []

    # Re-activation after the resolve does not overlap: no merge, the new start stands.
    restart = now() - timedelta(seconds=1)
    reposted = time.monotonic()
    server.api.post_alerts(alert("M", starts=restart))
    again = webhook.wait_until("r", lambda d: d.at > reposted and d.payload["status"] == "firing", timeout=3)
    (m,) = again.payload["alerts"]
    assert close_to(m["startsAt"], restart), m
    assert m["annotations"] == {}
    assert parse_time(m["endsAt"]).year == 1, "a firing alert's endsAt is not exposed"
