"""Conversions between datetimes and the integer microseconds stored in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_micros(t: datetime) -> int:
    d = t - _EPOCH
    return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds


def to_micros_opt(t: datetime | None) -> int | None:
    return None if t is None else to_micros(t)


def from_micros(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def from_micros_opt(us: int | None) -> datetime | None:
    return None if us is None else from_micros(us)
