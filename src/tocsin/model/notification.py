"""Notification-log entries: what was last sent for one group, receiver and integration."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class NflogEntry:
    """What was last sent for one (group, receiver, integration): the notification log's unit of dedup."""

    group_key: str
    receiver: str
    integration: str
    idx: int
    timestamp: datetime
    firing: frozenset[int]
    resolved: frozenset[int]
    expires_at: datetime
    tenant: str = field(default="default")

    @property
    def key(self) -> tuple[str, str, str, str, int]:
        return (self.tenant, self.group_key, self.receiver, self.integration, self.idx)
