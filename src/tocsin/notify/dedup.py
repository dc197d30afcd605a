"""Alertmanager's dedup decision: does this flush tell the receiver something new?"""

from __future__ import annotations

from tocsin.model.notification import NflogEntry
from tocsin.notify.context import NotifyContext


def needs_update(
    entry: NflogEntry | None,
    firing: set[int],
    resolved: set[int],
    send_resolved: bool,
    repeat_interval: float,
    ctx: NotifyContext,
    acknowledged: bool = False,
) -> bool:
    """Alertmanager's DedupStage decision; an acknowledged group is not repeated on `repeat_interval`."""
    if entry is None:
        return bool(firing)
    if not firing <= entry.firing:
        return True
    if not firing:
        # All alerts resolved: tell the receiver only if it was told something was firing.
        return bool(entry.firing)
    if send_resolved and not resolved <= entry.resolved:
        return True
    if acknowledged:
        return False
    return entry.timestamp.timestamp() < ctx.now.timestamp() - repeat_interval
