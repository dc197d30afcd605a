"""The durable outbox on fake time: outages, circuit breaking, dead letters, coalescing, restarts."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from tocsin.alerting.nflog import NotificationLog
from tocsin.model.alert import Alert
from tocsin.model.clock import FakeClock
from tocsin.model.labels import fingerprint
from tocsin.notify.breaker import CircuitState
from tocsin.notify.context import NotifyContext
from tocsin.notify.integration import Integration, NotifyError
from tocsin.notify.outbox import DEAD, DELIVERED, PENDING, Outbox
from tocsin.storage.sql import SqlRepository, sqlite_url_for_dir
from tocsin.storage.writer import WriteBehind


@dataclass
class FlakyChannel:
    clock: FakeClock
    down_until: float = 0.0  # monotonic seconds
    permanent: bool = False
    retry_after: float | None = None
    attempts: list[float] = field(default_factory=list)
    delivered: list[list[str]] = field(default_factory=list)

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        self.attempts.append(self.clock.monotonic())
        if self.permanent:
            raise NotifyError("slack: unexpected status code 404: channel_not_found", retry=False)
        if self.clock.monotonic() < self.down_until:
            raise NotifyError("slack: unexpected status code 503", retry=True, retry_after=self.retry_after)
        self.delivered.append([a.labels["alertname"] for a in alerts])

    async def close(self) -> None:
        return None


def make(clock: FakeClock, channel: FlakyChannel, writer: WriteBehind | None = None, **kw: object) -> Outbox:
    integ = Integration("slack", 0, "ops", True, channel)
    nflog = NotificationLog(clock, writer)
    return Outbox(clock, writer, nflog, lambda r, n, i: integ, rng=random.Random(7), **kw)  # type: ignore[arg-type]


def ctx_at(clock: FakeClock, key: str = "{}:{alertname=\"A\"}") -> NotifyContext:
    return NotifyContext(group_key=key, group_labels={}, receiver="ops", now=clock.now(), repeat_interval=3600)


def alert(name: str, clock: FakeClock) -> Alert:
    now = clock.now()
    labels = {"alertname": name}
    return Alert(labels, {}, now, now + timedelta(hours=1), now, fingerprint=fingerprint(labels))


async def restart(clock: FakeClock, repo: SqlRepository) -> tuple[WriteBehind, FlakyChannel, Outbox]:
    """A new outbox over the same database (a process restart), with the channel back up."""
    writer = WriteBehind(repo)
    writer.start()
    channel = FlakyChannel(clock)
    box = make(clock, channel, writer, repo=repo)
    box.load(await repo.load_outbox([PENDING, DEAD]))
    return writer, channel, box


async def enqueue(box: Outbox, clock: FakeClock, name: str = "A") -> None:
    integ = Integration("slack", 0, "ops", True, None)  # type: ignore[arg-type]
    a = alert(name, clock)
    await box.enqueue(ctx_at(clock), integ, [a], {a.fingerprint}, set())


async def test_ten_minute_outage_loses_nothing_and_delivers_once() -> None:
    clock = FakeClock()
    channel = FlakyChannel(clock, down_until=600.0)
    box = make(clock, channel)
    box.start()
    await enqueue(box, clock)
    for _ in range(70):
        await clock.advance(10)
    assert channel.delivered == [["A"]]
    assert len(channel.attempts) > 5
    assert box.pending() == []
    history = await box.history()
    assert [e.status for e in history] == [DELIVERED]
    await box.stop()


async def test_circuit_opens_after_five_failures_and_probes_after_a_minute() -> None:
    clock = FakeClock()
    channel = FlakyChannel(clock, down_until=10_000.0)
    box = make(clock, channel)
    box.start()
    await enqueue(box, clock)
    while len(channel.attempts) < 5:
        await clock.advance(1)
    assert box.circuit_state("ops", "slack", 0) is CircuitState.OPEN
    fifth = channel.attempts[-1]
    await clock.advance(59)
    assert len(channel.attempts) == 5  # open: nothing attempted
    await clock.advance(3)
    assert len(channel.attempts) == 6 and channel.attempts[-1] >= fifth + 60  # one half-open probe
    assert box.circuit_state("ops", "slack", 0) is CircuitState.OPEN  # the probe failed: open again
    channel.down_until = 0
    await clock.advance(61)
    assert channel.delivered == [["A"]]
    assert box.circuit_state("ops", "slack", 0) is CircuitState.CLOSED
    await box.stop()


async def test_permanent_failure_is_a_dead_letter_that_can_be_retried() -> None:
    clock = FakeClock()
    channel = FlakyChannel(clock, permanent=True)
    box = make(clock, channel)
    box.start()
    await enqueue(box, clock)
    await clock.advance(1)
    (dead,) = box.dead_letters()
    assert dead.status == DEAD and "404: channel_not_found" in dead.last_error and dead.attempts == 1
    channel.permanent = False
    await box.retry_dead(dead.id)
    await clock.advance(1)
    assert channel.delivered == [["A"]] and box.dead_letters() == []
    await box.stop()


async def test_retry_after_is_honoured() -> None:
    clock = FakeClock()
    channel = FlakyChannel(clock, down_until=1.0, retry_after=30.0)
    box = make(clock, channel)
    box.start()
    await enqueue(box, clock)
    await clock.advance(29)
    assert len(channel.attempts) == 1 and channel.delivered == []
    await clock.advance(2)
    assert channel.delivered == [["A"]]
    await box.stop()


async def test_newer_state_replaces_a_waiting_notification() -> None:
    clock = FakeClock()
    channel = FlakyChannel(clock, down_until=5.0)
    box = make(clock, channel)
    box.start()
    await enqueue(box, clock, "A")
    await clock.advance(1)  # first attempt failed, waiting for its retry
    await enqueue(box, clock, "B")
    await clock.advance(120)
    assert channel.delivered == [["B"]]
    await box.stop()


async def test_pending_notifications_survive_a_restart(tmp_path: Path) -> None:
    clock = FakeClock()
    repo = await SqlRepository.open(sqlite_url_for_dir(str(tmp_path)))
    writer = WriteBehind(repo)
    writer.start()
    channel = FlakyChannel(clock, down_until=10_000.0)
    box = make(clock, channel, writer, repo=repo)
    box.start()
    await enqueue(box, clock)
    await clock.advance(5)
    await box.stop()
    await writer.stop()
    writer2, channel2, box2 = await restart(clock, repo)
    assert [e.status for e in box2.pending()] == [PENDING]
    box2.start()
    await clock.advance(120)
    assert channel2.delivered == [["A"]]
    await box2.stop()
    await writer2.stop()
    assert [e.status for e in await repo.load_outbox()] == [DELIVERED]
    await repo.close()


async def test_a_waiting_event_and_notification_of_one_group_both_survive_a_restart(tmp_path: Path) -> None:
    """Each keeps its own queue slot after reloading, so neither replaces the other."""
    from tocsin.model.ack import Acknowledgement
    from tocsin.notify.context import ACKNOWLEDGE

    clock = FakeClock()
    repo = await SqlRepository.open(sqlite_url_for_dir(str(tmp_path)))
    writer = WriteBehind(repo)
    writer.start()
    box = make(clock, FlakyChannel(clock, down_until=10_000.0), writer, repo=repo)
    await enqueue(box, clock)
    ev = ctx_at(clock)
    ev.event = ACKNOWLEDGE
    ev.ack = Acknowledgement(ev.group_key, "ops", "alice", clock.now(), "", frozenset({1}))
    integ = Integration("slack", 0, "ops", True, None)  # type: ignore[arg-type]
    await box.enqueue_event(ev, integ, [alert("A", clock)])
    await writer.stop()
    writer2, channel2, box2 = await restart(clock, repo)
    assert len(box2.pending()) == 2
    await enqueue(box2, clock, "B")  # a newer notification replaces the waiting notification, not the event
    events = sorted(e.payload["ctx"].get("event", "notify") for e in box2.pending())
    assert events == ["acknowledge", "notify"]
    box2.start()
    await clock.advance(60)
    assert sorted(map(tuple, channel2.delivered)) == [("A",), ("B",)]
    await box2.stop()
    await writer2.stop()
    await repo.close()


async def test_acknowledgement_waits_for_the_notification_it_acknowledges() -> None:
    """During an outage the group's trigger is still queued when someone acknowledges: the service must get the
    trigger first and the acknowledgement after it, not the other way round."""
    from tocsin.model.ack import Acknowledgement
    from tocsin.notify.context import ACKNOWLEDGE

    clock = FakeClock()
    order: list[str] = []

    @dataclass
    class Recording(FlakyChannel):
        async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
            await FlakyChannel.notify(self, ctx, alerts)
            order.append(ctx.event)

    box = make(clock, Recording(clock, down_until=100.0))
    box.start()
    await enqueue(box, clock)
    await clock.advance(10)  # the trigger is failing and waiting for its next attempt
    assert box.has_waiting('{}:{alertname="A"}', "ops", "slack", 0)
    ev = ctx_at(clock)
    ev.event = ACKNOWLEDGE
    ev.ack = Acknowledgement(ev.group_key, "ops", "alice", clock.now(), "", frozenset({1}))
    await box.enqueue_event(ev, Integration("slack", 0, "ops", True, None), [alert("A", clock)])  # type: ignore[arg-type]
    await clock.advance(60)
    assert order == []  # nothing got through, and the acknowledgement did not jump the queue
    await clock.advance(200)
    assert order == ["notify", "acknowledge"]
    await box.stop()
