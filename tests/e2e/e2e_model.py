"""Builders for API v2 request bodies and the small calculations tests compare against.

Times are explicit wall-clock datetimes so that two servers fed the same scenario
receive identical timestamps (the differential test relies on that).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)

# FNV-1a 64-bit, as Prometheus' model.LabelSet.Fingerprint uses.
_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_SEPARATOR = 0xFF


def now() -> datetime:
    return datetime.now(UTC)


def iso(t: datetime) -> str:
    """RFC 3339 with millisecond precision and a Z suffix."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    """Parse the RFC 3339 timestamps both servers emit (Go may print nanoseconds)."""
    s = text.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    if "." in s:
        head, rest = s.split(".", 1)
        digits = ""
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        s = f"{head}.{(digits + '000000')[:6]}{rest}"
    return datetime.fromisoformat(s).astimezone(UTC)


def close_to(text: str, expected: datetime, tolerance: float = 0.002) -> bool:
    return abs((parse_time(text) - expected).total_seconds()) <= tolerance


def fingerprint(labels: dict[str, str]) -> str:
    """Alertmanager's alert fingerprint: FNV-1a over sorted names and values."""
    h = _FNV_OFFSET
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in part.encode():
                h = ((h ^ byte) * _FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
            h = ((h ^ _SEPARATOR) * _FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def alert(
    name: str,
    *,
    labels: dict[str, str] | None = None,
    starts: datetime | None = None,
    ends: datetime | None = None,
    annotations: dict[str, str] | None = None,
    generator_url: str | None = None,
    **more_labels: str,
) -> dict[str, Any]:
    body: dict[str, Any] = {"labels": {"alertname": name, **(labels or {}), **more_labels}}
    if annotations:
        body["annotations"] = annotations
    if starts is not None:
        body["startsAt"] = iso(starts)
    if ends is not None:
        body["endsAt"] = iso(ends)
    if generator_url is not None:
        body["generatorURL"] = generator_url
    return body


def matcher(name: str, value: str, *, regex: bool = False, equal: bool = True) -> dict[str, Any]:
    return {"name": name, "value": value, "isRegex": regex, "isEqual": equal}


def silence(
    *matchers: dict[str, Any],
    starts: datetime | None = None,
    ends: datetime | None = None,
    duration: float = 3600.0,
    comment: str = "e2e",
) -> dict[str, Any]:
    start = starts or now()
    end = ends or start + timedelta(seconds=duration)
    return {
        "matchers": list(matchers),
        "startsAt": iso(start),
        "endsAt": iso(end),
        "createdBy": "tocsin-e2e",
        "comment": comment,
    }
