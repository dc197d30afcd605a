"""The webhook payload (version 4) field by field, for a firing and a resolved group, with
max_alerts truncation and an external URL that carries a path prefix."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from .conftest import StartServer
from .e2e_model import alert, close_to, fingerprint, iso, now, parse_time
from .e2e_webhook import WebhookReceiver

pytestmark = pytest.mark.e2e

PAYLOAD_KEYS = {
    "receiver",
    "status",
    "alerts",
    "groupLabels",
    "commonLabels",
    "commonAnnotations",
    "externalURL",
    "version",
    "groupKey",
    "truncatedAlerts",
}
ALERT_KEYS = {"status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"}
GENERATOR = "http://prometheus.example:9090/graph?g0.expr=disk_free%3C1"


def payload_config(webhook: WebhookReceiver) -> str:
    return f"""
route:
  receiver: default
  group_by: [alertname]
  group_wait: 200ms
  group_interval: 500ms
  repeat_interval: 1h
  routes:
  - receiver: team
    matchers: ['team="a"']
    group_by: [alertname, cluster]
receivers:
- name: default
  webhook_configs:
  - url: '{webhook.url("default")}'
- name: team
  webhook_configs:
  - url: '{webhook.url("team")}'
    max_alerts: 2
"""


def test_webhook_payload_shape_firing_and_resolved(
    impl: str, webhook: WebhookReceiver, start_server: StartServer
) -> None:
    server = start_server(impl, payload_config(webhook), route_prefix="/am")
    assert httpx.get(f"{server.base_url}/-/healthy", timeout=5).status_code == 200

    start = now() - timedelta(milliseconds=100)
    posted = {
        f"i{i}": alert(
            "Disk",
            starts=start,
            generator_url=GENERATOR,
            annotations={"summary": "disk full", "runbook": f"rb-{i}"},
            team="a",
            cluster="c1",
            instance=f"i{i}",
        )
        for i in (1, 2, 3)
    }
    server.api.post_alerts(*posted.values())
    api_fps = {a["labels"]["instance"]: a["fingerprint"] for a in server.api.get_alerts()}

    d = webhook.wait_for("team", 1, timeout=3)[0]
    p = d.payload
    assert set(p) == PAYLOAD_KEYS
    assert d.headers.get("content-type", "").startswith("application/json")
    assert p["version"] == "4"
    assert p["receiver"] == "team"
    assert p["status"] == "firing"
    assert p["groupKey"] == '{}/{team="a"}:{alertname="Disk", cluster="c1"}'
    assert p["groupLabels"] == {"alertname": "Disk", "cluster": "c1"}
    assert p["externalURL"] == f"http://127.0.0.1:{server.port}/am"
    assert p["truncatedAlerts"] == 1
    assert len(p["alerts"]) == 2
    assert p["commonLabels"] == {"alertname": "Disk", "cluster": "c1", "team": "a"}
    assert p["commonAnnotations"] == {"summary": "disk full"}
    for a in p["alerts"]:
        assert set(a) == ALERT_KEYS
        instance = a["labels"]["instance"]
        assert a["labels"] == posted[instance]["labels"]
        assert a["annotations"] == posted[instance]["annotations"]
        assert a["status"] == "firing"
        assert a["generatorURL"] == GENERATOR
        assert close_to(a["startsAt"], start), a["startsAt"]
        assert parse_time(a["endsAt"]).year == 1, "firing alerts carry the zero endsAt"
        assert a["fingerprint"] == fingerprint(a["labels"]) == api_fps[instance]
    assert webhook.attempts("default") == []

    end = now()
    server.api.post_alerts(*({**body, "endsAt": iso(end)} for body in posted.values()))
    r = webhook.wait_for("team", 2, timeout=3)[1].payload
    assert set(r) == PAYLOAD_KEYS
    assert r["status"] == "resolved"
    assert r["groupKey"] == p["groupKey"]
    assert r["truncatedAlerts"] == 1
    for a in r["alerts"]:
        assert a["status"] == "resolved"
        assert close_to(a["endsAt"], end), a["endsAt"]
        assert close_to(a["startsAt"], start)
