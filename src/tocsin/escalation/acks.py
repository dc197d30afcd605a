"""Acknowledgements of alert groups, and what they change in the notification pipeline.

An acknowledged group stops re-notifying on `repeat_interval`: the person who took it does not need the same
message every few hours. It still notifies when something new happens: an alert that was not firing when the
group was acknowledged starts firing (that also ends the acknowledgement), or alerts resolve (with
`send_resolved`). Once nothing in the group fires, the acknowledgement is forgotten.

Acknowledgements are written through storage like silences, so they survive restarts and can be shared by
replicas later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from tocsin.model.ack import Acknowledgement
from tocsin.model.clock import Clock
from tocsin.storage.repository import AckKey
from tocsin.storage.writer import WriteBehind

log = logging.getLogger(__name__)

MAX_ACKED_BY = 256
MAX_ACK_COMMENT = 4096


class AckError(ValueError):
    """An acknowledgement that cannot be given (bad field, or nothing to acknowledge)."""


class NothingToAcknowledge(AckError):
    """The group has no firing alerts (HTTP 409: the request is fine, the group's state is not)."""


class AckStore:
    def __init__(self, clock: Clock, writer: WriteBehind | None, tenant: str = "default") -> None:
        self._clock = clock
        self._writer = writer
        self._acks: dict[AckKey, Acknowledgement] = {}
        self.tenant = tenant

    def load(self, acks: Iterable[Acknowledgement]) -> None:
        for a in acks:
            self._acks[a.key] = a

    def get(self, group_key: str, receiver: str) -> Acknowledgement | None:
        return self._acks.get((self.tenant, group_key, receiver))

    def all(self) -> list[Acknowledgement]:
        return list(self._acks.values())

    async def acknowledge(
        self,
        group_key: str,
        receiver: str,
        firing: Iterable[int],
        acked_by: str,
        comment: str = "",
        source: str = "api",
    ) -> Acknowledgement:
        """Record (or renew) an acknowledgement and wait until it is durable."""
        acked_by = acked_by.strip()
        if not acked_by:
            raise AckError("ackedBy: must name who acknowledges (a user name or e-mail address)")
        if len(acked_by) > MAX_ACKED_BY:
            raise AckError(f"ackedBy: at most {MAX_ACKED_BY} characters, got {len(acked_by)}")
        if len(comment) > MAX_ACK_COMMENT:
            raise AckError(f"comment: at most {MAX_ACK_COMMENT} characters, got {len(comment)}")
        fps = frozenset(firing)
        if not fps:
            raise NothingToAcknowledge("the group has no firing alerts to acknowledge")
        ack = Acknowledgement(
            group_key=group_key,
            receiver=receiver,
            acked_by=acked_by,
            acked_at=self._clock.now(),
            comment=comment,
            fingerprints=fps,
            source=source,
            tenant=self.tenant,
        )
        self._acks[ack.key] = ack
        if self._writer is not None:
            self._writer.put_ack(ack)
            await self._writer.flushed()
        log.info("group acknowledged", extra={"group": group_key, "receiver": receiver, "by": acked_by})
        return ack

    async def clear(self, group_key: str, receiver: str, why: str) -> Acknowledgement | None:
        ack = self._acks.pop((self.tenant, group_key, receiver), None)
        if ack is not None:
            if self._writer is not None:
                self._writer.delete_ack(ack.key)
                await self._writer.flushed()
            log.info("acknowledgement ended", extra={"group": group_key, "receiver": receiver, "why": why})
        return ack

    async def review(self, group_key: str, receiver: str, firing: frozenset[int] | set[int]) -> Acknowledgement | None:
        """The acknowledgement still valid for a flush with these firing alerts (ending it if it no longer is)."""
        ack = self.get(group_key, receiver)
        if ack is None:
            return None
        if not firing:
            await self.clear(group_key, receiver, "nothing firing")
            return None
        if not firing <= ack.fingerprints:
            await self.clear(group_key, receiver, "a new alert fired in the group")
            return None
        return ack
