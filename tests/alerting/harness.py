"""An in-process pipeline on fake time: store -> dispatcher -> pipeline -> recording notifier."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tests.alerting.routecfg import RouteCfg

from tocsin.alerting.dispatch import Dispatcher
from tocsin.alerting.inhibit import Inhibitor, InhibitRule
from tocsin.alerting.marker import Marker
from tocsin.alerting.nflog import NotificationLog
from tocsin.alerting.route import build_route_tree
from tocsin.alerting.silences import Silencer, Silences
from tocsin.alerting.store import AlertStore
from tocsin.escalation.acks import AckStore
from tocsin.model.alert import Alert
from tocsin.model.clock import FakeClock
from tocsin.model.labels import fingerprint
from tocsin.notify.context import NotifyContext
from tocsin.notify.integration import Integration, NotifyError
from tocsin.notify.outbox import Outbox
from tocsin.notify.pipeline import Pipeline, ReceiverPipeline


@dataclass
class Sent:
    at: float
    receiver: str
    group_key: str
    firing: list[dict[str, str]]
    resolved: list[dict[str, str]]


@dataclass
class RecordingNotifier:
    clock: FakeClock
    sent: list[Sent] = field(default_factory=list)
    failures_left: int = 0

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise NotifyError("boom", retry=True)
        self.sent.append(
            Sent(
                at=self.clock.monotonic(),
                receiver=ctx.receiver,
                group_key=ctx.group_key,
                firing=[a.labels for a in alerts if not a.resolved_at(ctx.now)],
                resolved=[a.labels for a in alerts if a.resolved_at(ctx.now)],
            )
        )

    async def close(self) -> None:
        return None


class Harness:
    def __init__(
        self,
        route: RouteCfg,
        receivers: Sequence[str] = ("default",),
        send_resolved: bool = True,
        inhibit_rules: Sequence[InhibitRule] = (),
    ) -> None:
        self.clock = FakeClock()
        self.marker = Marker()
        self.store = AlertStore(self.clock, self.marker, None)
        self.silences = Silences(self.clock, None)
        self.nflog = NotificationLog(self.clock, None)
        self.notifier = RecordingNotifier(self.clock)
        self.acks = AckStore(self.clock, None)
        self.inhibitor = Inhibitor(list(inhibit_rules), self.marker, self.clock)
        self.silencer = Silencer(self.silences, self.marker, self.clock)
        self.outbox = Outbox(
            self.clock, None, self.nflog, lambda r, n, i: self.pipeline.find(r, n, i), rng=random.Random(1)
        )
        pipelines = {
            r: ReceiverPipeline(
                [Integration("webhook", 0, r, send_resolved, self.notifier)], self.nflog, self.outbox, self.acks
            )
            for r in receivers
        }
        self.pipeline = Pipeline(pipelines, self.inhibitor, self.silencer, lambda name, now: False)
        self.dispatcher = Dispatcher(build_route_tree(route), self.clock, self.pipeline.exec)
        self.store.subscribe(self.inhibitor.observe)
        self.store.subscribe(self.dispatcher.process)
        self.dispatcher.start()
        self.outbox.start()

    @property
    def sent(self) -> list[Sent]:
        return self.notifier.sent

    def now(self) -> datetime:
        return self.clock.now()

    def post(self, labels: dict[str, str], start_offset: float = 0.0, end_in: float | None = 300.0) -> Alert:
        """Like POST /api/v2/alerts: end_in=None means 'no endsAt' (resolve_timeout of 300 s applies)."""
        now = self.now()
        alert = Alert(
            labels=dict(labels),
            annotations={},
            starts_at=now + timedelta(seconds=start_offset),
            ends_at=now + timedelta(seconds=end_in if end_in is not None else 300.0),
            updated_at=now,
            timeout=end_in is None,
            fingerprint=fingerprint(labels),
        )
        self.store.put([alert])
        return alert

    def resolve(self, labels: dict[str, str]) -> None:
        now = self.now()
        self.store.put(
            [
                Alert(
                    labels=dict(labels),
                    annotations={},
                    starts_at=now,
                    ends_at=now,
                    updated_at=now,
                    fingerprint=fingerprint(labels),
                )
            ]
        )

    async def advance(self, seconds: float) -> None:
        await self.clock.advance(seconds)

    async def close(self) -> None:
        await self.dispatcher.stop()
        await self.outbox.stop()
