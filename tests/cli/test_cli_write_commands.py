"""Commands that change server state: what they send must leave the server as amtool's would.

Each test does the same thing once with amtool and once with tocsin (told apart by one label or comment),
then reads the result back through amtool, so the server is the judge of what was sent.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from tests.compat.compat_support import ServerProcess, http_json

from .cli_support import Run, amtool, tocsin

pytestmark = pytest.mark.peer

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture
def tag() -> str:
    return "t" + uuid.uuid4().hex[:12]


def ours(server: ServerProcess, home: Path, *args: str, stdin: str | None = None) -> Run:
    return tocsin([*args, f"--alertmanager.url={server.url}"], home, stdin)


def theirs(server: ServerProcess, home: Path, *args: str) -> Run:
    return amtool([f"--alertmanager.url={server.url}", *args], home)


def ok(run: Run) -> str:
    assert run.code == 0, run.stderr
    assert run.stderr == ""
    return run.stdout


def alerts_json(server: ServerProcess, home: Path, tag: str) -> list[dict[str, Any]]:
    out = ok(theirs(server, home, "alert", "query", f"tag={tag}", "-s", "-i", "-a", "-u", "-o", "json"))
    data: list[dict[str, Any]] = json.loads(out)
    return data


def silences_json(server: ServerProcess, home: Path, tag: str, *extra: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        ok(theirs(server, home, "silence", "query", f"tag={tag}", "-o", "json", *extra))
    )
    return data


def test_alert_add_sends_what_amtool_sends(server: ServerProcess, home: Path, tag: str) -> None:
    args = [
        "DiskFull",
        f"tag={tag}",
        'path="/var/lib"',
        '--annotation=summary="disk <full> & \\"hot\\""',
        "--annotation",
        "runbook=http://rb/1",
        "--generator-url=http://prom/graph",
        "--start=2026-01-01T10:00:00+01:00",
        "--end=2099-01-01T00:00:00Z",
    ]
    assert ok(theirs(server, home, "alert", "add", *args, "by=amtool")) == ""
    assert ok(ours(server, home, "alert", "add", *args, "by=tocsin")) == ""
    alerts = {a["labels"]["by"]: a for a in alerts_json(server, home, tag)}
    assert set(alerts) == {"amtool", "tocsin"}
    for a in alerts.values():
        del a["labels"]["by"], a["fingerprint"], a["updatedAt"]
    assert alerts["tocsin"] == alerts["amtool"]
    assert alerts["tocsin"]["labels"] == {"alertname": "DiskFull", "tag": tag, "path": "/var/lib"}
    assert alerts["tocsin"]["annotations"]["summary"] == 'disk <full> & "hot"'


def test_alert_add_first_word_rules(server: ServerProcess, home: Path, tag: str) -> None:
    # A first argument that is not a key=value label is the alertname, even `a!=b`, as in amtool.
    ok(theirs(server, home, "alert", "add", "x!=y", f"tag={tag}", "by=amtool"))
    ok(ours(server, home, "alert", "add", "x!=y", f"tag={tag}", "by=tocsin"))
    names = {a["labels"]["by"]: a["labels"]["alertname"] for a in alerts_json(server, home, tag)}
    assert names == {"amtool": "x!=y", "tocsin": "x!=y"}


def test_silence_add_sends_what_amtool_sends(server: ServerProcess, home: Path, tag: str) -> None:
    common = [f"tag={tag}", 'team=~"db|web"', "env!=prod", "--start=2099-01-01T00:00:00+02:00", "-a", "alice"]
    sid_theirs = ok(theirs(server, home, "silence", "add", "Foo", *common, "-d", "90m", "-c", "amtool")).strip()
    sid_ours = ok(ours(server, home, "silence", "add", "Foo", *common, "-d", "90m", "-c", "tocsin")).strip()
    assert UUID_RE.match(sid_ours) and sid_ours != sid_theirs
    by_comment = {s["comment"]: s for s in silences_json(server, home, tag)}
    assert by_comment["tocsin"]["id"] == sid_ours
    for s in by_comment.values():
        del s["id"], s["updatedAt"], s["comment"]
    assert by_comment["tocsin"] == by_comment["amtool"]
    assert by_comment["tocsin"]["endsAt"] == "2098-12-31T23:30:00.000Z"  # start (in UTC) + 90m


def test_silence_add_defaults(server: ServerProcess, home: Path, tag: str) -> None:
    (home / ".config/prometheus").mkdir(parents=True)
    (home / ".config/prometheus/amtool.yml").write_text("author: from-config\nrequire-comment: false\n")
    sid = ok(ours(server, home, "silence", "add", f"tag={tag}")).strip()
    [s] = silences_json(server, home, tag)
    assert (s["id"], s["createdBy"], s["comment"]) == (sid, "from-config", "")
    length = GoTimeDelta.seconds(s["startsAt"], s["endsAt"])
    assert abs(length - 3600) < 1  # --duration defaults to 1h


class GoTimeDelta:
    @staticmethod
    def seconds(start: str, end: str) -> float:
        from tocsin.api.client import GoTime

        return (GoTime.parse(end).epoch_ns - GoTime.parse(start).epoch_ns) / 1e9


def test_silence_expire(server: ServerProcess, home: Path, tag: str) -> None:
    ids = [ok(ours(server, home, "silence", "add", f"tag={tag}", f"n={i}", "-c", "x")).strip() for i in range(2)]
    assert ok(ours(server, home, "silence", "expire", *ids)) == ""
    expired = ok(theirs(server, home, "silence", "query", f"tag={tag}", "--expired", "-q")).split()
    assert sorted(expired) == sorted(ids)
    assert ok(theirs(server, home, "silence", "query", f"tag={tag}", "-q")) == ""


def test_silence_expire_unknown_id_fails_like_amtool(server: ServerProcess, home: Path) -> None:
    missing = str(uuid.uuid4())
    run = ours(server, home, "silence", "expire", missing)
    assert theirs(server, home, "silence", "expire", missing).code != 0
    assert run.code == 1
    assert run.stderr.startswith("tocsin: error: DELETE /silence/" + missing)


def test_silence_import_round_trip(server: ServerProcess, home: Path, tag: str) -> None:
    for i in range(3):
        ok(ours(server, home, "silence", "add", f"tag={tag}", f"n={i}", "-c", f"c{i}", "-d", f"{i + 1}h"))
    exported = ok(ours(server, home, "silence", "query", f"tag={tag}", "-o", "json"))
    before = {s["id"] for s in json.loads(exported)}

    forced = ok(ours(server, home, "silence", "import", "--force", "-w", "2", stdin=exported)).split()
    assert len(forced) == 3 and not before & set(forced) and all(UUID_RE.match(i) for i in forced)
    assert len(silences_json(server, home, tag)) == 6

    # An ID the server does not know is created anew, as amtool does on a 404.
    foreign = json.loads(exported)[:1]
    foreign[0]["id"] = str(uuid.uuid4())
    created = ok(ours(server, home, "silence", "import", stdin=json.dumps(foreign))).split()
    assert len(created) == 1 and created[0] != foreign[0]["id"]
    comments = sorted(s["comment"] for s in silences_json(server, home, tag))
    assert comments == ["c0", "c0", "c0", "c1", "c1", "c2", "c2"]


def test_silence_import_reports_refused_silences(server: ServerProcess, home: Path, tag: str) -> None:
    bad = [
        {
            "matchers": [{"name": "tag", "value": tag, "isRegex": False, "isEqual": True}],
            "startsAt": "2099-02-01T00:00:00Z",
            "endsAt": "2099-01-01T00:00:00Z",
            "createdBy": "x",
            "comment": "ends before it starts",
        }
    ]
    run = ours(server, home, "silence", "import", stdin=json.dumps(bad))
    assert run.code == 1
    assert "Error adding silence id=''" in run.stderr
    assert "couldn't import 1 out of 1 silences" in run.stderr


def test_silence_update(server: ServerProcess, home: Path, tag: str) -> None:
    sid = ok(ours(server, home, "silence", "add", f"tag={tag}", "-c", "old", "--start", "2099-01-01T00:00:00Z")).strip()
    out = ok(ours(server, home, "silence", "update", sid, "-c", "new comment", "-d", "48h"))
    # The update prints the silence as `silence query` would show it now.
    assert out == ok(theirs(server, home, "silence", "query", f"tag={tag}"))
    [s] = silences_json(server, home, tag)
    assert s["comment"] == "new comment" and s["endsAt"] == "2099-01-03T00:00:00.000Z"
    quiet = ok(ours(server, home, "silence", "update", s["id"], "--end", "2100-01-01T00:00:00Z", "-q")).split()
    [s2] = silences_json(server, home, tag)
    assert quiet == [s2["id"]] and s2["endsAt"] == "2100-01-01T00:00:00.000Z"


def test_silence_update_errors(server: ServerProcess, home: Path, tag: str) -> None:
    sid = ok(ours(server, home, "silence", "add", f"tag={tag}", "-c", "x", "--start", "2099-01-01T00:00:00Z")).strip()
    run = ours(server, home, "silence", "update", sid, "--end", "2098-01-01T00:00:00Z")
    assert run.code == 1 and "cannot start after it ends" in run.stderr
    missing = str(uuid.uuid4())
    run = ours(server, home, "silence", "update", missing, "-c", "y")
    assert run.code == 1 and f"GET /silence/{missing}: 404" in run.stderr
    status, _ = http_json("GET", server.api(f"/silence/{sid}"))
    assert status == 200
