"""The Alert domain type and Alertmanager's merge rule for re-sent alerts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tocsin.model.labels import label_set_before


@dataclass(slots=True)
class Alert:
    """One alert as stored: `ends_at is None` is Go's zero time (no end known)."""

    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None
    updated_at: datetime
    generator_url: str = ""
    # True when ends_at was filled in by resolve_timeout rather than by the sender.
    timeout: bool = False
    fingerprint: int = 0
    tenant: str = field(default="default")

    def resolved_at(self, t: datetime) -> bool:
        return self.ends_at is not None and self.ends_at <= t

    def status_at(self, t: datetime) -> str:
        return "resolved" if self.resolved_at(t) else "firing"

    def copy(self) -> Alert:
        # Explicit construction: dataclasses.replace is several times slower, and this is on the ingest path.
        return Alert(
            self.labels,
            self.annotations,
            self.starts_at,
            self.ends_at,
            self.updated_at,
            self.generator_url,
            self.timeout,
            self.fingerprint,
            self.tenant,
        )


def merge_alerts(old: Alert, new: Alert, now: datetime) -> Alert:
    """Alertmanager's Alert.Merge: combine two sightings of the same alert; `new` may be modified and returned.

    The younger sighting wins, the earliest start is kept, and an explicit (non-timeout) end time that lies
    further in the future is not shortened by a sender that merely re-sent the alert.
    """
    if new.updated_at < old.updated_at:
        old, new = new, old.copy()
    # `new` belongs to the caller's fresh sighting (or is a copy), so it is updated in place: this runs for every
    # re-sent alert on the ingest path.
    res = new
    if old.starts_at < new.starts_at:
        res.starts_at = old.starts_at
    if new.resolved_at(now):
        if (
            old.resolved_at(now)
            and old.ends_at is not None
            and new.ends_at is not None
            and old.ends_at > new.ends_at
        ):
            res.ends_at = old.ends_at
    elif _after(old.ends_at, new.ends_at) and not old.timeout:
        res.ends_at = old.ends_at
    return res


def _after(a: datetime | None, b: datetime | None) -> bool:
    """Go's a.After(b) where None is the zero time (earlier than everything)."""
    if a is None:
        return False
    if b is None:
        return True
    return a > b


def overlaps(old: Alert, new: Alert) -> bool:
    """Whether a re-sent alert overlaps the stored one's activity range (then they are merged)."""
    o_end = old.ends_at
    if o_end is None:
        return False
    ends_inside = new.ends_at is not None and new.ends_at > old.starts_at and new.ends_at < o_end
    starts_inside = new.starts_at > old.starts_at and new.starts_at < o_end
    return ends_inside or starts_inside


def alert_sort_key_less(a: Alert, b: Alert) -> bool:
    """Alertmanager's AlertSlice ordering: by job, then instance, then the whole label set."""
    for key in ("job", "instance"):
        av = a.labels.get(key)
        bv = b.labels.get(key)
        if av is None and bv is None:
            continue
        if av is None:
            return False
        if bv is None:
            return True
        if av != bv:
            return av < bv
    return label_set_before(a.labels, b.labels)
