"""Debian's Prometheus, unchanged, sending an always-firing alert through the server under test.

This is the path every Alertmanager deployment depends on: Prometheus' notifier
POSTs to /api/v2/alerts (with endsAt set in the future, re-sent while firing,
and an explicit endsAt once resolved), and the server groups, waits and
delivers a version 4 webhook payload.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from .compat_support import (
    IMPLEMENTATIONS,
    Delivery,
    PrometheusProcess,
    ServerProcess,
    WebhookReceiver,
    alert_fingerprint,
    http_json,
    serve_webhook,
)

pytestmark = pytest.mark.peer

AM_CONFIG = """\
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
- name: hook
  webhook_configs:
  - url: {url}
    send_resolved: true
"""

PROM_CONFIG = """\
global:
  evaluation_interval: 1s
  external_labels:
    replica: compat
rule_files: [rules.yml]
alerting:
  alertmanagers:
"""
PROM_TARGET = """\
  - api_version: v2
    path_prefix: {prefix}
    timeout: 5s
    static_configs:
    - targets: ['{address}']
"""

FIRING_RULES = """\
groups:
- name: compat
  interval: 1s
  rules:
  - alert: CompatAlwaysFiring
    expr: vector(1)
    labels:
      severity: page
    annotations:
      summary: 'value is {{ $value }}'
"""

# Same rule name, an expression with no result: Prometheus keeps the rule's state
# across the reload and reports the alert resolved on the next evaluation.
RESOLVED_RULES = FIRING_RULES.replace("expr: vector(1)", "expr: vector(1) > 2")

EXPECTED_LABELS = {"alertname": "CompatAlwaysFiring", "severity": "page", "replica": "compat"}
ZERO_TIME = "0001-01-01T00:00:00Z"


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def status_is(status: str) -> Callable[[Delivery], bool]:
    def check(delivery: Delivery) -> bool:
        payload = delivery.payload
        return isinstance(payload, dict) and payload.get("status") == status

    return check


def check_payload(payload: dict[str, Any], external_url: str, prom: PrometheusProcess, status: str) -> None:
    """The webhook body must match Alertmanager's version 4 message field by field."""
    assert payload["version"] == "4"
    assert payload["status"] == status
    assert payload["receiver"] == "hook"
    assert payload["groupKey"] == '{}:{alertname="CompatAlwaysFiring"}'
    assert payload["truncatedAlerts"] == 0
    assert payload["groupLabels"] == {"alertname": "CompatAlwaysFiring"}
    assert payload["commonLabels"] == EXPECTED_LABELS
    assert payload["commonAnnotations"] == {"summary": "value is 1"}
    assert payload["externalURL"] == external_url
    assert len(payload["alerts"]) == 1
    alert = payload["alerts"][0]
    assert alert["status"] == status
    assert alert["labels"] == EXPECTED_LABELS
    assert alert["annotations"] == {"summary": "value is 1"}
    assert alert["fingerprint"] == alert_fingerprint(EXPECTED_LABELS)
    assert alert["generatorURL"].startswith(f"{prom.url}/graph?g0.expr=vector%281%29"), alert["generatorURL"]
    starts = parse_time(alert["startsAt"])
    assert abs(starts - datetime.now(UTC)) < timedelta(minutes=2), alert["startsAt"]
    if status == "firing":
        # Prometheus sends endsAt in the future; a firing alert's end is not exposed.
        assert alert["endsAt"] == ZERO_TIME
    else:
        assert starts < parse_time(alert["endsAt"]) <= datetime.now(UTC) + timedelta(seconds=1)
    assert set(payload) == {
        "version", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels",
        "commonLabels", "commonAnnotations", "externalURL", "alerts",
    }  # fmt: skip
    assert set(alert) == {
        "status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint",
    }  # fmt: skip


def check_api_view(server: ServerProcess, firing: dict[str, Any]) -> None:
    """The alert is also visible through API v2, with Prometheus' endsAt (in the future)."""
    status, alerts = http_json("GET", server.api("/alerts?filter=alertname%3D%22CompatAlwaysFiring%22"))
    assert status == 200
    assert [a["labels"] for a in alerts] == [EXPECTED_LABELS]
    assert parse_time(alerts[0]["endsAt"]) > datetime.now(UTC)
    assert alerts[0]["generatorURL"] == firing["alerts"][0]["generatorURL"]
    status, groups = http_json("GET", server.api("/alerts/groups"))
    assert status == 200
    assert [(g["labels"], g["receiver"]["name"], len(g["alerts"])) for g in groups] == [
        ({"alertname": "CompatAlwaysFiring"}, "hook", 1)
    ]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_prometheus_alert_reaches_webhook(
    impl: str,
    start_am: Callable[..., ServerProcess],
    start_prom: Callable[[str, str], PrometheusProcess],
    webhook: WebhookReceiver,
) -> None:
    # Two servers, one under a route prefix (Prometheus' path_prefix), fed by one
    # Prometheus: its notifier needs ~5 s to discover targets, so share that wait.
    with serve_webhook() as prefixed_webhook:
        setups = []
        for prefix, hook in (("", webhook), ("/am", prefixed_webhook)):
            external_url = f"http://compat.example:9093{prefix}"
            server = start_am(impl, AM_CONFIG.format(url=hook.url), route_prefix=prefix, external_url=external_url)
            setups.append((server, hook, external_url))
        targets = "".join(
            PROM_TARGET.format(prefix=server.route_prefix or "/", address=server.address) for server, _, _ in setups
        )
        prom = start_prom(PROM_CONFIG + targets, FIRING_RULES)

        for server, hook, external_url in setups:
            what = f"firing notification from {impl} at {server.url}"
            firing = hook.wait_for(status_is("firing"), timeout=30, what=what)
            check_payload(firing.payload, external_url, prom, "firing")
            assert firing.path == "/hook"
            check_api_view(server, firing.payload)

        prom.reload_rules(RESOLVED_RULES)
        for server, hook, external_url in setups:
            what = f"resolved notification from {impl} at {server.url}"
            resolved = hook.wait_for(status_is("resolved"), timeout=30, what=what)
            check_payload(resolved.payload, external_url, prom, "resolved")
            # One firing notification only: repeat_interval is an hour and nothing changed.
            assert [d.payload["status"] for d in hook.deliveries] == ["firing", "resolved"]
