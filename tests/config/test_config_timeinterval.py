from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.alerting.timeinterval import InclusiveRange, TimeInterval, TimeRange, active
from tocsin.config import ConfigError, load_config_text
from tocsin.config.timeintervals import (
    TimeIntervalSpec,
    parse_day_of_month_range,
    parse_month_range,
    parse_time_of_day,
    parse_weekday_range,
    parse_year_range,
)

BERLIN = ZoneInfo("Europe/Berlin")


def spec(**fields: object) -> TimeInterval:
    return TimeIntervalSpec.model_validate(fields).to_interval()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_timeinterval_business_hours_in_berlin() -> None:
    ti = spec(
        weekdays=["monday:friday"], times=[{"start_time": "09:00", "end_time": "17:00"}], location="Europe/Berlin"
    )
    # Friday 2024-03-29 is still winter time (UTC+1).
    assert not ti.contains(utc(2024, 3, 29, 7, 59))
    assert ti.contains(utc(2024, 3, 29, 8, 0))
    assert ti.contains(utc(2024, 3, 29, 15, 59))
    assert not ti.contains(utc(2024, 3, 29, 16, 0))  # 17:00 local: the end is exclusive
    assert not ti.contains(utc(2024, 3, 30, 10, 0))  # Saturday
    # After the switch to summer time (UTC+2) the same local window starts an hour earlier in UTC.
    assert ti.contains(utc(2024, 4, 2, 7, 0))
    assert not ti.contains(utc(2024, 4, 2, 15, 0))


def test_timeinterval_dst_gap_and_overlap() -> None:
    ti = spec(times=[{"start_time": "02:00", "end_time": "03:00"}], location="Europe/Berlin")
    # 2024-03-31: local clocks jump from 02:00 to 03:00, so the window never occurs that night.
    t = utc(2024, 3, 30, 22, 0)
    hits = []
    while t < utc(2024, 3, 31, 6, 0):
        if ti.contains(t):
            hits.append(t)
        t += timedelta(minutes=1)
    assert hits == []
    # 2024-10-27: 02:00-03:00 local happens twice (first CEST, then CET), two hours of UTC time match.
    t = utc(2024, 10, 26, 22, 0)
    count = 0
    while t < utc(2024, 10, 27, 6, 0):
        count += ti.contains(t)
        t += timedelta(minutes=1)
    assert count == 120
    assert ti.contains(utc(2024, 10, 27, 0, 30)) and ti.contains(utc(2024, 10, 27, 1, 30))


@pytest.mark.parametrize(
    ("days", "date", "expected"),
    [
        (["-1"], (2024, 2, 29), True),
        (["-1"], (2024, 2, 28), False),
        (["-1"], (2023, 2, 28), True),
        (["-1"], (2024, 4, 30), True),
        (["-7:-1"], (2024, 1, 25), True),
        (["-7:-1"], (2024, 1, 24), False),
        (["1:5"], (2024, 6, 5), True),
        (["1:5"], (2024, 6, 6), False),
        (["31"], (2024, 4, 30), False),  # April has no 31st; Alertmanager skips the range
        (["25:31"], (2023, 2, 28), True),  # clamped to the month's last day
        (["29:31"], (2023, 2, 28), False),
        (["1", "15"], (2024, 5, 15), True),
        (["-3:-2"], (2024, 12, 29), True),
        (["-3:-2"], (2024, 12, 31), False),
    ],
)
def test_timeinterval_days_of_month(days: list[str], date: tuple[int, int, int], expected: bool) -> None:
    assert spec(days_of_month=days).contains(utc(*date, 12, 0)) is expected


def test_timeinterval_months_years_and_combinations() -> None:
    ti = spec(months=["january:march", "december"], years=["2024:2025"])
    assert ti.contains(utc(2024, 2, 1))
    assert ti.contains(utc(2025, 12, 31, 23, 59))
    assert not ti.contains(utc(2024, 4, 1))
    assert not ti.contains(utc(2026, 1, 1))
    assert spec(months=["1:3"]) == spec(months=["January:MARCH"])


def test_timeinterval_unconstrained_and_empty() -> None:
    assert TimeInterval().contains(utc(2000, 1, 1))
    assert not TimeInterval(weekdays=()).contains(utc(2000, 1, 1))
    assert not active([], utc(2000, 1, 1))
    weekend = spec(weekdays=["saturday", "sunday"])
    night = spec(times=[{"start_time": "00:00", "end_time": "06:00"}])
    assert active([weekend, night], utc(2024, 6, 5, 3, 0))  # Wednesday night
    assert active([weekend, night], utc(2024, 6, 8, 12, 0))  # Saturday noon
    assert not active([weekend, night], utc(2024, 6, 5, 12, 0))


def test_timeinterval_naive_times_are_utc_and_location_less_uses_own_zone() -> None:
    ti = spec(times=[{"start_time": "09:00", "end_time": "10:00"}])
    assert ti.contains(datetime(2024, 1, 1, 9, 30))
    # Without a location the instant is read in its own zone, as Alertmanager does with time.Time.
    assert ti.contains(datetime(2024, 1, 1, 9, 30, tzinfo=BERLIN))
    assert not ti.contains(datetime(2024, 1, 1, 9, 30, tzinfo=BERLIN).astimezone(UTC))


def test_timeinterval_end_of_day_24_00() -> None:
    ti = spec(times=[{"start_time": "23:00", "end_time": "24:00"}])
    assert ti.contains(utc(2024, 1, 1, 23, 59))
    assert not ti.contains(utc(2024, 1, 2, 0, 0))


