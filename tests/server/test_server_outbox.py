"""Guaranteed delivery through a real server: kill -9 while notifications wait for a failing channel, restart,
the channel recovers, every notification arrives exactly once; plus the history/retry/test commands."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.e2e.e2e_server import ServerProcess
from tests.e2e.e2e_webhook import Outcome, WebhookReceiver
from tests.notify.loopback import LoopbackService, Reply

TOCSIN = [sys.executable, "-m", "tocsin.cli"]


def config(url: str) -> str:
    return f"""
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 100ms
  group_interval: 1h
  repeat_interval: 4h
receivers:
- name: hook
  webhook_configs:
  - url: '{url}'
"""


def cli(server: ServerProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TOCSIN, *args, f"--alertmanager.url={server.base_url}"], capture_output=True, text=True, check=False
    )


def test_queued_notifications_survive_kill_9_and_arrive_once(tmp_path: Path) -> None:
    with WebhookReceiver() as hook:
        hook.plan("down", *([Outcome.FAIL] * 10_000))  # the channel is down
        server = ServerProcess("tocsin", tmp_path, config(hook.url("down")))
        server.start()
        try:
            server.api.post_alerts(*({"labels": {"alertname": f"A{i}"}} for i in range(3)))
            hook.wait_for("down", 3, timeout=10, attempts=True)  # each group tried and failed
            history = json.loads(cli(server, "notify", "history", "-o", "json").stdout)
            assert sorted(e["status"] for e in history) == ["pending"] * 3
            server.kill()
            hook.plan("down")  # the channel recovers while Tocsin is down
            server.start()
            got = hook.wait_for("down", 3, timeout=20)
            time.sleep(1.0)
            names = sorted(n for d in hook.deliveries("down") for n in d.alert_names())
            assert names == ["A0", "A1", "A2"], [d.alert_names() for d in got]
            history = json.loads(cli(server, "notify", "history", "-o", "json").stdout)
            statuses = [e["status"] for e in history]
            # the restored entries were delivered; the restarted groups' own flushes found them already sent
            assert statuses.count("delivered") == 3 and set(statuses) <= {"delivered", "superseded"}
        finally:
            server.stop()


def test_dead_letter_retry_and_test_notification(tmp_path: Path) -> None:
    service = LoopbackService().start()
    service.default = Reply(status=404, body="no such hook")
    server = ServerProcess("tocsin", tmp_path, config(service.url + "/hook"))
    server.start()
    try:
        # a 404 is permanent: the notification becomes a dead letter that keeps the service's answer
        server.api.post_alerts({"labels": {"alertname": "Gone"}})
        deadline = time.time() + 10
        dead: list[dict[str, Any]] = []
        while time.time() < deadline and not dead:
            dead = json.loads(cli(server, "notify", "history", "--status", "dead", "-o", "json").stdout)
            time.sleep(0.2)
        assert dead and "404: no such hook" in dead[0]["lastError"]
        assert "Last error" in cli(server, "notify", "history", "--status", "dead").stdout
        # fixed: retry the dead letter by its short id
        service.default = Reply(status=200)
        assert cli(server, "notify", "retry", dead[0]["id"][:8]).returncode == 0
        deadline = time.time() + 10
        while time.time() < deadline and len(service.requests) < 2:
            time.sleep(0.1)
        assert len(service.requests) == 2 and service.requests[-1].json()["alerts"][0]["labels"]["alertname"] == "Gone"
        out = cli(server, "notify", "test", "hook")
        assert out.returncode == 0 and "queued test notification" in out.stdout
        deadline = time.time() + 10
        while time.time() < deadline and len(service.requests) < 3:
            time.sleep(0.1)
        assert service.requests[-1].json()["alerts"][0]["labels"]["alertname"] == "TocsinTestNotification"
        assert cli(server, "notify", "test", "nope").returncode == 1
    finally:
        server.stop()
        service.stop()
