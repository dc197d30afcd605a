"""The notification pipeline run on every flush of an aggregation group.

Stages, in Alertmanager's order: inhibition, active and mute time intervals, silences; then, for every
integration of the receiver concurrently: dedup against the notification log, send with retries, log the send.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from tocsin.alerting.inhibit import Inhibitor
from tocsin.alerting.marker import Marker
from tocsin.alerting.nflog import NotificationLog
from tocsin.alerting.silences import Silencer
from tocsin.model.alert import Alert
from tocsin.model.clock import Clock
from tocsin.model.notification import NflogEntry
from tocsin.notify.context import NotifyContext
from tocsin.notify.integration import Integration, NotifyError
from tocsin.telemetry.metrics import Metrics

log = logging.getLogger(__name__)

IntervalCheck = Callable[[str, datetime], bool]


class Backoff:
    """Exponential backoff with jitter (Alertmanager's defaults: 0.5 s start, x1.5, 60 s cap, ±50 %)."""

    def __init__(
        self,
        initial: float = 0.5,
        multiplier: float = 1.5,
        maximum: float = 60.0,
        jitter: float = 0.5,
        rng: random.Random | None = None,
    ) -> None:
        self._next = initial
        self._multiplier = multiplier
        self._max = maximum
        self._jitter = jitter
        self._rng = rng or random.Random()

    def next(self) -> float:
        base = self._next
        self._next = min(self._next * self._multiplier, self._max)
        delta = base * self._jitter
        return base - delta + self._rng.random() * 2 * delta


def needs_update(
    entry: NflogEntry | None,
    firing: set[int],
    resolved: set[int],
    send_resolved: bool,
    repeat_interval: float,
    ctx: NotifyContext,
) -> bool:
    """Alertmanager's DedupStage decision."""
    if entry is None:
        return bool(firing)
    if not firing <= entry.firing:
        return True
    if not firing:
        # All alerts resolved: tell the receiver only if it was told something was firing.
        return bool(entry.firing)
    if send_resolved and not resolved <= entry.resolved:
        return True
    return entry.timestamp.timestamp() < ctx.now.timestamp() - repeat_interval


class ReceiverPipeline:
    def __init__(
        self,
        integrations: Sequence[Integration],
        nflog: NotificationLog,
        clock: Clock,
        metrics: Metrics | None,
    ) -> None:
        self.integrations = list(integrations)
        self._nflog = nflog
        self._clock = clock
        self._metrics = metrics

    async def run(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> bool:
        if not self.integrations:
            return True
        results = await asyncio.gather(
            *(self._run_integration(i, ctx, alerts) for i in self.integrations), return_exceptions=True
        )
        ok = True
        for integ, res in zip(self.integrations, results, strict=True):
            if isinstance(res, BaseException):
                ok = False
                if not isinstance(res, asyncio.CancelledError):
                    log.error(
                        "notify failed",
                        extra={"receiver": ctx.receiver, "integration": str(integ), "err": str(res)},
                    )
            elif res is False:
                ok = False
        return ok

    async def _run_integration(self, integ: Integration, ctx: NotifyContext, alerts: Sequence[Alert]) -> bool:
        firing = {a.fingerprint for a in alerts if not a.resolved_at(ctx.now)}
        resolved = {a.fingerprint for a in alerts if a.resolved_at(ctx.now)}
        entry = self._nflog.query(ctx.group_key, ctx.receiver, integ.name, integ.index)
        if not needs_update(entry, firing, resolved, integ.send_resolved, ctx.repeat_interval, ctx):
            return True
        to_send: Sequence[Alert] = alerts
        if not integ.send_resolved:
            if not firing:
                # Nothing to tell this receiver, but log it so the next dedup sees the resolution.
                await self._nflog.log(ctx.group_key, ctx.receiver, integ.name, integ.index, firing, resolved)
                return True
            to_send = [a for a in alerts if not a.resolved_at(ctx.now)]
        if not await self._send_with_retry(integ, ctx, to_send):
            return False
        await self._nflog.log(ctx.group_key, ctx.receiver, integ.name, integ.index, firing, resolved)
        return True

    async def _send_with_retry(self, integ: Integration, ctx: NotifyContext, alerts: Sequence[Alert]) -> bool:
        backoff = Backoff()
        attempt = 0
        m = self._metrics
        if m is not None:
            m.notifications.labels(integ.name).inc()
        last_err = ""
        while True:
            attempt += 1
            remaining = ctx.deadline - self._clock.monotonic()
            if remaining <= 0:
                break
            start = time.perf_counter()
            try:
                await asyncio.wait_for(integ.notifier.notify(ctx, alerts), timeout=remaining)
            except (NotifyError, TimeoutError) as exc:
                retry = exc.retry if isinstance(exc, NotifyError) else True
                last_err = str(exc) or "timeout"
                if m is not None:
                    m.notification_latency.labels(integ.name).observe(time.perf_counter() - start)
                    m.notification_requests.labels(integ.name).inc()
                    m.notification_requests_failed.labels(integ.name).inc()
                if not retry:
                    log.error(
                        "notify failed permanently",
                        extra={
                            "receiver": ctx.receiver,
                            "integration": str(integ),
                            "attempts": attempt,
                            "err": last_err,
                        },
                    )
                    break
                log.warning(
                    "notify attempt failed",
                    extra={"receiver": ctx.receiver, "integration": str(integ), "attempt": attempt, "err": last_err},
                )
                wait = backoff.next()
                if isinstance(exc, NotifyError) and exc.retry_after is not None:
                    wait = max(wait, exc.retry_after)
                if self._clock.monotonic() + wait >= ctx.deadline:
                    break
                await self._clock.sleep(wait)
                continue
            if m is not None:
                m.notification_latency.labels(integ.name).observe(time.perf_counter() - start)
                m.notification_requests.labels(integ.name).inc()
            log.debug("notify success", extra={"integration": str(integ), "attempts": attempt})
            return True
        if m is not None:
            m.notifications_failed.labels(integ.name).inc()
        log.error(
            "notify retry canceled",
            extra={"receiver": ctx.receiver, "integration": str(integ), "attempts": attempt, "err": last_err},
        )
        return False


class Pipeline:
    """Routes a flush to its receiver's pipeline after the muting stages."""

    def __init__(
        self,
        receivers: Mapping[str, ReceiverPipeline],
        inhibitor: Inhibitor,
        silencer: Silencer,
        interval_active: IntervalCheck,
        marker: Marker | None = None,
    ) -> None:
        self.receivers = dict(receivers)
        self._marker = marker
        self._inhibitor = inhibitor
        self._silencer = silencer
        self._interval_active = interval_active

    async def exec(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> bool:
        alerts = [a for a in alerts if not self._inhibitor.mutes(a.fingerprint, a.labels)]
        if not alerts:
            return True
        muted_by = self._muting_intervals(ctx)
        if self._marker is not None:
            for a in alerts:
                self._marker.set_muted(a.fingerprint, muted_by)
        if muted_by:
            return True
        alerts = [a for a in alerts if not self._silencer.mutes(a.fingerprint, a.labels)]
        if not alerts:
            return True
        rp = self.receivers.get(ctx.receiver)
        if rp is None:
            log.error("no pipeline for receiver", extra={"receiver": ctx.receiver})
            return False
        return await rp.run(ctx, alerts)

    def _muting_intervals(self, ctx: NotifyContext) -> list[str]:
        """Names of the time intervals that mute this flush (shown as the alerts' `mutedBy`)."""
        active = self._interval_active
        if ctx.active_time_intervals and not any(active(n, ctx.now) for n in ctx.active_time_intervals):
            return list(ctx.active_time_intervals)
        return [n for n in ctx.mute_time_intervals if active(n, ctx.now)]

    async def close(self) -> None:
        for rp in self.receivers.values():
            for i in rp.integrations:
                await i.notifier.close()
