"""YAML syntax of `time_intervals` / `mute_time_intervals`, parsed into `tocsin.alerting.timeinterval` values.

Accepts what Alertmanager accepts: `weekdays: ['monday:friday', saturday]`, `days_of_month: ['1:5', '-1']`,
`months: ['january:march', 12]`, `years: ['2020:2022']`, `times: [{start_time: '09:00', end_time: '17:00'}]`,
`location: Europe/Berlin`. Names are case-insensitive; errors name the offending value.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, ConfigDict, Field, field_validator

from tocsin.alerting.timeinterval import InclusiveRange, TimeInterval, TimeRange
from tocsin.config.types import ConfigModel

__all__ = [
    "TimeIntervalDef",
    "TimeIntervalSpec",
    "parse_day_of_month_range",
    "parse_month_range",
    "parse_time_of_day",
    "parse_weekday_range",
    "parse_year_range",
]

WEEKDAYS = {
    "sunday": 0,
    "monday": 1,
    "tuesday": 2,
    "wednesday": 3,
    "thursday": 4,
    "friday": 5,
    "saturday": 6,
}
WEEKDAY_NAMES = {v: k for k, v in WEEKDAYS.items()}
MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
}
MONTH_NAMES = {v: k for k, v in MONTHS.items()}

_INT_RE = re.compile(r"[+-]?[0-9]+")
_TIME_RE = re.compile(r"(?:([01][0-9]|2[0-3]):([0-5][0-9]))|(24):(00)")


def _split_range(text: Any, what: str) -> tuple[str, str]:
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise ValueError(f"{what} must be a string like 'a:b', got {text!r}")
    s = str(text).lower()
    if ":" in s:
        parts = s.split(":")
        if len(parts) != 2:
            raise ValueError(f"couldn't parse range {text!r}, invalid format")
        return parts[0], parts[1]
    return s, s


def _int(text: str, original: Any, what: str) -> int:
    if _INT_RE.fullmatch(text) is None:
        raise ValueError(f"{text!r} is not a valid {what} (in {original!r})")
    return int(text)


def parse_weekday_range(value: Any) -> InclusiveRange:
    """`monday`, `monday:friday` -> 1..5 (0 is Sunday)."""
    a, b = _split_range(value, "weekday range")
    for part in (a, b):
        if part not in WEEKDAYS:
            raise ValueError(f"{part!r} is not a valid weekday (in {value!r})")
    begin, end = WEEKDAYS[a], WEEKDAYS[b]
    if begin > end:
        raise ValueError(f"start day cannot be after end day in {value!r}")
    return InclusiveRange(begin, end)


def parse_day_of_month_range(value: Any) -> InclusiveRange:
    """`1`, `1:5`, `-1` (last day), `-7:-1` (last week)."""
    a, b = _split_range(value, "day of month range")
    begin, end = _int(a, value, "day of month"), _int(b, value, "day of month")
    for day in (begin, end):
        if day == 0 or not -31 <= day <= 31:
            raise ValueError(f"{day} is not a valid day of the month: out of range (in {value!r})")
    if begin < 0 < end:
        raise ValueError(f"end day must be negative if start day is negative (in {value!r})")
    check_begin = 28 + begin if begin < 0 else begin
    check_end = 28 + end if end < 0 else end
    if check_begin > check_end:
        raise ValueError(f"end day {end} is always before start day {begin} (in {value!r})")
    return InclusiveRange(begin, end)


def parse_month_range(value: Any) -> InclusiveRange:
    """`january`, `january:march`, `1:3`."""
    a, b = _split_range(value, "month range")

    def one(part: str) -> int:
        if part in MONTHS:
            return MONTHS[part]
        # Alertmanager accepts any number here (a month outside 1..12 simply never matches).
        return _int(part, value, "month")

    begin, end = one(a), one(b)
    if begin > end:
        raise ValueError(f"end month {MONTH_NAMES.get(end, end)} is before start month {MONTH_NAMES.get(begin, begin)}")
    return InclusiveRange(begin, end)


def parse_year_range(value: Any) -> InclusiveRange:
    """`2024`, `2020:2022`."""
    a, b = _split_range(value, "year range")
    begin, end = _int(a, value, "year"), _int(b, value, "year")
    if begin > end:
        raise ValueError(f"end year {end} is before start year {begin}")
    return InclusiveRange(begin, end)


def parse_time_of_day(value: Any) -> int:
    """`HH:MM` (00:00..24:00) to minutes since midnight."""
    if not isinstance(value, str):
        raise ValueError(f"couldn't parse timestamp {value!r}, invalid format (want HH:MM)")
    m = _TIME_RE.fullmatch(value)
    if m is None:
        raise ValueError(f"couldn't parse timestamp {value!r}, invalid format (want HH:MM)")
    hours, minutes = (m.group(1), m.group(2)) if m.group(1) is not None else (m.group(3), m.group(4))
    return int(hours) * 60 + int(minutes)


def _parse_time_range(value: Any) -> Any:
    if isinstance(value, TimeRange):
        return value
    if not isinstance(value, dict):
        raise ValueError(f"time range must be a mapping with start_time and end_time, got {value!r}")
    unknown = sorted(set(value) - {"start_time", "end_time"})
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)} in time range")
    start, end = value.get("start_time"), value.get("end_time")
    if start in (None, "") or end in (None, ""):
        raise ValueError("both start and end times must be provided")
    start_min, end_min = parse_time_of_day(start), parse_time_of_day(end)
    if start_min >= end_min:
        raise ValueError(f"start time cannot be equal or greater than end time ({start}-{end})")
    return TimeRange(start_min, end_min)


def _wrap(parser: Any) -> Any:
    def validate(value: Any) -> Any:
        if isinstance(value, InclusiveRange):
            return value
        return parser(value)

    return validate


@functools.lru_cache(maxsize=256)
def load_location(name: str) -> ZoneInfo:
    """Go's time.LoadLocation: "" and "UTC" are UTC, "Local" is the machine's zone."""
    if name in ("", "UTC"):
        return ZoneInfo("UTC")
    if name == "Local":
        try:
            with Path("/etc/localtime").open("rb") as fh:
                return ZoneInfo.from_file(fh, key="Local")
        except OSError:
            return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {name!r}") from None


def _location(value: Any) -> Any:
    if value is None or isinstance(value, ZoneInfo):
        return value
    if not isinstance(value, str):
        raise ValueError(f"location must be a time zone name, got {value!r}")
    return load_location(value)


TimeRangeItem = Annotated[TimeRange, BeforeValidator(_parse_time_range)]
WeekdayItem = Annotated[InclusiveRange, BeforeValidator(_wrap(parse_weekday_range))]
DayOfMonthItem = Annotated[InclusiveRange, BeforeValidator(_wrap(parse_day_of_month_range))]
MonthItem = Annotated[InclusiveRange, BeforeValidator(_wrap(parse_month_range))]
YearItem = Annotated[InclusiveRange, BeforeValidator(_wrap(parse_year_range))]


class TimeIntervalSpec(ConfigModel):
    """One entry of a named interval's `time_intervals` list."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    times: list[TimeRangeItem] | None = None
    weekdays: list[WeekdayItem] | None = None
    days_of_month: list[DayOfMonthItem] | None = None
    months: list[MonthItem] | None = None
    years: list[YearItem] | None = None
    location: Annotated[ZoneInfo | None, BeforeValidator(_location)] = None

    def to_interval(self) -> TimeInterval:
        def tup(items: list[Any] | None) -> tuple[Any, ...] | None:
            return None if items is None else tuple(items)

        return TimeInterval(
            times=tup(self.times),
            weekdays=tup(self.weekdays),
            days_of_month=tup(self.days_of_month),
            months=tup(self.months),
            years=tup(self.years),
            location=self.location,
        )

    def to_yaml_data(self) -> dict[str, Any]:
        """Alertmanager's marshalled form of this entry."""
        out: dict[str, Any] = {}
        if self.times:
            out["times"] = [{"start_time": _hhmm(r.start_minute), "end_time": _hhmm(r.end_minute)} for r in self.times]
        if self.weekdays:
            out["weekdays"] = [_named_range(r, WEEKDAY_NAMES) for r in self.weekdays]
        if self.days_of_month:
            out["days_of_month"] = [_named_range(r, None) for r in self.days_of_month]
        if self.months:
            out["months"] = [_named_range(r, None) for r in self.months]
        if self.years:
            out["years"] = [_named_range(r, None) for r in self.years]
        if self.location is not None:
            out["location"] = self.location.key
        return out


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _named_range(r: InclusiveRange, names: dict[int, str] | None) -> str:
    def one(v: int) -> str:
        return names[v] if names is not None else str(v)

    return one(r.begin) if r.begin == r.end else f"{one(r.begin)}:{one(r.end)}"


class TimeIntervalDef(ConfigModel):
    """A named time interval referenced by routes' mute_time_intervals / active_time_intervals."""

    name: str
    time_intervals: list[TimeIntervalSpec] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name_present(cls, value: str) -> str:
        if not value:
            raise ValueError("missing name in time interval")
        return value

    @property
    def intervals(self) -> list[TimeInterval]:
        return [spec.to_interval() for spec in self.time_intervals]
