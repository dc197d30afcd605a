"""Slack's "update the same message on resolve" survives a restart: the message ts lives in the notification log."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import httpx
from tests.notify.loopback import LoopbackService, Reply

from tocsin.alerting.nflog import NotificationLog
from tocsin.config import load_config_text
from tocsin.model.alert import Alert
from tocsin.model.clock import FakeClock
from tocsin.model.labels import fingerprint
from tocsin.notify.context import NotifyContext
from tocsin.notify.integration import NotifierDeps
from tocsin.notify.outbox import DEAD, PENDING, Outbox
from tocsin.notify.registry import build_integrations
from tocsin.notify.template import Templates
from tocsin.storage.sql import SqlRepository, sqlite_url_for_dir
from tocsin.storage.writer import WriteBehind


async def start(repo: SqlRepository, clock: FakeClock, http: httpx.AsyncClient, url: str) -> tuple[Outbox, object]:
    cfg = load_config_text(
        "route: {receiver: ops}\nreceivers:\n- name: ops\n  slack_configs:\n"
        f"  - {{app_url: '{url}/api/chat.postMessage', app_token: 'xoxb-test', channel: '#ops',"
        " update_message: true}\n"
    )
    (integ,) = build_integrations(cfg.receivers[0], NotifierDeps(http, Templates.from_globs([]), clock))
    writer = WriteBehind(repo)
    writer.start()
    nflog = NotificationLog(clock, writer)
    nflog.load(await repo.load_nflog())
    box = Outbox(clock, writer, nflog, lambda r, n, i: integ, repo=repo, rng=random.Random(3))
    box.load(await repo.load_outbox([PENDING, DEAD]))
    box.start()
    return box, (writer, integ)


async def test_resolve_updates_the_first_message_after_a_restart(service: LoopbackService, tmp_path: Path) -> None:
    service.default = Reply(200, {"ok": True, "channel": "C123", "ts": "1700000000.000100"})
    clock = FakeClock()
    repo = await SqlRepository.open(sqlite_url_for_dir(str(tmp_path)))
    now = clock.now()
    labels = {"alertname": "DiskFull"}
    firing = Alert(labels, {}, now, now + timedelta(hours=1), now, fingerprint=fingerprint(labels))
    ctx = NotifyContext(group_key='{}:{alertname="DiskFull"}', group_labels={}, receiver="ops", now=now,
                        repeat_interval=3600)
    async with httpx.AsyncClient() as http:
        box, (writer, integ) = await start(repo, clock, http, service.url)
        await box.enqueue(ctx, integ, [firing], {firing.fingerprint}, set())  # type: ignore[arg-type]
        await clock.advance(1)
        assert box.dead_letters() == []
        await box.stop()
        await writer.stop()  # type: ignore[attr-defined]
        assert service.requests[-1].path == "/api/chat.postMessage"

        box2, (writer2, integ2) = await start(repo, clock, http, service.url)  # a restart: fresh notifier memory
        resolved = Alert(labels, {}, now, clock.now(), clock.now(), fingerprint=fingerprint(labels))
        ctx2 = NotifyContext(group_key=ctx.group_key, group_labels={}, receiver="ops", now=clock.now(),
                             repeat_interval=3600)
        await box2.enqueue(ctx2, integ2, [resolved], set(), {resolved.fingerprint})  # type: ignore[arg-type]
        await clock.advance(1)
        await box2.stop()
        await writer2.stop()  # type: ignore[attr-defined]
    update = service.requests[-1]
    assert update.path == "/api/chat.update"
    assert update.json()["ts"] == "1700000000.000100" and update.json()["channel"] == "C123"
    await repo.close()
