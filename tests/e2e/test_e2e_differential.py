"""Differential test: Alertmanager 0.25 and Tocsin run the same scenario side by side and
must send the same notifications (same groups, same order per group, same payloads once
ports, URLs and timestamp formatting are normalised) at about the same times."""

from __future__ import annotations

import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from .conftest import StartServer
from .e2e_model import alert, iso, now, parse_time
from .e2e_server import ServerProcess
from .e2e_timing import TOLERANCE
from .e2e_webhook import Delivery, WebhookReceiver

pytestmark = pytest.mark.e2e

GENERATOR = "http://prometheus.example:9090/graph?g0.expr=up%3D%3D0"


def config(webhook: WebhookReceiver, name: str) -> str:
    return f"""
route:
  receiver: team
  group_by: [alertname]
  group_wait: 300ms
  group_interval: 600ms
  repeat_interval: 1h
receivers:
- name: team
  webhook_configs:
  - url: '{webhook.url(name)}'
    send_resolved: true
"""


def normalise(d: Delivery, server: ServerProcess) -> dict[str, Any]:
    """The payload with what legitimately differs between two servers made equal."""
    p = dict(d.payload)
    assert p.get("externalURL") == server.external_url, p.get("externalURL")
    p["externalURL"] = "<external-url>"
    alerts = []
    for a in p.get("alerts", []):
        a = dict(a)
        for key in ("startsAt", "endsAt"):
            a[key] = parse_time(a[key]).isoformat(timespec="milliseconds")
        alerts.append(a)
    p["alerts"] = sorted(alerts, key=lambda a: a["fingerprint"])
    return p


def by_group(deliveries: list[Delivery]) -> dict[str, list[Delivery]]:
    groups: dict[str, list[Delivery]] = defaultdict(list)
    for d in deliveries:
        groups[d.payload["groupKey"]].append(d)
    return groups


def test_alertmanager_and_tocsin_send_the_same_notifications(
    webhook: WebhookReceiver, start_server: StartServer
) -> None:
    with ThreadPoolExecutor(2) as pool:
        am_f = pool.submit(start_server, "alertmanager", config(webhook, "am"))
        tocsin_f = pool.submit(start_server, "tocsin", config(webhook, "tocsin"))
        am, tocsin = am_f.result(), tocsin_f.result()
    servers = {"am": am, "tocsin": tocsin}

    def both(*alerts: dict[str, Any]) -> None:
        # Post to both at once so that their timers start together.
        with ThreadPoolExecutor(2) as pool:
            for f in [pool.submit(s.api.post_alerts, *alerts) for s in servers.values()]:
                f.result()

    start = now() - timedelta(milliseconds=50)
    disk1 = alert("Disk", starts=start, generator_url=GENERATOR, annotations={"summary": "full"}, instance="1")
    disk2 = alert("Disk", starts=start, generator_url=GENERATOR, annotations={"summary": "full"}, instance="2")
    cpu = alert("Cpu", starts=start, generator_url=GENERATOR, annotations={"summary": "hot"}, instance="1")
    both(disk1, disk2, cpu)
    for name in servers:
        webhook.wait_for(name, 2, timeout=5)

    both({**disk1, "endsAt": iso(now())})
    for name in servers:
        webhook.wait_for(name, 3, timeout=5)

    end = iso(now())
    both({**disk2, "endsAt": end}, {**cpu, "endsAt": end})
    for name in servers:
        webhook.wait_for(name, 5, timeout=5)
    time.sleep(1.0)  # let any extra notification show up

    am_groups = by_group(webhook.attempts("am"))
    tocsin_groups = by_group(webhook.attempts("tocsin"))
    assert sorted(tocsin_groups) == sorted(am_groups) == ['{}:{alertname="Cpu"}', '{}:{alertname="Disk"}']
    for key, am_seq in am_groups.items():
        t_seq = tocsin_groups[key]
        assert [normalise(d, tocsin) for d in t_seq] == [normalise(d, am) for d in am_seq], key
    # The two servers notified at about the same moments (their timers run in parallel).
    for key, am_seq in am_groups.items():
        for i, (a, t) in enumerate(zip(am_seq, tocsin_groups[key], strict=True)):
            assert abs(a.at - t.at) <= 2 * TOLERANCE, f"{key} notification #{i}: {a.at - t.at:+.2f}s apart"
