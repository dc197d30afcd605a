"""Slack buttons and acknowledgements through a real `tocsin serve`.

A loopback Slack (incoming webhook + response_url) and a loopback PagerDuty receive what the server sends; the
test plays Slack's side of a button click with a correctly (and incorrectly) signed interactivity request.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from tests.e2e.e2e_server import ServerProcess
from tests.notify.loopback import LoopbackService, Received, Reply
from tests.notify_chat.blockkit import buttons, validate_block_kit

from tocsin.notify.slack import slack_signature
from tocsin.notify.text import group_id, group_key_hash

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
GROUP_KEY = '{}:{alertname="DiskFull"}'


def config(slack: str, pd: str) -> str:
    return f"""
route:
  receiver: oncall
  group_by: [alertname]
  group_wait: 100ms
  group_interval: 500ms
  repeat_interval: 1s
receivers:
- name: oncall
  slack_configs:
  - api_url: '{slack}/hook'
    send_resolved: true
    block_kit: true
    buttons: [acknowledge, silence, workflow]
    workflow: grow-volume
    signing_secret: '{SECRET}'
  pagerduty_configs:
  - routing_key: 'R0UT1NGKEY'
    url: '{pd}/v2/enqueue'
"""


def wait_until(what: str, check: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def services() -> tuple[LoopbackService, LoopbackService]:
    slack, pd = LoopbackService(), LoopbackService()
    slack.default = Reply(body="ok")  # what an incoming webhook answers
    pd.default = Reply(status=202, body={"status": "success", "message": "Event processed", "dedup_key": "x"})
    return slack.start(), pd.start()


def on(service: LoopbackService, path: str) -> list[Received]:
    return [r for r in list(service.requests) if r.path == path]


def pd_events(pd: LoopbackService, action: str) -> list[dict[str, Any]]:
    return [r.json() for r in on(pd, "/v2/enqueue") if r.json()["event_action"] == action]


def click(
    server: ServerProcess, slack: LoopbackService, button: dict[str, Any], *, secret: str = SECRET,
    ts: int | None = None,
) -> httpx.Response:
    payload = {
        "type": "block_actions",
        "user": {"id": "U0ALICE", "username": "alice", "team_id": "T1"},
        "actions": [{**button, "block_id": "tocsin_actions", "action_ts": f"{time.time():.6f}"}],
        "response_url": f"{slack.url}/respond",
        "container": {"type": "message"},
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    stamp = str(int(time.time()) if ts is None else ts)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": slack_signature(secret, stamp, body),
    }
    return httpx.post(f"{server.base_url}/api/tocsin/v1/slack/interactions", content=body, headers=headers)


def group(server: ServerProcess) -> dict[str, Any]:
    groups = httpx.get(f"{server.base_url}/api/tocsin/v1/groups").json()
    assert len(groups) == 1, groups
    return groups[0]  # type: ignore[no-any-return]


def test_slack_buttons_acknowledge_silence_and_survive_restart(tmp_path: Path) -> None:
    slack, pd = services()
    server = ServerProcess("tocsin", tmp_path, config(slack.url, pd.url))
    server.start()
    try:
        server.api.post_alerts({"labels": {"alertname": "DiskFull", "severity": "critical", "instance": "db1"},
                                "annotations": {"summary": "Disk almost full", "runbook_url": "http://rb/disk"}})
        message = wait_until("the Slack message", lambda: on(slack, "/hook"))[0].json()
        validate_block_kit(message)
        assert message["attachments"][0]["color"] == "#E01E5A"  # critical
        btn = buttons(message)
        assert set(btn) == {"tocsin_ack", "tocsin_silence", "tocsin_workflow"}
        assert json.loads(btn["tocsin_ack"]["value"])["g"] == group_id(GROUP_KEY)
        wait_until("PagerDuty trigger", lambda: pd_events(pd, "trigger"))
        wait_until("a repeat (repeat_interval 1s)", lambda: len(pd_events(pd, "trigger")) >= 2, timeout=5)

        # Forged and replayed clicks are refused and change nothing.
        bad = click(server, slack, btn["tocsin_ack"], secret="not-the-secret")
        assert bad.status_code == 401 and "does not match" in bad.text
        stale = click(server, slack, btn["tocsin_ack"], ts=int(time.time()) - 3600)
        assert stale.status_code == 401 and "away from the current time" in stale.text
        assert group(server)["acknowledgement"] is None

        # Acknowledge: PagerDuty acknowledges the same dedup key, Slack shows it, repeats stop.
        assert click(server, slack, btn["tocsin_ack"]).status_code == 200
        ack = wait_until("PagerDuty acknowledge", lambda: pd_events(pd, "acknowledge"))[0]
        assert ack == {"routing_key": "R0UT1NGKEY", "dedup_key": group_key_hash(GROUP_KEY),
                       "event_action": "acknowledge"}
        reply = wait_until("the response_url reply", lambda: on(slack, "/respond"))[0].json()
        assert reply["response_type"] == "in_channel" and "acknowledged by alice (Slack)" in reply["text"]
        assert reply["replace_original"] is False
        wait_until("Slack acknowledgement note", lambda: any(
            "acknowledged by *alice (Slack)*" in r.json().get("text", "") for r in on(slack, "/hook")))
        assert group(server)["acknowledgement"]["ackedBy"] == "alice (Slack)"
        triggers = len(pd_events(pd, "trigger"))
        time.sleep(2.5)  # more than two repeat intervals
        assert len(pd_events(pd, "trigger")) == triggers, "an acknowledged group must not repeat"

        # The acknowledgement is stored: still there after a restart, and still no repeats.
        server.stop()
        server.start()
        assert group(server)["acknowledgement"]["ackedBy"] == "alice (Slack)"
        time.sleep(2.0)
        assert len(pd_events(pd, "trigger")) == triggers

        # A new alert in the group is news: notifications resume and the acknowledgement ends.
        server.api.post_alerts({"labels": {"alertname": "DiskFull", "severity": "critical", "instance": "db2"}})
        wait_until("a trigger for the new alert", lambda: len(pd_events(pd, "trigger")) > triggers)
        wait_until("the acknowledgement to end", lambda: group(server)["acknowledgement"] is None, timeout=3)

        # Silence button: a silence over the group's labels, for the configured hour, by the clicking user.
        assert click(server, slack, btn["tocsin_silence"]).status_code == 200
        silences = wait_until("the silence", lambda: server.api.get_silences())
        s = silences[0]
        assert s["createdBy"] == "alice (Slack)" and s["status"]["state"] == "active"
        assert s["matchers"] == [{"name": "alertname", "value": "DiskFull", "isRegex": False, "isEqual": True}]

        # Run workflow: no workflow engine in this build; the user is told so, privately.
        slack.requests.clear()
        assert click(server, slack, btn["tocsin_workflow"]).status_code == 200
        reply = wait_until("the workflow reply", lambda: on(slack, "/respond"))[0].json()
        assert reply["response_type"] == "ephemeral" and "grow-volume" in reply["text"]

        # A signed request may only act on groups of the receivers that use the signing app.
        slack.requests.clear()
        forged = {"action_id": "tocsin_silence", "type": "button",
                  "value": json.dumps({"g": group_id(GROUP_KEY), "r": "payments", "d": 3600, "m": {"team": "x"}})}
        assert click(server, slack, forged).status_code == 200
        reply = wait_until("the refusal", lambda: on(slack, "/respond"))[0].json()
        assert reply["response_type"] == "ephemeral" and "may not act" in reply["text"]
        assert len(server.api.get_silences()) == 1
    finally:
        server.stop()
        slack.stop()
        pd.stop()


def test_ack_api_errors_name_the_problem(tmp_path: Path) -> None:
    slack, pd = services()
    server = ServerProcess("tocsin", tmp_path, config(slack.url, pd.url))
    server.start()
    base = f"{server.base_url}/api/tocsin/v1"
    try:
        server.api.post_alerts({"labels": {"alertname": "DiskFull"}})
        gid = wait_until("the group", lambda: httpx.get(f"{base}/groups").json())[0]["id"]
        r = httpx.post(f"{base}/groups/{gid}/ack", json={"comment": "on it"})
        assert r.status_code == 400 and "ackedBy" in r.json()
        r = httpx.post(f"{base}/groups/{gid}/ack", json={"ackedBy": 7})
        assert r.status_code == 400 and "ackedBy: must be a string" in r.json()
        r = httpx.post(f"{base}/groups/{gid}/ack", json={"ackedBy": "bob", "severity": "low"})
        assert r.status_code == 400 and "'severity'" in r.json()
        r = httpx.post(f"{base}/groups/{gid}/ack", content=b"{nope")
        assert r.status_code == 400 and "not valid JSON" in r.json()
        r = httpx.post(f"{base}/groups/ffffffffffffffff/ack", json={"ackedBy": "bob"})
        assert r.status_code == 404 and "no alert group" in r.json()
        assert httpx.delete(f"{base}/groups/{gid}/ack").status_code == 404  # not acknowledged

        r = httpx.post(f"{base}/groups/{gid[:8]}/ack", json={"ackedBy": "bob", "comment": "on it"})
        assert r.status_code == 200, r.text
        assert r.json()["acknowledgement"]["ackedBy"] == "bob"
        assert httpx.get(f"{base}/groups", params={"acknowledged": "true"}).json()[0]["id"] == gid
        assert httpx.delete(f"{base}/groups/{gid}/ack").status_code == 200
        assert httpx.get(f"{base}/groups", params={"acknowledged": "true"}).json() == []

        # The same through the command line.
        def tocsin(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "tocsin.cli", "group", *args,
                                   f"--alertmanager.url={server.base_url}"], capture_output=True, text=True)

        assert gid in tocsin("list").stdout
        run = tocsin("ack", gid, "--author", "carol", "--comment", "db team on it")
        assert run.returncode == 0 and f"acknowledged {gid} (oncall) as carol" in run.stdout, run.stderr
        listed = json.loads(tocsin("list", "--acknowledged", "-o", "json").stdout)
        assert listed[0]["acknowledgement"]["comment"] == "db team on it"
        assert tocsin("unack", gid).returncode == 0
        missing = tocsin("ack", "0000000000000000")
        assert missing.returncode == 1 and "no alert group with id" in missing.stderr

        # Interactivity without the Slack body shape, or unsigned, is refused with the reason.
        r = httpx.post(f"{base}/slack/interactions", content=b"payload=x")
        assert r.status_code == 401 and "X-Slack-Request-Timestamp" in r.json()
    finally:
        server.stop()
        slack.stop()
        pd.stop()
