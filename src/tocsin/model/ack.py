"""Acknowledgements: a person saying "I have this group" so Tocsin stops repeating it at them.

Alertmanager has no such state (it only re-sends on `repeat_interval`); Tocsin keeps one acknowledgement per
alert group and receiver. It covers the alerts that were firing when it was given: a new alert joining the
group ends it (the group is news again), and it is forgotten once the group has nothing firing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class Acknowledgement:
    group_key: str
    receiver: str
    acked_by: str
    acked_at: datetime
    comment: str
    # Fingerprints firing when the group was acknowledged: only alerts outside this set end the acknowledgement.
    fingerprints: frozenset[int]
    source: str = "api"  # "api", "cli", "slack"
    tenant: str = field(default="default")

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.tenant, self.group_key, self.receiver)
