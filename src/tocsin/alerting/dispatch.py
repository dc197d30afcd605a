"""The dispatcher: routes alerts into aggregation groups and flushes each group on Alertmanager's timers.

A group waits `group_wait` before its first notification (or flushes at once when an alert is already older
than that), then flushes every `group_interval`; whether a flush really sends is the notification pipeline's
decision (dedup and `repeat_interval`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from functools import cmp_to_key

from tocsin.alerting.periodic import Periodic
from tocsin.alerting.route import RouteNode
from tocsin.model.alert import Alert, alert_sort_key_less
from tocsin.model.clock import Clock, cancel_and_wait, sleep_or_wake
from tocsin.model.labels import FingerprintCache, labels_to_string
from tocsin.notify.context import NotifyContext
from tocsin.telemetry.metrics import Metrics

log = logging.getLogger(__name__)

NotifyFunc = Callable[[NotifyContext, Sequence[Alert]], Awaitable[bool]]

MIN_NOTIFY_TIMEOUT = 10.0
IMMEDIATE_FLUSH_COALESCE = 0.01


def _compare_alerts(a: Alert, b: Alert) -> int:
    if alert_sort_key_less(a, b):
        return -1
    return 1 if alert_sort_key_less(b, a) else 0


alert_sort_key = cmp_to_key(_compare_alerts)


class AggregationGroup:
    def __init__(
        self,
        labels: dict[str, str],
        route: RouteNode,
        clock: Clock,
        notify: NotifyFunc,
        external_url: str,
    ) -> None:
        self.labels = labels
        self.route = route
        self.alerts: dict[int, Alert] = {}
        self._clock = clock
        self._notify = notify
        self._external_url = external_url
        self._group_wait = timedelta(seconds=route.opts.group_wait)
        self._deadline = clock.monotonic() + route.opts.group_wait
        self._wake = asyncio.Event()
        self._has_flushed = False
        self._task: asyncio.Task[None] | None = None
        self.group_key = f"{route.key()}:{labels_to_string(labels)}"

    def insert(self, alert: Alert, now: datetime) -> None:
        self.alerts[alert.fingerprint] = alert
        if not self._has_flushed and alert.starts_at + self._group_wait < now:
            self._deadline = self._clock.monotonic()
            self._wake.set()

    def empty(self) -> bool:
        return not self.alerts

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"group {self.group_key}")

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _wait_for_deadline(self) -> None:
        woken = False
        while True:
            delay = self._deadline - self._clock.monotonic()
            if delay <= 0:
                if woken:
                    # An insert asked for an immediate flush. Alertmanager handles requests in parallel, so alerts
                    # posted together land in the same flush; here they are queued behind one another on the event
                    # loop, and a few milliseconds let them arrive before the snapshot is taken.
                    await self._clock.sleep(IMMEDIATE_FLUSH_COALESCE)
                return
            self._wake.clear()
            woken = await sleep_or_wake(self._clock, delay, self._wake) or woken

    async def _run(self) -> None:
        opts = self.route.opts
        while True:
            await self._wait_for_deadline()
            now = self._clock.now()
            self._deadline = self._clock.monotonic() + opts.group_interval
            self._has_flushed = True
            ctx = NotifyContext(
                group_key=self.group_key,
                group_labels=self.labels,
                receiver=opts.receiver,
                now=now,
                repeat_interval=opts.repeat_interval,
                mute_time_intervals=opts.mute_time_intervals,
                active_time_intervals=opts.active_time_intervals,
                deadline=self._clock.monotonic() + max(opts.group_interval, MIN_NOTIFY_TIMEOUT),
                external_url=self._external_url,
            )
            try:
                await self.flush(ctx, now)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("flush failed", extra={"group": self.group_key})

    async def flush(self, ctx: NotifyContext, now: datetime) -> None:
        if not self.alerts:
            return
        snapshot: list[Alert] = []
        for a in self.alerts.values():
            c = a.copy()
            # Alerts must not resolve merely because time moves on while the group waits.
            if not c.resolved_at(now):
                c.ends_at = None
            snapshot.append(c)
        snapshot.sort(key=alert_sort_key)
        if await self._notify(ctx, snapshot):
            for a in snapshot:
                cur = self.alerts.get(a.fingerprint)
                if cur is not None and a.resolved_at(now) and cur.updated_at == a.updated_at:
                    del self.alerts[a.fingerprint]


class Dispatcher:
    def __init__(
        self,
        route: RouteNode,
        clock: Clock,
        notify: NotifyFunc,
        metrics: Metrics | None = None,
        external_url: str = "",
        maintenance_interval: float = 30.0,
    ) -> None:
        self.route = route
        self._clock = clock
        self._notify = notify
        self._metrics = metrics
        self._external_url = external_url
        self._maintenance = Periodic(clock, maintenance_interval, self.remove_empty_groups, "dispatcher-gc")
        self._groups: dict[tuple[str, int], AggregationGroup] = {}
        self._targets: dict[int, list[tuple[RouteNode, tuple[str, int]]]] = {}
        self._shared_targets: dict[tuple[tuple[str, int], ...], list[tuple[RouteNode, tuple[str, int]]]] = {}
        self._fps = FingerprintCache()
        self._running = False

    def _targets_for(self, alert: Alert) -> list[tuple[RouteNode, tuple[str, int]]]:
        """The routes an alert matches, each with the key of its aggregation group (cached per fingerprint)."""
        targets = self._targets.get(alert.fingerprint)
        if targets is None:
            targets = [
                (route, (route.id(), self._fps.fingerprint(route.group_labels(alert.labels))))
                for route in self.route.match(alert.labels)
            ]
            # Alerts of one group share one target list, so the cache costs a dict slot per alert.
            shared_key = tuple(key for _, key in targets)
            targets = self._shared_targets.setdefault(shared_key, targets)
            if len(self._targets) > 200_000:
                self._targets.clear()
                self._shared_targets.clear()
            self._targets[alert.fingerprint] = targets
        return targets

    def routes_for(self, alert: Alert) -> list[RouteNode]:
        return [route for route, _ in self._targets_for(alert)]

    def process(self, alert: Alert, now: datetime) -> None:
        """Alert-store listener: put the alert into the groups of every route it matches."""
        for route, key in self._targets_for(alert):
            group = self._groups.get(key)
            if group is not None:
                group.insert(alert, now)
                continue
            group = AggregationGroup(
                route.group_labels(alert.labels), route, self._clock, self._notify, self._external_url
            )
            self._groups[key] = group
            group.insert(alert, now)
            if self._running:
                group.start()
            if self._metrics is not None:
                self._metrics.aggregation_groups.set(len(self._groups))

    def groups(self) -> list[AggregationGroup]:
        return list(self._groups.values())

    def start(self) -> None:
        self._running = True
        for g in self._groups.values():
            g.start()
        self._maintenance.start()

    async def stop(self) -> None:
        self._running = False
        await self._maintenance.stop()
        await asyncio.gather(*(g.stop() for g in self._groups.values()))
        self._groups.clear()

    def remove_empty_groups(self) -> None:
        for key, g in list(self._groups.items()):
            if g.empty():
                del self._groups[key]
                g.cancel()
        if self._metrics is not None:
            self._metrics.aggregation_groups.set(len(self._groups))