@pytest.mark.parametrize(
    ("parser", "text", "expected"),
    [
        (parse_weekday_range, "monday:friday", InclusiveRange(1, 5)),
        (parse_weekday_range, "Sunday", InclusiveRange(0, 0)),
        (parse_day_of_month_range, "-7:-1", InclusiveRange(-7, -1)),
        (parse_day_of_month_range, "1:-1", InclusiveRange(1, -1)),
        (parse_day_of_month_range, 15, InclusiveRange(15, 15)),
        (parse_month_range, "may:7", InclusiveRange(5, 7)),
        (parse_year_range, "2020:2022", InclusiveRange(2020, 2022)),
    ],
)
def test_timeinterval_range_parsers(parser: object, text: object, expected: InclusiveRange) -> None:
    assert parser(text) == expected  # type: ignore[operator]


@pytest.mark.parametrize(
    ("parser", "text", "fragment"),
    [
        (parse_weekday_range, "funday", "'funday' is not a valid weekday"),
        (parse_weekday_range, "friday:monday", "start day cannot be after end day"),
        (parse_weekday_range, "a:b:c", "invalid format"),
        (parse_day_of_month_range, "0", "0 is not a valid day of the month"),
        (parse_day_of_month_range, "32", "32 is not a valid day of the month"),
        (parse_day_of_month_range, "-1:5", "end day must be negative if start day is negative"),
        (parse_day_of_month_range, "10:2", "end day 2 is always before start day 10"),
        (parse_day_of_month_range, "x", "'x' is not a valid day of month"),
        (parse_month_range, "march:january", "end month january is before start month march"),
        (parse_month_range, "0x", "'0x' is not a valid month"),
        (parse_month_range, "smarch", "'smarch' is not a valid month"),
        (parse_year_range, "2022:2020", "end year 2020 is before start year 2022"),
        (parse_time_of_day, "9:00", "invalid format"),
        (parse_time_of_day, "24:01", "invalid format"),
        (parse_time_of_day, "12:60", "invalid format"),
    ],
)
def test_timeinterval_parse_errors(parser: object, text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        parser(text)  # type: ignore[operator]
    assert fragment in str(info.value)


def test_timeinterval_parse_time_of_day() -> None:
    assert parse_time_of_day("00:00") == 0
    assert parse_time_of_day("17:30") == 1050
    assert parse_time_of_day("24:00") == 1440


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ("{times: [{start_time: '10:00', end_time: '09:00'}]}", "start time cannot be equal or greater than end time"),
        ("{times: [{start_time: '10:00'}]}", "both start and end times must be provided"),
        ("{times: [{start_time: '10:00', end_time: '11:00', zone: x}]}", "unknown field(s) zone"),
        ("{location: Mars/Olympus}", "unknown time zone 'Mars/Olympus'"),
        ("{weekdays: monday}", "Input should be a valid list"),
        ("{hours: ['1:2']}", "hours: unknown field"),
    ],
)
def test_timeinterval_config_errors(entry: str, fragment: str) -> None:
    text = "route: {receiver: r}\nreceivers: [{name: r}]\n"
    text += f"time_intervals:\n  - name: t\n    time_intervals: [{entry}]\n"
    with pytest.raises(ConfigError) as info:
        load_config_text(text, filename="ti.yml")
    assert fragment in str(info.value)
    assert "ti.yml:5:" in str(info.value)


def test_timeinterval_location_local_and_utc() -> None:
    assert spec(location="UTC").location == ZoneInfo("UTC")
    assert spec(location="Local").location is not None


# --- properties -------------------------------------------------------------------------------------------

_instants = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(t=_instants, start=st.integers(0, 1439), length=st.integers(1, 1440))
def test_timeinterval_times_property(t: datetime, start: int, length: int) -> None:
    end = min(start + length, 1440)
    ti = TimeInterval(times=(TimeRange(start, end),), location=BERLIN)
    local = t.astimezone(BERLIN)
    minute = local.hour * 60 + local.minute
    assert ti.contains(t) == (start <= minute < end)


@settings(max_examples=300, deadline=None)
@given(t=_instants, day=st.integers(1, 31))
def test_timeinterval_negative_day_counts_from_month_end(t: datetime, day: int) -> None:
    last = calendar.monthrange(t.year, t.month)[1]
    ti = TimeInterval(days_of_month=(InclusiveRange(-day, -day),))
    assert ti.contains(t) == (t.day == last - day + 1)


@settings(max_examples=300, deadline=None)
@given(t=_instants, a=st.integers(0, 6), b=st.integers(0, 6))
def test_timeinterval_weekday_property(t: datetime, a: int, b: int) -> None:
    lo, hi = min(a, b), max(a, b)
    ti = TimeInterval(weekdays=(InclusiveRange(lo, hi),))
    sunday_based = int(t.strftime("%w"))
    assert ti.contains(t) == (lo <= sunday_based <= hi)


@settings(max_examples=200, deadline=None)
@given(
    t=_instants, zone=st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"])
)
def test_timeinterval_location_is_applied(t: datetime, zone: str) -> None:
    tz = ZoneInfo(zone)
    local = t.astimezone(tz)
    ti = TimeInterval(
        weekdays=(InclusiveRange(int(local.strftime("%w")), int(local.strftime("%w"))),),
        days_of_month=(InclusiveRange(local.day, local.day),),
        months=(InclusiveRange(local.month, local.month),),
        years=(InclusiveRange(local.year, local.year),),
        times=(TimeRange(local.hour * 60 + local.minute, local.hour * 60 + local.minute + 1),),
        location=tz,
    )
    assert ti.contains(t)
    assert not ti.contains(t + timedelta(days=1))
