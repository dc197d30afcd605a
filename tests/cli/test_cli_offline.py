"""Pieces that need no server: Go-compatible rendering, settings, local config files, failures.

Expected strings for the tabwriter, time layouts and JSON escaping were produced by Go 1.19's standard
library (the toolchain Debian's amtool 0.25 is built with).
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from tocsin.api.cli_format import TreeNode, render_tree, tabwrite
from tocsin.api.client import GettableSilence, GoTime, api_base_url, go_json
from tocsin.api.commands import select_silences

from .cli_support import amtool, tocsin


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\tbb\tccc\t\nxxxx\ty\tz\t\n", "a     bb  ccc  \nxxxx  y   z    \n"),
        ("ID\tName\t\nä€\tü\t\nlonger cell\t\t\n", "ID           Name  \nä€           ü     \nlonger cell        \n"),
        ("h1\th2\t\nonly-one-cell\nr1\tr2\t\nx\ty\tz\t\n", "h1  h2  \nonly-one-cell\nr1  r2  \nx   y   z  \n"),
        ("a\tb\ttrail\nccc\td\tmore trail\n\nno tabs here\n", "a    b  trail\nccc  d  more trail\n\nno tabs here\n"),
        ("left\tright\nx\fy\tz\t\n", "left  right\nx\ny  z  \n"),
    ],
)
def test_tabwrite_matches_go(text: str, expected: str) -> None:
    assert tabwrite(text) == expected


LAYOUT = "Jan _2 03:04PM Mon .000 .999 ,99 -07 Z07:00:00 __2 002 pm January Monday 06 1 2 3 4 5"


@pytest.mark.parametrize(
    ("value", "json_form", "default_form", "odd_form"),
    [
        (
            "2026-11-24T10:00:00.000+01:00",
            "2026-11-24T10:00:00.000+01:00",
            "2026-11-24 10:00:00 +0100",
            "Nov 24 10:00AM Tue .000   +01 +01:00:00 328 328 am November Tuesday 26 11 24 10 0 0",
        ),
        (
            "2026-11-24T17:11:24.244123456Z",
            "2026-11-24T17:11:24.244Z",
            "2026-11-24 17:11:24 UTC",
            "Nov 24 05:11PM Tue .244 .244 ,24 +00 Z 328 328 pm November Tuesday 26 11 24 5 11 24",
        ),
        (
            "2026-11-24T17:11:24Z",
            "2026-11-24T17:11:24.000Z",
            "2026-11-24 17:11:24 UTC",
            "Nov 24 05:11PM Tue .000   +00 Z 328 328 pm November Tuesday 26 11 24 5 11 24",
        ),
    ],
)
def test_go_time_layouts(value: str, json_form: str, default_form: str, odd_form: str) -> None:
    t = GoTime.parse(value)
    assert t.json() == json_form
    assert t.format("2006-01-02 15:04:05 MST") == default_form
    assert t.format(LAYOUT) == odd_form


def test_go_time_arithmetic_and_errors() -> None:
    start = GoTime.parse("2026-01-01T23:30:00.5+02:00")
    assert start.utc().json() == "2026-01-01T21:30:00.500Z"
    assert start.utc().add_seconds(3600).json() == "2026-01-01T22:30:00.500Z"
    assert start.epoch_ns < GoTime.parse("2026-01-01T21:30:00.6Z").epoch_ns
    with pytest.raises(ValueError, match="RFC 3339"):
        GoTime.parse("yesterday")
    with pytest.raises(ValueError, match="month"):
        GoTime.parse("2026-13-01T00:00:00Z")


def test_go_json_escaping() -> None:
    value = {"s": 'a<b>&c\u2028\u2029\b\f\x01\x1f\t\r\n"\\é€😀\x7f', "n": None, "l": [True, 1]}
    expected = '{"s":"a\\u003cb\\u003e\\u0026c\\u2028\\u2029\\u0008\\u000c\\u0001\\u001f\\t\\r\\n\\"\\\\é€😀\x7f",'
    assert go_json(value) == expected + '"n":null,"l":[true,1]}'


def test_api_base_url() -> None:
    assert api_base_url("http://localhost:9093/") == "http://localhost:9093/api/v2"
    assert api_base_url("https://am.example:8443/prefix/") == "https://am.example:8443/prefix/api/v2"
    assert api_base_url("127.0.0.1:9093") == "http://127.0.0.1:9093/api/v2"


def test_render_tree_shape() -> None:
    root = TreeNode(".")
    top = root.add("default-route")
    a = top.add("a")
    a.add("a1")
    top.add("b").add("b1")
    assert render_tree(root) == (
        ".\n└── default-route\n    ├── a\n    │\u00a0\u00a0 └── a1\n    └── b\n        └── b1\n"
    )


def _silence(sid: str, ends: str, author: str = "me") -> GettableSilence:
    t = GoTime.parse("2026-01-01T00:00:00Z")
    return GettableSilence(sid, "active", t, "", author, t, GoTime.parse(ends), [])


def test_select_silences_windows() -> None:
    now = GoTime.parse("2026-06-01T00:00:00Z").epoch_ns
    hour = 3600 * 10**9
    silences = [
        _silence("past-long", "2026-05-01T00:00:00Z"),
        _silence("past-recent", "2026-05-31T23:30:00Z"),
        _silence("soon", "2026-06-01T00:30:00Z", author="bob"),
        _silence("later", "2026-07-01T00:00:00Z"),
    ]

    def ids(out: list[GettableSilence]) -> list[str]:
        return [s.id for s in out]

    assert ids(select_silences(silences, False, 0, "", now)) == ["soon", "later"]
    assert ids(select_silences(silences, False, hour, "", now)) == ["soon"]
    assert ids(select_silences(silences, True, 0, "", now)) == ["past-long", "past-recent"]
    assert ids(select_silences(silences, True, hour, "", now)) == ["past-recent"]
    assert ids(select_silences(silences, False, 0, "bob", now)) == ["soon"]


ROUTES = """\
route:
  receiver: team-X-mails
  group_by: ['alertname', 'cluster', 'service']
  routes:
  - match_re:
      service: ^(foo1|foo2|baz)$
    receiver: team-X-mails
    routes:
    - match:
        severity: critical
      receiver: team-X-pager
  - match:
      service: files
    receiver: team-Y-mails
    continue: true
    routes:
    - matchers: ['severity="critical"', 'env=~"prod|stage"']
      receiver: team-Y-pager
  - match:
      service: database
    receiver: team-DB-pager
    group_by: [alertname, cluster, database]
    routes:
    - match:
        owner: team-X
      receiver: team-X-pager
      continue: true
    - match:
        owner: team-Y
      receiver: team-Y-pager
