"""Debian's `amtool`, unchanged, driving the server under test over API v2.

amtool is what operators script against; it decodes responses with the
generated OpenAPI client, so wrong status codes, field names or time formats
show up here as command failures or missing rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml

from .compat_support import AMTOOL_BIN, IMPLEMENTATIONS, ServerProcess, alert_fingerprint, run_tool, wait_until

pytestmark = pytest.mark.peer

CONFIG = """\
global:
  resolve_timeout: 5m
route:
  receiver: default
  group_by: [alertname]
  group_wait: 30s
  routes:
  - matchers: ['severity="critical"']
    receiver: pager
    continue: true
  - match:
      team: db
    receiver: db
inhibit_rules:
- source_matchers: ['alertname="DatacenterDown"']
  target_matchers: ['alertname="DiskFull"']
  equal: [dc]
receivers:
- name: default
- name: pager
- name: db
"""

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def amtool(server: ServerProcess, *args: str) -> str:
    """Run amtool against `server`; it must succeed and print nothing on stderr.

    amtool warns on stderr when the server's versionInfo.version differs in
    major.minor from its own (0.25), and scripts (the upstream CLI acceptance
    tests among them) parse combined output, so silence is part of compatibility.
    """
    result = run_tool([AMTOOL_BIN, f"--alertmanager.url={server.url}", *args])
    assert result.stderr == "", f"amtool {' '.join(args)} wrote to stderr: {result.stderr}"
    return result.stdout


def amtool_json(server: ServerProcess, *args: str) -> Any:
    return json.loads(amtool(server, *args, "--output=json"))


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def by_name(alerts: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {a["labels"]["alertname"]: a for a in alerts}


def table_rows(output: str) -> list[list[str]]:
    """amtool's simple table: columns separated by two or more spaces."""
    return [re.split(r"\s{2,}", line.strip()) for line in output.splitlines() if line.strip()]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_amtool_alert_add_and_query(impl: str, start_am: Callable[..., ServerProcess]) -> None:
    server = start_am(impl, CONFIG)
    started = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    amtool(server, "alert", "add", "CompatDown", "severity=critical", "team=db", "--annotation=summary=db is down")
    amtool(server, "alert", "add", "alertname=Other", "severity=warning", f"--start={started.isoformat()}")
    added_at = datetime.now(UTC)

    alerts = by_name(amtool_json(server, "alert", "query"))
    assert set(alerts) == {"CompatDown", "Other"}
    down, other = alerts["CompatDown"], alerts["Other"]
    assert down["labels"] == {"alertname": "CompatDown", "severity": "critical", "team": "db"}
    assert down["annotations"] == {"summary": "db is down"}
    assert other["annotations"] == {}
    # Clients recompute fingerprints: it must be Prometheus' label-set hash.
    assert down["fingerprint"] == alert_fingerprint(down["labels"])
    assert other["fingerprint"] == alert_fingerprint(other["labels"])
    # The routing tree decides receivers: `continue: true` yields both matches, in tree order.
    assert [r["name"] for r in down["receivers"]] == ["pager", "db"]
    assert [r["name"] for r in other["receivers"]] == ["default"]
    for alert in (down, other):
        assert alert["status"] == {"state": "active", "silencedBy": [], "inhibitedBy": []}
        # No endsAt sent: the alert expires resolve_timeout after it was received.
        ends = parse_time(alert["endsAt"])
        assert abs(ends - (added_at + timedelta(minutes=5))) < timedelta(seconds=30), alert["endsAt"]
    assert parse_time(other["startsAt"]) == started
    # A zero startsAt (amtool sends 0001-01-01 without --start) means "now".
    assert abs(parse_time(down["startsAt"]) - added_at) < timedelta(seconds=30), down["startsAt"]

    # Filters are matchers; a bare first word is taken as the alertname.
    assert set(by_name(amtool_json(server, "alert", "query", "severity=critical"))) == {"CompatDown"}
    assert set(by_name(amtool_json(server, "alert", "query", 'team=~"d.+"'))) == {"CompatDown"}
    assert set(by_name(amtool_json(server, "alert", "query", "Other"))) == {"Other"}
    assert amtool_json(server, "alert", "query", "severity!~.+") == []
    assert set(by_name(amtool_json(server, "alert", "query", "--receiver=pag.*"))) == {"CompatDown"}

    rows = table_rows(amtool(server, "alert", "query"))
    assert rows[0] == ["Alertname", "Starts At", "Summary", "State"]
    down_row = next(row for row in rows if row[0] == "CompatDown")
    assert down_row[2:] == ["db is down", "active"]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_amtool_inhibited_alerts(impl: str, start_am: Callable[..., ServerProcess]) -> None:
    server = start_am(impl, CONFIG)
    amtool(server, "alert", "add", "DiskFull", "dc=eu1")
    amtool(server, "alert", "add", "DiskFull", "dc=us1")
    amtool(server, "alert", "add", "DatacenterDown", "dc=eu1")

    source_fp = alert_fingerprint({"alertname": "DatacenterDown", "dc": "eu1"})
    # Inhibition is evaluated when queried, without waiting for a group flush. Alertmanager
    # learns new source alerts asynchronously (its own acceptance test races on this under
    # load), so allow it a moment; Tocsin should not need it.
    inhibited: list[dict[str, Any]] = []

    def inhibition_applied() -> bool:
        inhibited[:] = amtool_json(server, "alert", "query", "--inhibited")
        return bool(inhibited)

    wait_until(inhibition_applied, timeout=5, what="DiskFull{dc=eu1} to be inhibited")
    assert [a["labels"] for a in inhibited] == [{"alertname": "DiskFull", "dc": "eu1"}]
    assert inhibited[0]["status"] == {"state": "suppressed", "silencedBy": [], "inhibitedBy": [source_fp]}
    shown = amtool_json(server, "alert", "query")
    assert sorted(a["labels"]["dc"] + a["labels"]["alertname"] for a in shown) == [
        "eu1DatacenterDown",
        "us1DiskFull",
    ]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_amtool_silence_lifecycle(impl: str, start_am: Callable[..., ServerProcess]) -> None:
    server = start_am(impl, CONFIG)
    amtool(server, "alert", "add", "CompatDown", "severity=critical")
    amtool(server, "alert", "add", "Other", "severity=warning")

    before = datetime.now(UTC)
    sid = amtool(
        server,
        "silence",
        "add",
        "severity=critical",
        "--comment=maintenance",
        "--author=ops@example.com",
        "--duration=2h",
    ).strip()
    assert UUID_RE.match(sid), f"silence add should print only the new id, got {sid!r}"
    regex_sid = amtool(server, "silence", "add", 'alertname=~"Oth.*"', "--comment=regex", "-a", "bob").strip()
    assert UUID_RE.match(regex_sid)

    assert sorted(amtool(server, "silence", "query", "--quiet").split()) == sorted([sid, regex_sid])
    silences = {s["id"]: s for s in amtool_json(server, "silence", "query")}
    sil = silences[sid]
    assert sil["status"] == {"state": "active"}
    assert sil["comment"] == "maintenance"
    assert sil["createdBy"] == "ops@example.com"
    assert sil["matchers"] == [{"name": "severity", "value": "critical", "isRegex": False, "isEqual": True}]
    assert silences[regex_sid]["matchers"] == [
        {"name": "alertname", "value": "Oth.*", "isRegex": True, "isEqual": True}
    ]
    duration = parse_time(sil["endsAt"]) - parse_time(sil["startsAt"])
    assert abs(duration - timedelta(hours=2)) < timedelta(seconds=5)
    assert abs(parse_time(sil["startsAt"]) - before) < timedelta(seconds=30)
    # A matcher query filters silences by their matchers.
    assert amtool(server, "silence", "query", "--quiet", "severity=critical").split() == [sid]

    # Silenced alerts leave the default (active) view at once and show as suppressed.
    assert amtool_json(server, "alert", "query") == []
    silenced = by_name(amtool_json(server, "alert", "query", "--silenced"))
    assert silenced["CompatDown"]["status"] == {"state": "suppressed", "silencedBy": [sid], "inhibitedBy": []}
    assert silenced["Other"]["status"]["silencedBy"] == [regex_sid]

    amtool(server, "silence", "expire", sid)
    assert amtool(server, "silence", "query", "--quiet").split() == [regex_sid]
    expired = {s["id"]: s for s in amtool_json(server, "silence", "query", "--expired")}
    assert set(expired) == {sid}
    assert expired[sid]["status"] == {"state": "expired"}
    assert parse_time(expired[sid]["endsAt"]) <= datetime.now(UTC)
    assert [a["labels"]["alertname"] for a in amtool_json(server, "alert", "query")] == ["CompatDown"]

    # Expiring an unknown silence is an error (Alertmanager 0.25 answers 500 "silence not found").
    missing = run_tool(
        [AMTOOL_BIN, f"--alertmanager.url={server.url}", "silence", "expire", "00000000-0000-4000-8000-000000000000"],
        check=False,
    )
    assert missing.returncode != 0


