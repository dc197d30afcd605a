"""Go's ``time.Time`` and ``time.Duration`` as template values.

Alert times reach templates as Go times: printing one gives ``2006-01-02 15:04:05.999999999 -0700
MST`` and templates call methods such as ``.Format "15:04"``, ``.Unix`` or ``.Sub``. Python's datetime
only holds microseconds, so the nanoseconds of a second are kept separately.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from tocsin.notify.template.gotypes import GoFunc, GoStruct

_UTC = dt.UTC
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=_UTC)

_NS = 1
_US = 1000
_MS = 1000 * _US
_SEC = 1000 * _MS
_MIN = 60 * _SEC
_HOUR = 60 * _MIN


class Duration(int):
    """time.Duration: nanoseconds, printed like ``1h2m3.5s``."""

    __slots__ = ()
    go_type = "time.Duration"

    def __str__(self) -> str:
        return duration_string(int(self))

    def go_method(self, name: str) -> GoFunc | None:
        d = int(self)
        table: dict[str, GoFunc] = {
            "String": GoFunc("String", (), "string", lambda: duration_string(d)),
            "Hours": GoFunc("Hours", (), "float64", lambda: d / _HOUR),
            "Minutes": GoFunc("Minutes", (), "float64", lambda: d / _MIN),
            "Seconds": GoFunc("Seconds", (), "float64", lambda: d / _SEC),
            "Milliseconds": GoFunc("Milliseconds", (), "int64", lambda: _trunc_div(d, _MS)),
            "Microseconds": GoFunc("Microseconds", (), "int64", lambda: _trunc_div(d, _US)),
            "Nanoseconds": GoFunc("Nanoseconds", (), "int64", lambda: d),
            "Round": GoFunc("Round", ("time.Duration",), "time.Duration", lambda m: Duration(_round(d, m))),
            "Truncate": GoFunc(
                "Truncate", ("time.Duration",), "time.Duration", lambda m: Duration(d if m <= 0 else d - d % m)
            ),
        }
        return table.get(name)


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // b
    return -q if a < 0 else q


def _round(d: int, m: int) -> int:
    if m <= 0:
        return d
    r = abs(d) % m
    a = abs(d) - r
    if r + r >= m:
        a += m
    return -a if d < 0 else a


def _fmt_frac(v: int, prec: int) -> tuple[str, int]:
    digits = []
    printed = False
    for _ in range(prec):
        digit = v % 10
        printed = printed or digit != 0
        if printed:
            digits.append(str(digit))
        v //= 10
    s = "".join(reversed(digits))
    return ("." + s if printed else ""), v


def duration_string(d: int) -> str:
    """Go's Duration.String."""
    if d == 0:
        return "0s"
    neg = d < 0
    u = -d if neg else d
    if u < _SEC:
        if u < _US:
            s = f"{u}ns"
        elif u < _MS:
            frac, whole = _fmt_frac(u, 3)
            s = f"{whole}{frac}µs"
        else:
            frac, whole = _fmt_frac(u, 6)
            s = f"{whole}{frac}ms"
    else:
        frac, whole = _fmt_frac(u, 9)
        secs = whole % 60
        whole //= 60
        s = f"{secs}{frac}s"
        if whole > 0:
            mins = whole % 60
            whole //= 60
            s = f"{mins}m{s}"
            if whole > 0:
                s = f"{whole}h{s}"
    return "-" + s if neg else s


class FixedZone(dt.tzinfo):
    """A fixed offset with Go's zone name (empty for offsets parsed from text like "+02:00")."""

    def __init__(self, offset_seconds: int, label: str = "") -> None:
        self.offset = dt.timedelta(seconds=offset_seconds)
        self.label = label

    def utcoffset(self, d: dt.datetime | None) -> dt.timedelta:
        return self.offset

    def dst(self, d: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(0)

    def tzname(self, d: dt.datetime | None) -> str:
        return self.label

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FixedZone) and other.offset == self.offset and other.label == self.label

    def __hash__(self) -> int:
        return hash((self.offset, self.label))


