"""Routing through a real server: nested routes, `continue`, and all four matcher kinds."""

from __future__ import annotations

import time

import pytest

from .conftest import StartServer
from .e2e_model import alert
from .e2e_timing import assert_after, timed
from .e2e_webhook import WebhookReceiver

pytestmark = pytest.mark.e2e

RECEIVERS = ("default", "team-a", "team-a-pager", "team-bc", "pager", "catch-info")


def routing_config(webhook: WebhookReceiver) -> str:
    receivers = "\n".join(f"- name: {name}\n  webhook_configs:\n  - url: '{webhook.url(name)}'" for name in RECEIVERS)
    return f"""
route:
  receiver: default
  group_by: [alertname]
  group_wait: 200ms
  group_interval: 1s
  repeat_interval: 1h
  routes:
  - receiver: team-a
    matchers: ['team="a"']
    routes:
    - receiver: team-a-pager
      matchers: ['severity="critical"']
  - receiver: team-bc
    matchers: ['team=~"b|c"']
    continue: true
  - receiver: pager
    matchers: ['severity="critical"', 'env!="staging"']
  - receiver: catch-info
    match_re:
      team: z
    matchers: ['severity!~"critical|warning"']
receivers:
{receivers}
"""


# alert name -> its labels, and receiver -> the alerts that must reach it.
ALERTS = {
    "A1": {"team": "a", "severity": "critical"},
    "A2": {"team": "a", "severity": "info"},
    "B1": {"team": "b", "severity": "critical"},
    "B2": {"team": "c", "severity": "critical", "env": "staging"},
    "Z1": {"team": "z", "severity": "info"},
    "Z2": {"team": "z", "severity": "warning"},
    "N1": {"severity": "critical"},
}
EXPECTED = {
    "team-a-pager": ["A1"],
    "team-a": ["A2"],
    "team-bc": ["B1", "B2"],
    "pager": ["B1", "N1"],
    "catch-info": ["Z1"],
    "default": ["Z2"],
}


def test_routing_tree_sends_each_alert_to_its_receivers(
    impl: str, webhook: WebhookReceiver, start_server: StartServer
) -> None:
    server = start_server(impl, routing_config(webhook))
    with timed() as posted:
        server.api.post_alerts(*(alert(name, labels=labels) for name, labels in ALERTS.items()))

    for receiver, names in EXPECTED.items():
        webhook.wait_for(receiver, len(names), timeout=5)
    time.sleep(0.6)  # anything misrouted would have arrived together with the rest

    got = {receiver: sorted(n for d in webhook.deliveries(receiver) for n in d.alert_names()) for receiver in RECEIVERS}
    want = {receiver: sorted(EXPECTED.get(receiver, [])) for receiver in RECEIVERS}
    assert got == want
    for d in webhook.deliveries():
        assert d.payload["receiver"] == d.name
        assert d.payload["groupLabels"] == {"alertname": d.alert_names()[0]}
        # Wrong would be waiting for group_interval (1 s).
        assert_after(f"first flush of {d.alert_names()} to {d.name}", posted, d.at, 0.2, late=0.5)


def test_group_by_splits_and_joins_notifications(
    impl: str, webhook: WebhookReceiver, start_server: StartServer
) -> None:
    config = f"""
route:
  receiver: r
  group_by: [service]
  group_wait: 300ms
  group_interval: 1s
  repeat_interval: 1h
  routes:
  - receiver: all
    matchers: ['service="everything"']
    group_by: ['...']
receivers:
- name: r
  webhook_configs:
  - url: '{webhook.url("r")}'
- name: all
  webhook_configs:
  - url: '{webhook.url("all")}'
"""
    server = start_server(impl, config)
    server.api.post_alerts(
        alert("Cpu", service="api", instance="1"),
        alert("Mem", service="api", instance="2"),
        alert("Cpu", service="db", instance="1"),
        alert("X", service="everything", instance="1"),
        alert("Y", service="everything", instance="1"),
    )
    webhook.wait_for("r", 2, timeout=5)
    webhook.wait_for("all", 2, timeout=5)
    time.sleep(0.5)

    by_group = {d.payload["groupLabels"]["service"]: d.alert_names() for d in webhook.deliveries("r")}
    assert by_group == {"api": ["Cpu", "Mem"], "db": ["Cpu"]}
    # group_by '...' groups by every label: one notification per alert.
    singles = sorted(d.alert_names()[0] for d in webhook.deliveries("all"))
    assert singles == ["X", "Y"]
    for d in webhook.deliveries("all"):
        assert d.payload["groupLabels"] == d.payload["alerts"][0]["labels"]
