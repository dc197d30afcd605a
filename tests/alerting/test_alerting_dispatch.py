"""Group timing, dedup and repeat on fake time, with Alertmanager's semantics."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tests.alerting.harness import Harness
from tests.alerting.routecfg import RouteCfg

from tocsin.alerting.inhibit import InhibitRule
from tocsin.model.matchers import parse_matcher


def route(**kw: object) -> RouteCfg:
    base: dict[str, object] = {
        "group_by": ["alertname"],
        "group_wait": 30.0,
        "group_interval": 300.0,
        "repeat_interval": 3600.0,
    }
    base.update(kw)
    return RouteCfg(**base)  # type: ignore[arg-type]


@pytest.fixture
async def h() -> AsyncIterator[Harness]:
    harness = Harness(route())
    yield harness
    await harness.close()


async def test_group_wait_then_one_notification(h: Harness) -> None:
    h.post({"alertname": "A", "i": "1"})
    await h.advance(10)
    h.post({"alertname": "A", "i": "2"})
    await h.advance(19)
    assert h.sent == []
    await h.advance(2)
    assert len(h.sent) == 1
    assert h.sent[0].at == pytest.approx(30)
    assert [a["i"] for a in h.sent[0].firing] == ["1", "2"]
    assert h.sent[0].group_key == '{}:{alertname="A"}'


async def test_old_alert_flushes_immediately(h: Harness) -> None:
    h.post({"alertname": "Old"}, start_offset=-60)
    await h.advance(0.01)
    assert len(h.sent) == 1


async def test_group_interval_sends_only_changes(h: Harness) -> None:
    h.post({"alertname": "A", "i": "1"}, end_in=10_000)
    await h.advance(31)
    assert len(h.sent) == 1
    await h.advance(300)  # nothing changed: deduplicated
    assert len(h.sent) == 1
    h.post({"alertname": "A", "i": "2"}, end_in=10_000)
    await h.advance(300)
    assert len(h.sent) == 2
    assert h.sent[1].at == pytest.approx(630)


async def test_repeat_interval(h: Harness) -> None:
    h.post({"alertname": "A"}, end_in=100_000)
    await h.advance(31)
    await h.advance(3899 - 31)
    assert len(h.sent) == 1
    await h.advance(100)
    # flushes happen at 30 + k*300; the first one more than 3600 s after the first send repeats
    assert len(h.sent) == 2
    assert h.sent[1].at == pytest.approx(30 + 13 * 300)


async def test_resolved_notification_and_group_cleanup(h: Harness) -> None:
    labels = {"alertname": "A"}
    h.post(labels, end_in=10_000)
    await h.advance(31)
    h.resolve(labels)
    await h.advance(300)
    assert len(h.sent) == 2
    assert h.sent[1].resolved == [labels] and h.sent[1].firing == []
    # the resolved alert left its group, and the maintenance loop dropped the empty group
    await h.advance(30)
    assert h.dispatcher.groups() == []


async def test_resolve_timeout_resolves_alert_without_end(h: Harness) -> None:
    h.post({"alertname": "A"}, end_in=None)
    await h.advance(31)
    await h.advance(300)  # ends_at = +300 s: resolved by the flush at 330
    assert [len(s.resolved) for s in h.sent] == [0, 1]


async def test_retry_until_success() -> None:
    h = Harness(route())
    h.notifier.failures_left = 3
    h.post({"alertname": "A"})
    await h.advance(40)
    assert len(h.sent) == 1
    await h.close()


async def test_send_resolved_false_gets_no_resolved_only_notification() -> None:
    h = Harness(route(), send_resolved=False)
    labels = {"alertname": "A"}
    h.post(labels, end_in=10_000)
    await h.advance(31)
    h.resolve(labels)
    await h.advance(300)
    assert len(h.sent) == 1
    await h.close()


async def test_silenced_alert_not_sent(h: Harness) -> None:
    from datetime import timedelta

    from tocsin.model.silence import Silence

    now = h.now()
    h.silences.set(
        Silence("", [parse_matcher('alertname="A"')], now, now + timedelta(hours=1), now, "me", "test")
    )
    h.post({"alertname": "A"})
    h.post({"alertname": "B"})
    await h.advance(31)
    assert [s.firing[0]["alertname"] for s in h.sent] == ["B"]
    fp = h.store.all()[0].fingerprint
    assert h.marker.status(fp).silenced_by


async def test_inhibition() -> None:
    rule = InhibitRule(
        [parse_matcher('severity="critical"')], [parse_matcher('severity="warning"')], ["cluster"]
    )
    h = Harness(route(group_by=["alertname", "cluster"]), inhibit_rules=[rule])
    h.post({"alertname": "Down", "severity": "critical", "cluster": "a"})
    h.post({"alertname": "Slow", "severity": "warning", "cluster": "a"})
    h.post({"alertname": "Slow", "severity": "warning", "cluster": "b"})
    await h.advance(31)
    got = sorted((s.firing[0]["alertname"], s.firing[0]["cluster"]) for s in h.sent)
    assert got == [("Down", "a"), ("Slow", "b")]
    await h.close()


async def test_routing_continue_and_sub_routes() -> None:
    tree = route(
        receiver="default",
        routes=[
            RouteCfg(receiver="team-a", matchers=[parse_matcher('team="a"')], continue_=True),
            RouteCfg(receiver="team-a-db", matchers=[parse_matcher('team="a"'), parse_matcher('svc="db"')]),
        ],
    )
    h = Harness(tree, receivers=("default", "team-a", "team-a-db"))
    h.post({"alertname": "X", "team": "a", "svc": "db"})
    h.post({"alertname": "Y", "team": "b"})
    await h.advance(31)
    got = sorted((s.receiver, s.firing[0]["alertname"]) for s in h.sent)
    assert got == [("default", "Y"), ("team-a", "X"), ("team-a-db", "X")]
    await h.close()


async def test_time_intervals_mute_and_mark_muted_by() -> None:
    from tocsin.alerting.marker import AlertState

    h = Harness(route(mute_time_intervals=["night"]))
    h.pipeline._interval_active = lambda name, now: name == "night"
    h.pipeline._marker = h.marker
    h.post({"alertname": "A"}, end_in=10_000)
    await h.advance(31)
    assert h.sent == []
    fp = h.store.all()[0].fingerprint
    assert h.marker.status(fp).muted_by == ("night",)
    assert h.marker.status(fp).state is AlertState.SUPPRESSED
    # the interval ends: the next flush sends and clears mutedBy
    h.pipeline._interval_active = lambda name, now: False
    await h.advance(300)
    assert len(h.sent) == 1 and h.marker.status(fp).muted_by == ()
    await h.close()


async def test_active_time_intervals_send_only_inside() -> None:
    h = Harness(route(active_time_intervals=["office"]))
    h.pipeline._interval_active = lambda name, now: False
    h.post({"alertname": "A"}, end_in=10_000)
    await h.advance(31)
    assert h.sent == []
    h.pipeline._interval_active = lambda name, now: name == "office"
    await h.advance(300)
    assert len(h.sent) == 1
    await h.close()


def test_route_tree_from_yaml_inherits_and_groups_by_all() -> None:
    from tocsin.alerting.route import build_route_tree
    from tocsin.config import load_config_text

    cfg = load_config_text(
        """
route:
  receiver: r
  group_by: [service]
  group_wait: 5s
  routes:
  - receiver: all
    matchers: ['service="everything"']
    group_by: ['...']
  - matchers: ['team="db"']
    group_interval: 1m
receivers:
- name: r
- name: all
"""
    )
    root = build_route_tree(cfg.route)
    all_route, db_route = root.routes
    assert all_route.opts.group_by_all and all_route.group_labels({"a": "1", "b": "2"}) == {"a": "1", "b": "2"}
    assert db_route.receiver == "r" and db_route.opts.group_by == frozenset({"service"})
    assert db_route.opts.group_wait == 5.0 and db_route.opts.group_interval == 60.0
    assert db_route.key() == '{}/{team="db"}'