receivers:
- name: team-X-mails
- name: team-X-pager
- name: team-Y-mails
- name: team-Y-pager
- name: team-DB-pager
"""


@pytest.mark.parametrize(
    "args",
    [
        ["config", "routes"],
        ["config", "routes", "show"],
        ["config", "routes", "test", "service=database", "owner=team-X"],
        ["config", "routes", "test", "--tree", "service=files", "severity=critical", "env=prod"],
        ["config", "routes", "test", "--tree", "service=foo1", "severity=critical"],
        ["config", "routes", "test", "--tree", "service=nothing"],
        ["config", "routes", "test", "--verify.receivers=team-DB-pager", "service=database"],
        ["config", "routes", "test", "--verify.receivers=team-X-pager", "service=database"],
    ],
)
def test_routes_from_file_match_amtool(tmp_path: Path, args: list[str]) -> None:
    config = tmp_path / "am.yml"
    config.write_text(ROUTES)
    ours = tocsin([*args, f"--config.file={config}"], tmp_path)
    theirs = amtool([*args, f"--config.file={config}"], tmp_path)
    assert (ours.code, ours.stdout) == (theirs.code, theirs.stdout)
    assert "team-" in ours.stdout


def test_routes_bad_config_file_names_the_line(tmp_path: Path) -> None:
    config = tmp_path / "bad.yml"
    config.write_text("route:\n  receiver: nobody\n  routes:\n  - matchers: ['a=~(']\nreceivers:\n- name: x\n")
    run = tocsin(["config", "routes", "--config.file", str(config)], tmp_path)
    assert run.code == 1
    assert str(config) in run.stderr and ":4" in run.stderr


def test_routes_test_rejects_non_equal_labels(tmp_path: Path) -> None:
    config = tmp_path / "am.yml"
    config.write_text(ROUTES)
    run = tocsin(["config", "routes", "test", "--config.file", str(config), "service=~data.*"], tmp_path)
    assert run.code == 1
    assert "Failed to parse labels" in run.stderr and "key=value" in run.stderr


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize(
    "args",
    [
        ["alert"],
        ["alert", "add", "foo"],
        ["silence", "query"],
        ["silence", "add", "foo", "-c", "x"],
        ["silence", "expire", "00000000-0000-0000-0000-000000000000"],
        ["config", "show"],
        ["config", "routes"],
    ],
)
def test_unreachable_server_is_a_clear_error(tmp_path: Path, args: list[str]) -> None:
    url = closed_port_url()
    run = tocsin([*args, f"--alertmanager.url={url}"], tmp_path)
    assert run.code == 1
    assert run.stderr.startswith("tocsin: error: ")
    assert "cannot connect" in run.stderr and url.split("//")[1] in run.stderr
    assert run.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["silence", "add", "-c", "x"], "no matchers specified"),
        (["silence", "add", "foo"], "comment required by config"),
        (["silence", "add", "foo", "-c", "x", "-d", "0s"], "silence duration must be greater than 0"),
        (["silence", "add", "foo", "-c", "x", "-d", "1x"], 'invalid --duration: not a valid duration string: "1x"'),
        (
            ["silence", "add", "foo", "-c", "x", "--start", "2026-02-01T00:00:00Z", "--end", "2026-01-01T00:00:00Z"],
            "silence cannot start after it ends",
        ),
        (["silence", "add", "foo", "-c", "x", "--start", "tomorrow"], "invalid --start 'tomorrow'"),
        (["silence", "add", "job=~(", "-c", "x"], "invalid matcher 'job=~('"),
        (["silence", "expire"], "no silence IDs specified"),
        (["silence", "update"], "no silence IDs specified"),
        (["alert", "add", "foo", "sev=~crit"], "invalid label 'sev=~crit': labels must be specified as key=value"),
        (["alert", "add", "foo", "--annotation", "summary"], "invalid annotation 'summary'"),
        (["alert", "add", "foo", "--end", "2026-01-01"], "invalid --end '2026-01-01'"),
        (["alert", "query", "-o", "yaml"], "invalid output format 'yaml'"),
        (["silence", "query", "--timeout", "soon"], "invalid --timeout"),
    ],
)
def test_bad_input_fails_before_any_request(tmp_path: Path, args: list[str], message: str) -> None:
    run = tocsin([*args, f"--alertmanager.url={closed_port_url()}"], tmp_path)
    assert run.code == 1
    assert run.stderr == f"tocsin: error: {message}\n" or message in run.stderr
    assert "cannot connect" not in run.stderr


def test_import_rejects_non_json(tmp_path: Path) -> None:
    bad = tmp_path / "silences.json"
    bad.write_text('[{"id": "x",\n  oops}]')
    run = tocsin(["silence", "import", str(bad), f"--alertmanager.url={closed_port_url()}"], tmp_path)
    assert run.code == 1
    assert "is it JSON?" in run.stderr and "line 2" in run.stderr
    run = tocsin(["silence", "import", f"--alertmanager.url={closed_port_url()}"], tmp_path, stdin='[{"comment": 1}]')
    assert run.code == 1
    assert "silence 0" in run.stderr and "'matchers'" in run.stderr


def test_amtool_config_file_supplies_defaults(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".config/prometheus").mkdir(parents=True)
    url = closed_port_url()
    (home / ".config/prometheus/amtool.yml").write_text(f"alertmanager.url: {url}\noutput: bogus\n")
    run = tocsin(["silence", "query"], home)
    assert run.code == 1 and "invalid output format 'bogus'" in run.stderr
    # The command line beats the file, and the URL from the file is the one contacted.
    run = tocsin(["silence", "query", "-o", "json"], home)
    assert run.code == 1 and url.split("//")[1] in run.stderr
    # amtool's legacy `comment_required` key still turns the comment requirement off.
    (home / ".config/prometheus/amtool.yml").write_text(f"alertmanager.url: {url}\ncomment_required: false\n")
    run = tocsin(["silence", "add", "foo"], home)
    assert "comment required" not in run.stderr and "cannot connect" in run.stderr


def test_help_lists_amtool_commands(tmp_path: Path) -> None:
    run = tocsin(["silence", "--help"], tmp_path)
    assert run.code == 0
    for name in ("add", "query", "expire", "import", "update"):
        assert re.search(rf"\b{name}\b", run.stdout)


def test_shared_flags_may_precede_the_sub_command(tmp_path: Path) -> None:
    url = closed_port_url()
    # `add` is found after the flag and its value: it fails on its own check, before any request.
    run = tocsin(["silence", "--alertmanager.url", url, "-o", "json", "add"], tmp_path)
    assert (run.code, run.stderr) == (1, "tocsin: error: no matchers specified\n")
    # No sub-command named: the default one (query) runs and so tries the server.
    run = tocsin(["silence", "--alertmanager.url", url, "alertname=foo"], tmp_path)
    assert run.code == 1 and "GET" in run.stderr and "/silences" in run.stderr
    run = tocsin(["config", "--alertmanager.url", url, "routes", "test", "--tree", "a=b"], tmp_path)
    assert run.code == 1 and "/status" in run.stderr
