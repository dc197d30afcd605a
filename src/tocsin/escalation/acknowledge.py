"""Acknowledging an alert group: record it, then tell the channels that can show it.

The acknowledgement itself lives in `AckStore` (it changes the dedup decision); this module finds the group a
person means, records the acknowledgement, and queues an ACKNOWLEDGE event in the outbox for every integration
of the group's receiver that supports one (PagerDuty acknowledges its incident, Opsgenie its alert, Slack
updates its message) and that has actually told its service about the group. Going through the outbox makes
the event as durable as a notification: a PagerDuty outage delays the acknowledgement, it does not lose it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tocsin.alerting.dispatch import AggregationGroup, alert_sort_key
from tocsin.alerting.nflog import NotificationLog
from tocsin.escalation.acks import AckStore, NothingToAcknowledge
from tocsin.model.ack import Acknowledgement
from tocsin.model.alert import Alert
from tocsin.model.clock import Clock
from tocsin.notify.context import ACKNOWLEDGE, NotifyContext
from tocsin.notify.integration import supports_event
from tocsin.notify.outbox import Outbox
from tocsin.notify.pipeline import Pipeline
from tocsin.notify.text import group_id


@dataclass
class GroupRef:
    id: str
    group_key: str
    receiver: str
    labels: dict[str, str]
    alerts: list[Alert]


def group_refs(groups: Iterable[AggregationGroup]) -> list[GroupRef]:
    out = []
    for g in groups:
        alerts = sorted(g.alerts.values(), key=alert_sort_key)
        out.append(GroupRef(group_id(g.group_key), g.group_key, g.route.receiver, dict(g.labels), alerts))
    return out


def find_group(groups: Iterable[AggregationGroup], ref: str) -> GroupRef | None:
    """A group by its id (or a unique prefix of at least 6 characters) or by its full group key."""
    refs = group_refs(groups)
    for r in refs:
        if ref in (r.id, r.group_key):
            return r
    if len(ref) >= 6:
        hits = [r for r in refs if r.id.startswith(ref)]
        if len(hits) == 1:
            return hits[0]
    return None


class GroupAcknowledger:
    def __init__(
        self, clock: Clock, acks: AckStore, nflog: NotificationLog, outbox: Outbox, pipeline: Pipeline,
        external_url: str,
    ) -> None:
        self._clock = clock
        self._acks = acks
        self._nflog = nflog
        self._outbox = outbox
        self._pipeline = pipeline
        self._external_url = external_url

    async def acknowledge(
        self, group: GroupRef, acked_by: str, comment: str = "", source: str = "api"
    ) -> Acknowledgement:
        now = self._clock.now()
        firing = [a for a in group.alerts if not a.resolved_at(now)]
        if not firing:
            raise NothingToAcknowledge(f"group {group.id} has no firing alerts to acknowledge")
        ack = await self._acks.acknowledge(
            group.group_key, group.receiver, (a.fingerprint for a in firing), acked_by, comment, source
        )
        await self._tell_channels(group, firing, ack)
        return ack

    async def unacknowledge(self, group: GroupRef) -> Acknowledgement | None:
        return await self._acks.clear(group.group_key, group.receiver, "withdrawn")

    async def _tell_channels(self, group: GroupRef, firing: Sequence[Alert], ack: Acknowledgement) -> None:
        rp = self._pipeline.receivers.get(group.receiver)
        if rp is None:
            return
        for integ in rp.integrations:
            if not supports_event(integ.notifier, ACKNOWLEDGE):
                continue
            logged = self._nflog.query(group.group_key, group.receiver, integ.name, integ.index)
            told = logged is not None and bool(logged.firing)
            if not told and not self._outbox.has_waiting(group.group_key, group.receiver, integ.name, integ.index):
                continue  # the service never heard of this group and is not about to (or only of its resolution)
            # When the group's notification is still waiting (a channel outage), the outbox holds the event back
            # until that notification has gone out.
            ctx = NotifyContext(
                group_key=group.group_key,
                group_labels=group.labels,
                receiver=group.receiver,
                now=self._clock.now(),
                repeat_interval=0,
                external_url=self._external_url,
                event=ACKNOWLEDGE,
                ack=ack,
            )
            await self._outbox.enqueue_event(ctx, integ, firing)
