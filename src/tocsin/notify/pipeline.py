"""The notification pipeline run on every flush of an aggregation group.

Stages, in Alertmanager's order: inhibition, active and mute time intervals, silences; then, for every
integration of the receiver concurrently: dedup against the notification log, send with retries, log the send.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from tocsin.alerting.inhibit import Inhibitor
from tocsin.alerting.marker import Marker
from tocsin.alerting.nflog import NotificationLog
from tocsin.alerting.silences import Silencer
from tocsin.model.ack import Acknowledgement
from tocsin.model.alert import Alert
from tocsin.notify.context import NotifyContext
from tocsin.notify.dedup import needs_update
from tocsin.notify.integration import Integration
from tocsin.notify.outbox import Outbox

log = logging.getLogger(__name__)

IntervalCheck = Callable[[str, datetime], bool]


class AckReview(Protocol):
    """The group's acknowledgement still valid for a flush (escalation.acks.AckStore); handed in by the wiring so
    the pipeline does not depend on the escalation package."""

    async def review(
        self, group_key: str, receiver: str, firing: frozenset[int] | set[int]
    ) -> Acknowledgement | None: ...


class ReceiverPipeline:
    def __init__(
        self,
        integrations: Sequence[Integration],
        nflog: NotificationLog,
        outbox: Outbox,
        acks: AckReview | None = None,
    ) -> None:
        self.integrations = list(integrations)
        self._nflog = nflog
        self._outbox = outbox
        self._acks = acks

    async def review_ack(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        """Set ctx.ack to the group's acknowledgement if it still holds for these alerts (ending it otherwise).

        Runs on every flush before inhibition, silences and mute intervals: a group whose last flushes were muted
        must still lose its acknowledgement when nothing fires, or the next incident with the same alerts would
        count as acknowledged and go unannounced.
        """
        if self._acks is not None:
            firing = frozenset(a.fingerprint for a in alerts if not a.resolved_at(ctx.now))
            ctx.ack = await self._acks.review(ctx.group_key, ctx.receiver, firing)

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
        acked = ctx.ack is not None
        if not needs_update(entry, firing, resolved, integ.send_resolved, ctx.repeat_interval, ctx, acked):
            return True
        to_send: Sequence[Alert] = alerts
        if not integ.send_resolved:
            if not firing:
                # Nothing to tell this receiver, but log it so the next dedup sees the resolution.
                data = entry.data if entry is not None else None
                await self._nflog.log(ctx.group_key, ctx.receiver, integ.name, integ.index, firing, resolved, data)
                return True
            to_send = [a for a in alerts if not a.resolved_at(ctx.now)]
        # Durable from here on: the outbox delivers (retrying as long as it takes) and then logs the send.
        await self._outbox.enqueue(ctx, integ, to_send, firing, resolved)
        return True


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
        rp = self.receivers.get(ctx.receiver)
        if rp is not None:
            await rp.review_ack(ctx, alerts)
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

    def find(self, receiver: str, integration: str, idx: int) -> Integration | None:
        rp = self.receivers.get(receiver)
        if rp is None:
            return None
        for i in rp.integrations:
            if i.name == integration and i.index == idx:
                return i
        return None

    async def close(self) -> None:
        for rp in self.receivers.values():
            for i in rp.integrations:
                await i.notifier.close()
