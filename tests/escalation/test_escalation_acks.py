"""Acknowledged groups on fake time: no repeats, news still goes out, the acknowledgement ends when it should."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tests.alerting.harness import Harness
from tests.alerting.routecfg import RouteCfg

from tocsin.escalation.acks import AckError, AckStore, NothingToAcknowledge
from tocsin.model.clock import FakeClock

GROUP = '{}:{alertname="A"}'


@pytest.fixture
async def h() -> AsyncIterator[Harness]:
    harness = Harness(
        RouteCfg(group_by=["alertname"], group_wait=30.0, group_interval=300.0, repeat_interval=3600.0)
    )
    yield harness
    await harness.close()


async def ack(h: Harness, *labels: dict[str, str]) -> None:
    from tocsin.model.labels import fingerprint

    await h.acks.acknowledge(GROUP, "default", [fingerprint(lb) for lb in labels], "alice", "looking")


async def test_acknowledged_group_does_not_repeat(h: Harness) -> None:
    a1 = {"alertname": "A", "i": "1"}
    h.post(a1, end_in=100_000)
    await h.advance(31)
    assert len(h.sent) == 1
    await ack(h, a1)
    await h.advance(4 * 3600)  # four repeat intervals
    assert len(h.sent) == 1
    assert h.acks.get(GROUP, "default") is not None


async def test_new_alert_in_acknowledged_group_notifies_and_ends_the_ack(h: Harness) -> None:
    a1, a2 = {"alertname": "A", "i": "1"}, {"alertname": "A", "i": "2"}
    h.post(a1, end_in=100_000)
    await h.advance(31)
    await ack(h, a1)
    h.post(a2, end_in=100_000)
    await h.advance(300)
    assert len(h.sent) == 2 and [a["i"] for a in h.sent[1].firing] == ["1", "2"]
    assert h.acks.get(GROUP, "default") is None
    await h.advance(3900)  # without the acknowledgement, repeats are back
    assert len(h.sent) == 3


async def test_resolution_is_still_sent_and_forgets_the_ack(h: Harness) -> None:
    a1, a2 = {"alertname": "A", "i": "1"}, {"alertname": "A", "i": "2"}
    h.post(a1, end_in=100_000)
    h.post(a2, end_in=100_000)
    await h.advance(31)
    await ack(h, a1, a2)
    h.resolve(a2)
    await h.advance(300)
    assert len(h.sent) == 2 and h.sent[1].resolved == [a2]  # send_resolved: partial resolution is news
    assert h.acks.get(GROUP, "default") is not None  # a1 still fires, still acknowledged
    h.resolve(a1)
    await h.advance(300)
    assert len(h.sent) == 3 and h.sent[2].firing == []
    assert h.acks.get(GROUP, "default") is None


async def test_acknowledgement_needs_a_person_and_something_firing() -> None:
    store = AckStore(FakeClock(), None)
    with pytest.raises(AckError, match="ackedBy"):
        await store.acknowledge(GROUP, "r", [1], "  ")
    with pytest.raises(AckError, match="ackedBy: at most 256"):
        await store.acknowledge(GROUP, "r", [1], "x" * 300)
    with pytest.raises(AckError, match="comment: at most"):
        await store.acknowledge(GROUP, "r", [1], "bob", "c" * 5000)
    with pytest.raises(NothingToAcknowledge):
        await store.acknowledge(GROUP, "r", [], "bob")
    assert store.all() == []


async def test_ack_ends_with_its_group_even_when_the_last_flushes_were_silenced(h: Harness) -> None:
    """Resolved while silenced, then firing again: announced again, not hidden by the old acknowledgement."""
    from datetime import timedelta

    from tocsin.model.matchers import parse_matcher
    from tocsin.model.silence import Silence

    a1 = {"alertname": "A", "i": "1"}
    h.post(a1, end_in=100_000)
    await h.advance(31)
    assert len(h.sent) == 1
    await ack(h, a1)
    now = h.now()
    sid = h.silences.set(Silence("", [parse_matcher('alertname="A"')], now, now + timedelta(hours=1), now, "me", "x"))
    h.resolve(a1)
    await h.advance(300)  # the group's flush sees nothing firing, muted by the silence
    assert h.acks.get(GROUP, "default") is None
    h.silences.expire(sid)
    await h.advance(600)
    h.post(a1, end_in=100_000)
    # As in Alertmanager, the receiver was never told of the (silenced) resolution, so the same alert firing
    # again is due at the next repeat; a stale acknowledgement would hide it until the log entry expired (120 h).
    await h.advance(3600)
    assert len(h.sent) == 2 and h.sent[1].firing == [a1]
