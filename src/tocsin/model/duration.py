"""Prometheus duration strings (`30s`, `1h30m`, `2w`, `0`).

Alertmanager and Prometheus configuration files spell every interval this way, and the API prints durations
back in the same canonical form, so both directions follow `prometheus/common/model.Duration`: whole numbers
of milliseconds, units y=365d, w=7d, d=24h, in strictly descending order, each unit at most once.
"""

from __future__ import annotations

import re

from tocsin.model.gostrings import go_quote

__all__ = ["DurationError", "format_duration", "format_go_duration", "parse_duration", "parse_go_duration"]

_MS_PER = {
    "y": 365 * 24 * 3600 * 1000,
    "w": 7 * 24 * 3600 * 1000,
    "d": 24 * 3600 * 1000,
    "h": 3600 * 1000,
    "m": 60 * 1000,
    "s": 1000,
    "ms": 1,
}

_DURATION_RE = re.compile(
    r"(?:(?P<y>[0-9]+)y)?(?:(?P<w>[0-9]+)w)?(?:(?P<d>[0-9]+)d)?(?:(?P<h>[0-9]+)h)?"
    r"(?:(?P<m>[0-9]+)m)?(?:(?P<s>[0-9]+)s)?(?:(?P<ms>[0-9]+)ms)?"
)

# Go's time.Duration is an int64 of nanoseconds: about 292 years.
_MAX_MS = (2**63 - 1) // 1_000_000


class DurationError(ValueError):
    """A string that is not a Prometheus duration; the message quotes it."""


def parse_duration_ms(text: str) -> int:
    """Parse to whole milliseconds (exact; use this when the value is printed again)."""
    if text == "0":
        return 0
    if text == "":
        raise DurationError("empty duration string")
    m = _DURATION_RE.fullmatch(text)
    if m is None:
        raise DurationError(f"not a valid duration string: {go_quote(text)}")
    total = 0
    for unit, mult in _MS_PER.items():
        digits = m.group(unit)
        if digits:
            total += int(digits) * mult
    if total > _MAX_MS:
        raise DurationError(f"duration out of range: {go_quote(text)}")
    return total


def parse_duration(text: str) -> float:
    """Parse a Prometheus duration into seconds, e.g. `"1h30m"` -> 5400.0."""
    return parse_duration_ms(text) / 1000


def format_duration_ms(ms: int) -> str:
    """Prometheus' `Duration.String()` for a whole number of milliseconds.

    Years and weeks are used only when they divide the value exactly (90d stays 90d, not 12w6d). Negative
    values print as "", which is what Prometheus prints for them too.
    """
    if ms == 0:
        return "0s"
    out: list[str] = []
    for unit, mult in _MS_PER.items():
        if unit in ("y", "w") and ms % mult != 0:
            continue
        count = int(ms / mult) if ms < 0 else ms // mult  # Go truncates towards zero
        if count > 0:
            out.append(f"{count}{unit}")
            ms -= count * mult
    return "".join(out)


def format_duration(seconds: float) -> str:
    """Format seconds the way Prometheus prints a duration: `5400` -> "1h30m", `0` -> "0s".

    Sub-millisecond parts are rounded to the nearest millisecond (Prometheus durations have ms resolution).
    """
    return format_duration_ms(round(seconds * 1000))


_GO_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,  # U+00B5 micro sign
    "μs": 1e-6,  # U+03BC Greek mu
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_GO_PART_RE = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")


def parse_go_duration(text: str) -> float:
    """Parse Go's `time.ParseDuration` syntax (`1.5h`, `300ms`, `-2m30s`) into seconds.

    Some Alertmanager fields (webhook `timeout`, pushover `retry`/`expire`) use Go durations rather than
    Prometheus ones, so both syntaxes are accepted where the original accepts them.
    """
    original = text
    sign = 1.0
    if text[:1] in ("-", "+"):
        sign = -1.0 if text[0] == "-" else 1.0
        text = text[1:]
    if text == "0":
        return 0.0
    if text == "":
        raise DurationError(f"invalid duration {go_quote(original)}")
    total = 0.0
    pos = 0
    while pos < len(text):
        m = _GO_PART_RE.match(text, pos)
        if m is None or m.group(1) in ("", "."):
            raise DurationError(f"invalid duration {go_quote(original)}")
        total += float(m.group(1)) * _GO_UNITS[m.group(2)]
        pos = m.end()
    if total > (2**63 - 1) / 1e9:
        raise DurationError(f"invalid duration {go_quote(original)}: out of range")
    return sign * total


def format_go_duration(seconds: float) -> str:
    """Go's `time.Duration.String()`: `90` -> "1m30s", `0.5` -> "500ms", `0` -> "0s"."""
    ns = round(seconds * 1e9)
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= size:
                return sign + _trim(ns / size) + unit
    hours, rest = divmod(ns, 3600 * 10**9)
    minutes, rest = divmod(rest, 60 * 10**9)
    secs = _trim(rest / 1e9)
    if hours:
        return f"{sign}{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{sign}{minutes}m{secs}s"
    return f"{sign}{secs}s"


def _trim(value: float) -> str:
    text = f"{value:.9f}".rstrip("0").rstrip(".")
    return text or "0"
