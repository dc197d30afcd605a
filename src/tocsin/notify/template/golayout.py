"""Go's reference-time layouts (``2006-01-02 15:04:05``) for ``Time.Format`` and the ``date`` function."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tocsin.notify.template.gotime import GoTime

_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip

# Longest tokens first so that "2006" wins over "2" and "-07:00:00" over "-07".
_TOKENS = [
    "January", "Monday", "-07:00:00", "Z07:00:00", "-070000", "Z070000", "-07:00", "Z07:00",
    "-0700", "Z0700", "2006", "Jan", "Mon", "MST", "002", "__2", "_2", "-07", "Z07",
    "01", "02", "03", "04", "05", "06", "15", "PM", "pm", "1", "2", "3", "4", "5",
]  # fmt: skip


def _frac_token(layout: str, i: int) -> int:
    """Length of a fractional-second token (".000", ",999") at ``i``, or 0."""
    if layout[i] not in ".," or i + 1 >= len(layout) or layout[i + 1] not in "09":
        return 0
    ch = layout[i + 1]
    j = i + 1
    while j < len(layout) and layout[j] == ch:
        j += 1
    if j < len(layout) and layout[j].isdigit():
        return 0  # Go only treats it as a fraction when no digit follows
    return j - i


def _zone(off: int, colon: bool, seconds: bool, short: bool, z: bool) -> str:
    if z and off == 0:
        return "Z"
    sign = "-" if off < 0 else "+"
    off = abs(off)
    h, m, s = off // 3600, (off // 60) % 60, off % 60
    out = f"{sign}{h:02d}"
    if short:
        return out
    out += (":" if colon else "") + f"{m:02d}"
    if seconds:
        out += (":" if colon else "") + f"{s:02d}"
    return out


def format_time(t: GoTime, layout: str) -> str:
    d = t.datetime
    ns = t.nanosecond
    off = t.offset_seconds()
    out: list[str] = []
    i = 0
    n = len(layout)
    while i < n:
        flen = _frac_token(layout, i)
        if flen and (True):
            digits = flen - 1
            frac = f"{ns:09d}"[:digits]
            if layout[i + 1] == "9":
                frac = frac.rstrip("0")
                if frac:
                    out.append(layout[i] + frac)
            else:
                out.append(layout[i] + frac)
            i += flen
            continue
        for tok in _TOKENS:
            if layout.startswith(tok, i):
                if tok in ("Jan", "Mon") and i + 3 < n and layout[i + 3].islower():
                    continue  # "Janet" is not a token, as in Go
                out.append(_render(tok, d, off, t.zone_name()))
                i += len(tok)
                break
        else:
            out.append(layout[i])
            i += 1
    return "".join(out)


def _render(tok: str, d: object, off: int, zone: str) -> str:
    import datetime as dt

    assert isinstance(d, dt.datetime)
    hour12 = d.hour % 12 or 12
    match tok:
        case "2006":
            return f"{d.year:04d}"
        case "06":
            return f"{d.year % 100:02d}"
        case "January":
            return _MONTHS[d.month - 1]
        case "Jan":
            return _MONTHS[d.month - 1][:3]
        case "01":
            return f"{d.month:02d}"
        case "1":
            return str(d.month)
        case "Monday":
            return _DAYS[d.weekday()]
        case "Mon":
            return _DAYS[d.weekday()][:3]
        case "02":
            return f"{d.day:02d}"
        case "_2":
            return f"{d.day:2d}"
        case "2":
            return str(d.day)
        case "002":
            return f"{d.timetuple().tm_yday:03d}"
        case "__2":
            return f"{d.timetuple().tm_yday:3d}"
        case "15":
            return f"{d.hour:02d}"
        case "03":
            return f"{hour12:02d}"
        case "3":
            return str(hour12)
        case "04":
            return f"{d.minute:02d}"
        case "4":
            return str(d.minute)
        case "05":
            return f"{d.second:02d}"
        case "5":
            return str(d.second)
        case "PM":
            return "PM" if d.hour >= 12 else "AM"
        case "pm":
            return "pm" if d.hour >= 12 else "am"
        case "MST":
            return zone if zone else _zone(off, False, False, False, False)
        case "-0700":
            return _zone(off, False, False, False, False)
        case "-07:00":
            return _zone(off, True, False, False, False)
        case "-07":
            return _zone(off, False, False, True, False)
        case "-070000":
            return _zone(off, False, True, False, False)
        case "-07:00:00":
            return _zone(off, True, True, False, False)
        case "Z0700":
            return _zone(off, False, False, False, True)
        case "Z07:00":
            return _zone(off, True, False, False, True)
        case "Z07":
            return _zone(off, False, False, True, True)
        case "Z070000":
            return _zone(off, False, True, False, True)
        case "Z07:00:00":
            return _zone(off, True, True, False, True)
    return tok