class GoTime(GoStruct):
    """An instant with a zone, to nanosecond precision."""

    go_type: ClassVar[str] = "time.Time"
    __slots__ = ("_dt", "_ns")

    def __init__(self, when: dt.datetime, nanos: int | None = None) -> None:
        if when.tzinfo is None:
            when = when.replace(tzinfo=_UTC)
        self._dt = when.replace(microsecond=0)
        self._ns = when.microsecond * 1000 if nanos is None else nanos

    @property
    def datetime(self) -> dt.datetime:
        return self._dt.replace(microsecond=self._ns // 1000)

    @property
    def nanosecond(self) -> int:
        return self._ns

    def unix_nano(self) -> int:
        secs = int((self._dt - _EPOCH).total_seconds())
        return secs * _SEC + self._ns

    def is_zero(self) -> bool:
        return (
            self._dt.year == 1
            and self._dt.month == 1
            and self._dt.day == 1
            and self.unix_nano() == (int((dt.datetime(1, 1, 1, tzinfo=_UTC) - _EPOCH).total_seconds()) * _SEC)
        )

    def zone_name(self) -> str:
        tz = self._dt.tzinfo
        if tz is _UTC:
            return "UTC"
        if isinstance(tz, FixedZone):
            return tz.label
        return self._dt.tzname() or ""

    def offset_seconds(self) -> int:
        off = self._dt.utcoffset()
        return int(off.total_seconds()) if off is not None else 0

    def in_zone(self, tz: dt.tzinfo) -> GoTime:
        return GoTime(self._dt.astimezone(tz), self._ns)

    def __str__(self) -> str:
        return self.format("2006-01-02 15:04:05.999999999 -0700 MST")

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, GoTime)
            and other._dt == self._dt
            and other._ns == self._ns
            and (other._dt.tzinfo == self._dt.tzinfo)
        )

    def __hash__(self) -> int:
        return hash((self._dt, self._ns))

    def format(self, layout: str) -> str:
        from tocsin.notify.template.golayout import format_time

        return format_time(self, layout)

    def go_method(self, name: str) -> GoFunc | None:
        t = self
        table: dict[str, GoFunc] = {
            "String": GoFunc("String", (), "string", lambda: str(t)),
            "Format": GoFunc("Format", ("string",), "string", t.format),
            "UTC": GoFunc("UTC", (), "time.Time", lambda: t.in_zone(_UTC)),
            "Local": GoFunc("Local", (), "time.Time", lambda: t.in_zone(_local_zone())),
            "Unix": GoFunc("Unix", (), "int64", lambda: _floor_div(t.unix_nano(), _SEC)),
            "UnixMilli": GoFunc("UnixMilli", (), "int64", lambda: _floor_div(t.unix_nano(), _MS)),
            "UnixMicro": GoFunc("UnixMicro", (), "int64", lambda: _floor_div(t.unix_nano(), _US)),
            "UnixNano": GoFunc("UnixNano", (), "int64", t.unix_nano),
            "IsZero": GoFunc("IsZero", (), "bool", t.is_zero),
            "Sub": GoFunc(
                "Sub", ("time.Time",), "time.Duration", lambda o: Duration(_clamp(t.unix_nano() - o.unix_nano()))
            ),
            "Add": GoFunc("Add", ("time.Duration",), "time.Time", lambda d: t.add(int(d))),
            "Before": GoFunc("Before", ("time.Time",), "bool", lambda o: t.unix_nano() < o.unix_nano()),
            "After": GoFunc("After", ("time.Time",), "bool", lambda o: t.unix_nano() > o.unix_nano()),
            "Equal": GoFunc("Equal", ("time.Time",), "bool", lambda o: t.unix_nano() == o.unix_nano()),
            "Year": GoFunc("Year", (), "int", lambda: t._dt.year),
            "Day": GoFunc("Day", (), "int", lambda: t._dt.day),
            "Hour": GoFunc("Hour", (), "int", lambda: t._dt.hour),
            "Minute": GoFunc("Minute", (), "int", lambda: t._dt.minute),
            "Second": GoFunc("Second", (), "int", lambda: t._dt.second),
            "Nanosecond": GoFunc("Nanosecond", (), "int", lambda: t._ns),
            "YearDay": GoFunc("YearDay", (), "int", lambda: t._dt.timetuple().tm_yday),
        }
        return table.get(name)

    def add(self, d: int) -> GoTime:
        total = self._ns + d
        secs, ns = divmod(total, _SEC)
        return GoTime(self._dt + dt.timedelta(seconds=secs), ns)


def _clamp(d: int) -> int:
    # Go's Time.Sub saturates at the limits of Duration
    return max(-(1 << 63), min((1 << 63) - 1, d))


def _floor_div(a: int, b: int) -> int:
    return a // b


def _local_zone() -> dt.tzinfo:
    return dt.datetime.now().astimezone().tzinfo or _UTC


def go_time(value: Any) -> GoTime:
    """Coerce a datetime (naive means UTC) to a GoTime."""
    if isinstance(value, GoTime):
        return value
    if isinstance(value, dt.datetime):
        return GoTime(value)
    raise TypeError(f"not a time: {value!r}")


def parse_rfc3339(s: str) -> GoTime:
    """Parse an RFC 3339 time with up to nanosecond precision, as Go's JSON decoding of time.Time."""
    import re

    m = re.fullmatch(
        r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})", s.strip()
    )
    if m is None:
        raise ValueError(f"invalid RFC 3339 time: {s!r}")
    y, mo, d, h, mi, se = (int(m.group(i)) for i in range(1, 7))
    ns = int((m.group(7) or "0").ljust(9, "0"))
    z = m.group(8)
    tz: dt.tzinfo
    if z in ("Z", "z"):
        tz = _UTC
    else:
        sign = 1 if z[0] == "+" else -1
        off = sign * (int(z[1:3]) * 3600 + int(z[4:6]) * 60)
        local = _local_zone()
        probe = dt.datetime(y, mo, d, h, mi, se, tzinfo=FixedZone(off))
        lo = probe.astimezone(local).utcoffset()
        tz = (local if off != 0 else _UTC) if lo is not None and int(lo.total_seconds()) == off else FixedZone(off)
    return GoTime(dt.datetime(y, mo, d, h, mi, se, tzinfo=tz), ns)