ROUTES_TREE = """\
Routing tree:
.
└── default-route  receiver: default
    ├── {severity="critical"}  continue: true  receiver: pager
    └── {team="db"}  receiver: db
"""


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_amtool_config_routes(impl: str, start_am: Callable[..., ServerProcess]) -> None:
    # amtool fetches /api/v2/status and parses config.original with Alertmanager's strict
    # loader, so that field must stay a valid Alertmanager configuration.
    server = start_am(impl, CONFIG)
    assert amtool(server, "config", "routes", "show").strip() == ROUTES_TREE.strip()
    assert amtool(server, "config", "routes", "test", "severity=critical", "team=db").strip() == "pager,db"
    assert amtool(server, "config", "routes", "test", "team=db").strip() == "db"
    assert amtool(server, "config", "routes", "test", "foo=bar").strip() == "default"
    wrong = run_tool(
        [
            AMTOOL_BIN,
            f"--alertmanager.url={server.url}",
            "config",
            "routes",
            "test",
            "--verify.receivers=pager",
            "team=db",
        ],
        check=False,
    )
    assert wrong.returncode != 0

    shown = yaml.safe_load(amtool(server, "config", "show"))
    assert shown["route"]["receiver"] == "default"
    assert shown["route"]["group_by"] == ["alertname"]
    assert [r["name"] for r in shown["receivers"]] == ["default", "pager", "db"]
    assert shown["global"]["resolve_timeout"] == "5m"

    # Started with an empty --cluster.listen-address, clustering is off.
    cluster = amtool(server, "cluster", "show")
    assert re.search(r"^Cluster Status:\s+disabled$", cluster, re.MULTILINE), cluster


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_amtool_config_routes_after_reload(impl: str, start_am: Callable[..., ServerProcess]) -> None:
    server = start_am(impl, CONFIG)
    assert amtool(server, "config", "routes", "test", "team=db").strip() == "db"
    server.reload(CONFIG.replace("receiver: db\n", "receiver: dba\n").replace("- name: db\n", "- name: dba\n"))
    last: list[str] = []

    def reloaded() -> bool:
        args = [AMTOOL_BIN, f"--alertmanager.url={server.url}", "config", "routes", "test", "team=db"]
        result = run_tool(args, check=False)
        last[:] = [result.stdout, result.stderr]
        return result.stdout.strip() == "dba"

    wait_until(
        reloaded, timeout=10, what=lambda: f"{impl} to serve the reloaded routing tree after SIGHUP; amtool: {last}"
    )
    assert server.proc.poll() is None, "SIGHUP must reload, not stop the server"
