"""Notification-log entries: what was last sent for one group, receiver and integration."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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
    # What a channel needs to remember about this group (Slack: the message to update); Alertmanager's ReceiverData.
    data: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str, str, int]:
        return (self.tenant, self.group_key, self.receiver, self.integration, self.idx)


@dataclass(slots=True)
class OutboxEntry:
    """A notification accepted for delivery: persisted before the first attempt, kept until the channel took it.

    `payload` holds what is needed to rebuild the request after a restart (the flush context and the alerts);
    delivered and dead entries stay as delivery history until the retention period ends.
    """

    id: str
    group_key: str
    receiver: str
    integration: str
    idx: int
    status: str  # "pending" | "delivered" | "dead"
    created_at: datetime
    updated_at: datetime
    next_attempt_at: datetime
    attempts: int
    last_error: str
    payload: dict[str, Any]
    tenant: str = field(default="default")

    @property
    def target(self) -> tuple[str, str, str, int]:
        return (self.group_key, self.receiver, self.integration, self.idx)
