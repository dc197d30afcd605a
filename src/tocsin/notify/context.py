"""What a notification stage knows about the flush it is part of."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tocsin.model.ack import Acknowledgement

# What a delivery tells the channel: the group's state (every notification), or that someone acknowledged it
# (sent only to channels that can show it: PagerDuty, Opsgenie, Slack).
NOTIFY, ACKNOWLEDGE = "notify", "acknowledge"


@dataclass
class NotifyContext:
    group_key: str
    group_labels: dict[str, str]
    receiver: str
    now: datetime
    repeat_interval: float
    mute_time_intervals: tuple[str, ...] = ()
    active_time_intervals: tuple[str, ...] = ()
    # Monotonic deadline (clock.monotonic()) after which retries stop; the next flush tries again.
    deadline: float = float("inf")
    external_url: str = ""
    firing: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    # The integration's remembered data for this group, from the notification log; a channel may update it and
    # the outbox stores it with the log entry after a successful send (Slack keeps its message timestamp here).
    receiver_data: dict[str, str] = field(default_factory=dict)
    event: str = NOTIFY
    # The group's acknowledgement, if any (set for ACKNOWLEDGE events and for notifications of acknowledged groups).
    ack: Acknowledgement | None = None
