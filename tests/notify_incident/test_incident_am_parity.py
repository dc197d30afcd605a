"""Debian's real Alertmanager 0.25 and Tocsin, given the same configuration file and the same alert, must send
PagerDuty, Opsgenie and VictorOps the same request bodies (the reference run is the specification)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from tests.compat.compat_support import ServerProcess, http_json, start_server, wait_until
from tests.notify.loopback import LoopbackService, Received

from tocsin.config import load_config_text
from tocsin.model.alert import Alert
from tocsin.model.labels import fingerprint
from tocsin.notify import opsgenie, pagerduty, victorops
from tocsin.notify.context import NotifyContext
from tocsin.notify.integration import NotifierDeps

EXTERNAL_URL = "http://am.example:9093"
ROUTING_KEY = "R0UT1NGK3Y0123456789abcdefabcdef"
LABELS = {"alertname": "DiskFull", "instance": "db1", "severity": "critical", "team": "dba"}
ANNOTATIONS = {"summary": "disk full on db1", "description": "/var at 99%"}
GENERATOR_URL = "http://prometheus.example/graph?g0.expr=disk"
STARTS_AT = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


def config_text(base: str) -> str:
    return f"""
route:
  receiver: ops
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
- name: ops
  pagerduty_configs:
  - routing_key: {ROUTING_KEY}
    url: {base}/pd/v2/enqueue
    severity: '{{{{ .CommonLabels.severity }}}}'
    component: '{{{{ .CommonLabels.instance }}}}'
    group: storage
    class: disk
    details:
      team: '{{{{ .CommonLabels.team }}}}'
    links:
    - href: '{{{{ .ExternalURL }}}}/runbook'
      text: runbook
    images:
    - src: https://graphs.example/{{{{ .GroupLabels.alertname }}}}.png
      alt: graph
      href: https://graphs.example/
  opsgenie_configs:
  - api_key: opsgenie-key
    api_url: {base}/og/
    priority: P2
    tags: 'disk,{{{{ .CommonLabels.team }}}}'
    entity: '{{{{ .CommonLabels.instance }}}}'
    responders:
    - name: sre
      type: team
    details:
      runbook: https://runbooks.example/disk
  victorops_configs:
  - api_key: victorops-key
    api_url: {base}/vo/
    routing_key: '{{{{ .CommonLabels.team }}}}'
    custom_fields:
      owner: '{{{{ .CommonLabels.team }}}}'
"""


@pytest.fixture
def alertmanager(service: LoopbackService, tmp_path: Path) -> Iterator[ServerProcess]:
    server = start_server("alertmanager", config_text(service.url), tmp_path / "am", external_url=EXTERNAL_URL)
    try:
        yield server
    finally:
        server.stop()


def post_alert(server: ServerProcess, ends_at: datetime | None) -> None:
    alert: dict[str, Any] = {
        "labels": LABELS,
        "annotations": ANNOTATIONS,
        "startsAt": STARTS_AT.isoformat(),
        "generatorURL": GENERATOR_URL,
    }
    if ends_at is not None:
        alert["endsAt"] = ends_at.isoformat()
    status, body = http_json("POST", server.api("/alerts"), [alert])
    assert status == 200, body


def by_channel(requests: list[Received]) -> dict[str, list[tuple[str, str, Any]]]:
    out: dict[str, list[tuple[str, str, Any]]] = {"pd": [], "og": [], "vo": []}
    for r in requests:
        channel, _, rest = r.path.lstrip("/").partition("/")
        out[channel].append((r.method, "/" + rest, r.json()))
    return out


async def tocsin_requests(service: LoopbackService, deps: NotifierDeps, resolved: bool) -> list[Received]:
    cfg = load_config_text(config_text(service.url), filename="parity.yml")
    receiver = cfg.receivers[0]
    now = datetime.now(UTC)
    alert = Alert(
        dict(LABELS),
        dict(ANNOTATIONS),
        STARTS_AT,
        now - timedelta(seconds=1) if resolved else None,
        now,
        GENERATOR_URL,
        fingerprint=fingerprint(LABELS),
    )
    ctx = NotifyContext(
        group_key='{}:{alertname="DiskFull"}',
        group_labels={"alertname": "DiskFull"},
        receiver="ops",
        now=now,
        repeat_interval=3600.0,
        external_url=EXTERNAL_URL,
    )
    before = len(service.requests)
    await pagerduty.build(receiver.pagerduty_configs[0], deps).notify(ctx, [alert])
    await opsgenie.build(receiver.opsgenie_configs[0], deps).notify(ctx, [alert])
    await victorops.build(receiver.victorops_configs[0], deps).notify(ctx, [alert])
    return service.requests[before:]


def wait_for_requests(service: LoopbackService, count: int) -> list[Received]:
    wait_until(
        lambda: len(service.requests) >= count,
        timeout=15.0,
        what=lambda: f"{count} requests from Alertmanager, got {[r.path for r in service.requests]}",
    )
    time.sleep(0.1)  # nothing more may arrive: each channel sends once per flush
    return list(service.requests)


async def test_firing_and_resolved_bodies_match_alertmanager(
    service: LoopbackService, alertmanager: ServerProcess, deps: NotifierDeps
) -> None:
    post_alert(alertmanager, None)
    am_firing = by_channel(wait_for_requests(service, 3))
    post_alert(alertmanager, datetime.now(UTC) - timedelta(seconds=1))
    am_resolved = by_channel(wait_for_requests(service, 6)[3:])
    assert all(len(v) == 1 for v in am_firing.values()), am_firing
    assert all(len(v) == 1 for v in am_resolved.values()), am_resolved

    ours_firing = by_channel(await tocsin_requests(service, deps, resolved=False))
    ours_resolved = by_channel(await tocsin_requests(service, deps, resolved=True))

    assert ours_firing == am_firing
    assert ours_resolved == am_resolved
    # The comparison covers each lifecycle: trigger/resolve, create/close, CRITICAL/RECOVERY.
    assert am_firing["pd"][0][2]["event_action"] == "trigger"
    assert am_resolved["pd"][0][2]["event_action"] == "resolve"
    assert urlsplit(am_resolved["og"][0][1]).path.endswith("/close")
    assert am_resolved["vo"][0][2]["message_type"] == "RECOVERY"
