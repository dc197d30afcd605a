"""Alertmanager time intervals: is a moment inside "weekdays 09:00-17:00 in Europe/Berlin"?

Routes mute or activate notifications by named intervals. Evaluation follows Alertmanager's
`timeinterval.ContainsTime`: every constrained field must match (AND), any range within a field may match
(OR); an unconstrained field (None) matches everything, an explicitly empty list matches nothing. Times are
half-open [start, end) in minutes of the local day; days of month may count from the month's end (-1 is the
last day); the moment is first converted to the interval's location, and without one it is read in its own
time zone (Tocsin's clock is UTC, which is Alertmanager's documented default).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

__all__ = ["InclusiveRange", "TimeInterval", "TimeRange", "active"]


@dataclass(frozen=True, slots=True)
class TimeRange:
    """Minutes since local midnight, start inclusive, end exclusive (0..1440)."""

    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_minute < self.end_minute <= 1440:
            raise ValueError(f"invalid time range {self.start_minute}-{self.end_minute} (minutes of day)")

    def contains(self, minute_of_day: int) -> bool:
        return self.start_minute <= minute_of_day < self.end_minute

    def __str__(self) -> str:
        return f"{_hhmm(self.start_minute)}-{_hhmm(self.end_minute)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True)
class InclusiveRange:
    """Both ends included. Weekdays use 0=Sunday..6=Saturday, months 1..12, days of month ±1..31."""

    begin: int
    end: int

    def contains(self, value: int) -> bool:
        return self.begin <= value <= self.end


@dataclass(frozen=True, slots=True)
class TimeInterval:
    times: tuple[TimeRange, ...] | None = None
    weekdays: tuple[InclusiveRange, ...] | None = None
    days_of_month: tuple[InclusiveRange, ...] | None = None
    months: tuple[InclusiveRange, ...] | None = None
    years: tuple[InclusiveRange, ...] | None = None
    location: ZoneInfo | None = None

    def contains(self, t: datetime) -> bool:
        """Whether instant `t` falls inside this interval. Naive datetimes are taken as UTC."""
        if t.tzinfo is None:
            t = t.replace(tzinfo=UTC)
        local = t.astimezone(self.location) if self.location is not None else t

        if self.times is not None:
            minute = local.hour * 60 + local.minute
            if not any(r.contains(minute) for r in self.times):
                return False
        if self.days_of_month is not None and not _day_of_month_matches(self.days_of_month, local):
            return False
        if self.months is not None and not any(r.contains(local.month) for r in self.months):
            return False
        if self.weekdays is not None:
            weekday = (local.weekday() + 1) % 7  # Python: Monday=0; Go/Alertmanager: Sunday=0
            if not any(r.contains(weekday) for r in self.weekdays):
                return False
        return self.years is None or any(r.contains(local.year) for r in self.years)


def _day_of_month_matches(ranges: Sequence[InclusiveRange], local: datetime) -> bool:
    days = calendar.monthrange(local.year, local.month)[1]
    for r in ranges:
        begin = days + r.begin + 1 if r.begin < 0 else r.begin
        end = days + r.end + 1 if r.end < 0 else r.end
        if begin > days:
            continue
        # A range reaching past the month's end (e.g. 31 in April) is cut at the last day.
        begin = max(-days, min(begin, days))
        end = max(-days, min(end, days))
        if begin <= local.day <= end:
            return True
    return False


def active(intervals: Sequence[TimeInterval], t: datetime) -> bool:
    """Whether `t` is inside any of `intervals` (a named time interval is a list of these)."""
    return any(interval.contains(t) for interval in intervals)
