"""Read-only commands print exactly what Debian's amtool 0.25 prints for the same server state.

Both tools query the same server one after the other, so even timestamps must agree byte for byte; the
server runs once as Alertmanager and once as Tocsin.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from tests.compat.compat_support import ServerProcess, http_json, wait_until

from .cli_support import Run, amtool, tocsin

pytestmark = pytest.mark.peer


def both(server: ServerProcess, home: Path, *args: str) -> tuple[Run, Run]:
    flag = f"--alertmanager.url={server.url}"
    return tocsin([*args, flag], home), amtool([flag, *args], home)


def assert_same(server: ServerProcess, home: Path, *args: str, code: int = 0) -> str:
    ours, theirs = both(server, home, *args)
    assert theirs.code == code, f"amtool {args} exited {theirs.code}: {theirs.stderr}"
    assert ours.code == code, f"tocsin {args} exited {ours.code}: {ours.stderr}"
    assert ours.stdout == theirs.stdout, f"output differs for {args}"
    return ours.stdout


def post_alerts(server: ServerProcess, alerts: list[dict[str, Any]]) -> None:
    status, body = http_json("POST", server.api("/alerts"), alerts)
    assert status == 200, body


def post_silence(server: ServerProcess, silence: dict[str, Any]) -> str:
    status, body = http_json("POST", server.api("/silences"), silence)
    assert status == 200, body
    return str(body["silenceID"])


def matcher(name: str, value: str, regex: bool = False, equal: bool = True) -> dict[str, Any]:
    return {"name": name, "value": value, "isRegex": regex, "isEqual": equal}


@pytest.fixture
def tag() -> str:
    """A label value unique to the test, so tests sharing a server only see their own alerts/silences."""
    return "t" + uuid.uuid4().hex[:12]


def seed_alerts(server: ServerProcess, tag: str) -> None:
    post_alerts(
        server,
        [
            {
                "labels": {"alertname": "DiskFull", "tag": tag, "severity": "warning", "team": "db"},
                "annotations": {"summary": "disk <90%> & rising", "runbook": "http://rb/disk"},
                "startsAt": "2026-01-02T03:04:05.678Z",
                "endsAt": "2099-01-01T00:00:00Z",
                "generatorURL": "http://prometheus/graph?g0.expr=up",
            },
            {
                "labels": {"alertname": "HighLatency", "tag": tag, "severity": "critical", "team": "web"},
                "annotations": {"summary": 'p99 "slow" — ünïcode'},
                "startsAt": "2026-01-01T10:00:00Z",
                "endsAt": "2099-01-01T00:00:00Z",
            },
            {
                "labels": {"alertname": "Outage", "tag": tag, "service": "api", "env": "dev"},
                "startsAt": "2026-01-03T00:00:00.5Z",
                "endsAt": "2099-01-01T00:00:00Z",
            },
            {
                "labels": {"alertname": "Muted", "tag": tag},
                "startsAt": "2026-01-04T00:00:00Z",
                "endsAt": "2099-01-01T00:00:00Z",
            },
        ],
    )
    post_silence(
        server,
        {
            "matchers": [matcher("tag", tag), matcher("alertname", "Muted")],
            "startsAt": "2026-01-01T00:00:00Z",
            "endsAt": "2099-01-01T00:00:00Z",
            "createdBy": "tests",
            "comment": "muted",
        },
    )

    def settled() -> bool:
        out = amtool(
            [f"--alertmanager.url={server.url}", "-o", "extended", "alert", "query", "-s", "-i", f"tag={tag}"],
            Path("/nonexistent"),
        )
        return out.stdout.count("suppressed") == 2

    wait_until(settled, 10, "the inhibited and the silenced alert to show as suppressed")


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["-o", "extended"],
        ["-o", "json"],
        ["--output=simple"],
        ["-s", "-i"],
        ["-s", "-i", "-a", "-o", "extended"],
        ["--silenced"],
        ["--inhibited", "-o", "json"],
        ["-r", "db.*"],
        ["--receiver", "pager"],
        ["--date.format", "Jan _2 03:04:05.000PM Mon -0700 MST"],
        ["--date.format=2006-01-02T15:04:05.999999999Z07:00"],
    ],
)
def test_alert_query_output_matches_amtool(server: ServerProcess, home: Path, tag: str, args: list[str]) -> None:
    seed_alerts(server, tag)
    out = assert_same(server, home, "alert", "query", f"tag={tag}", *args)
    assert tag in out or "Alertname" in out or "Labels" in out


def test_alert_query_filters_match_amtool(server: ServerProcess, home: Path, tag: str) -> None:
    seed_alerts(server, tag)
    # The bare first word is the alertname, as in amtool; regex and negative matchers pass through.
    out = assert_same(server, home, "alert", "query", "HighLatency", f"tag={tag}", "-o", "extended")
    assert 'alertname="HighLatency"' in out and "Outage" not in out
    assert_same(server, home, "alert", "query", "alertname=~High.*", f"tag={tag}")
    assert_same(server, home, "alert", "query", f"tag={tag}", "severity!=warning", "-o", "json")
    # `alert` alone is `alert query`.
    assert_same(server, home, "alert", f"tag={tag}", "-o", "extended")


def test_alert_query_shows_states(server: ServerProcess, home: Path, tag: str) -> None:
    seed_alerts(server, tag)
    out = tocsin(["alert", "query", f"tag={tag}", "-s", "-i", "-a", f"--alertmanager.url={server.url}"], home)
    rows = {line.split()[0]: line.split()[-1] for line in out.stdout.splitlines()[1:]}
    assert rows == {"HighLatency": "active", "DiskFull": "suppressed", "Outage": "active", "Muted": "suppressed"}
    active_only = tocsin(["alert", f"tag={tag}", f"--alertmanager.url={server.url}"], home).stdout
    assert "DiskFull" not in active_only and "Muted" not in active_only and "Outage" in active_only


def seed_silences(server: ServerProcess, tag: str) -> dict[str, str]:
    ids = {
        "soon": post_silence(
            server,
            {
                "matchers": [matcher("tag", tag), matcher("alertname", 'quote"back\\slash\nnl')],
                "startsAt": "2026-01-01T00:00:00Z",
                "endsAt": "2098-01-01T00:30:00Z",
                "createdBy": "alice",
                "comment": "first <one> & only",
            },
        ),
        "later": post_silence(
            server,
            {
                "matchers": [
                    matcher("tag", tag),
                    matcher("team", "db|web", regex=True),
                    matcher("env", "prod", equal=False),
                    matcher("job", "x.*", regex=True, equal=False),
                ],
                "startsAt": "2026-01-01T00:00:00Z",
                "endsAt": "2099-06-01T12:00:00Z",
                "createdBy": "bob",
                "comment": "ünïcode comment",
            },
        ),
        "pending": post_silence(
            server,
            {
                "matchers": [matcher("tag", tag)],
                "startsAt": "2098-06-01T00:00:00+02:00",
                "endsAt": "2098-07-01T00:00:00Z",
                "createdBy": "alice",
                "comment": "future",
            },
        ),
        "expired": post_silence(
            server,
            {
                "matchers": [matcher("tag", tag), matcher("alertname", "Gone")],
                "startsAt": "2026-01-01T00:00:00Z",
                "endsAt": "2099-01-01T00:00:00Z",
                "createdBy": "carol",
                "comment": "expired soon",
            },
        ),
    }
    status, body = http_json("DELETE", server.api(f"/silence/{ids['expired']}"))
    assert status == 200, body
    return ids


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["-o", "extended"],
        ["-o", "json"],
        ["-q"],
        ["--quiet", "-o", "json"],
        ["--expired"],
        ["--expired", "-o", "extended"],
        ["--expired", "--within", "1h"],
        ["--within", "876000h"],
        ["--created-by", "alice"],
        ["--created-by=bob", "-o", "extended"],
        ["--date.format", "02 Jan 06 15:04 -07:00"],
    ],
)
def test_silence_query_output_matches_amtool(server: ServerProcess, home: Path, tag: str, args: list[str]) -> None:
    seed_silences(server, tag)
    assert_same(server, home, "silence", "query", f"tag={tag}", *args)


def test_silence_query_selects_like_amtool(server: ServerProcess, home: Path, tag: str) -> None:
    ids = seed_silences(server, tag)
    # -q keeps the server's order; the tables sort by end time.
    quiet = assert_same(server, home, "silence", f"tag={tag}", "-q").split()
    assert sorted(quiet) == sorted([ids["soon"], ids["pending"], ids["later"]])
    table = assert_same(server, home, "silence", f"tag={tag}")
    assert [line.split()[0] for line in table.splitlines()[1:]] == [ids["soon"], ids["pending"], ids["later"]]
    assert assert_same(server, home, "silence", "query", f"tag={tag}", "--expired", "-q").split() == [ids["expired"]]
    within = assert_same(server, home, "silence", "query", f"tag={tag}", "--within", "630000h", "-q").split()
    assert sorted(within) == sorted([ids["soon"], ids["pending"]])


def test_config_show_matches_amtool(server: ServerProcess, home: Path) -> None:
    out = assert_same(server, home, "config", "show")
    assert "receiver: db-pager" in out
    assert_same(server, home, "config")
    assert_same(server, home, "config", "show", "-o", "json")


@pytest.mark.parametrize(
    "args",
    [
        ["config", "routes"],
        ["config", "routes", "show"],
        ["config", "routes", "test"],
        ["config", "routes", "test", "team=db"],
        ["config", "routes", "test", "severity=critical", "team=db", "--tree"],
        ["config", "routes", "test", "--tree", "severity=critical", "team=web2"],
        ["config", "routes", "test", "--tree", "service=auth", "env=dev"],
        ["config", "routes", "test", "--tree"],
        ["config", "routes", "test", "--verify.receivers=db-pager,db", "severity=critical", "team=db"],
    ],
)
def test_routes_match_amtool(server: ServerProcess, home: Path, args: list[str]) -> None:
    assert_same(server, home, *args)


def test_routes_verify_failure_matches_amtool(server: ServerProcess, home: Path) -> None:
    out = assert_same(server, home, "config", "routes", "test", "--verify.receivers=db", "team=web", code=1)
    assert out == "web\nWARNING: Expected receivers did not match resolved receivers.\n"
