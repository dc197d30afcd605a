"""A typed client for Alertmanager's API v2, usable against Alertmanager itself or Tocsin.

The command-line tools (`tocsin alert|silence|config`) are its first users: they print what the server
returned the way Debian's amtool 0.25 prints it, so the models here keep what amtool keeps and no more,
and they re-encode to JSON the way amtool's Go structs do (fixed field order, timestamps at millisecond
precision with the original offset, HTML-safe escaping). Responses are checked on arrival, so a server that
breaks the contract produces an error naming the endpoint and field instead of a crash in a formatter.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import httpx

__all__ = [
    "APIError",
    "AlertmanagerClient",
    "AlertmanagerStatus",
    "ApiMatcher",
    "GettableAlert",
    "GettableSilence",
    "GoTime",
    "PostableSilence",
    "ResponseError",
    "api_base_url",
    "go_json",
]

_T = TypeVar("_T")

API_PREFIX = "/api/v2"
DEFAULT_URL = "http://localhost:9093/"


class APIError(Exception):
    """A request that failed: the server refused it, could not be reached, or answered garbage."""

    def __init__(self, method: str, path: str, message: str, status: int | None = None) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.message = message
        where = f"{method} {path}"
        super().__init__(f"{where}: {message}" if status is None else f"{where}: {status}: {message}")


class ResponseError(APIError):
    """The server answered 2xx but the body does not have the shape API v2 promises."""


# ---------------------------------------------------------------------------------------------------------
# Time values: Go's time.Time as amtool sees it (wall clock, offset and zone name are all printed).


_RFC3339_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))"
)
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@dataclass(frozen=True)
class GoTime:
    """An instant with the offset and zone name it was written with.

    amtool prints times in the offset the server sent (an alert that started at `10:00+01:00` shows
    `+0100`, one in UTC shows `UTC`), so the offset cannot be normalised away on decoding. `wall` is the
    naive local wall-clock time; `nanos` holds the sub-second part at Go's nanosecond precision.
    """

    wall: dt.datetime
    nanos: int
    offset: int  # seconds east of UTC
    zone: str  # "" when Go would not know a name (then MST prints as -0700)

    @classmethod
    def parse(cls, text: str) -> GoTime:
        """Parse RFC 3339 the way Go's time.Parse does: `Z` names the zone UTC, a numeric offset gets the
        local zone's name only when the local zone has that offset at that instant."""
        m = _RFC3339_RE.fullmatch(text)
        if m is None:
            raise ValueError(f"invalid time {text!r}: expected RFC 3339 like 2006-01-02T15:04:05Z07:00")
        year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
        frac = m.group(7) or ""
        nanos = int((frac + "000000000")[:9]) if frac else 0
        try:
            wall = dt.datetime(year, month, day, hour, minute, second)
        except ValueError as exc:
            raise ValueError(f"invalid time {text!r}: {exc}") from None
        if m.group(8):
            return cls(wall, nanos, 0, "UTC")
        sign = -1 if m.group(9) == "-" else 1
        oh, om = int(m.group(10)), int(m.group(11))
        if oh > 24 or om > 59:
            raise ValueError(f"invalid time {text!r}: time zone offset out of range")
        offset = sign * (oh * 3600 + om * 60)
        zone = ""
        epoch = calendar.timegm(wall.timetuple()) - offset
        try:
            local = time.localtime(epoch)
            if local.tm_gmtoff == offset:
                zone = local.tm_zone
        except (OverflowError, OSError, ValueError):
            pass
        return cls(wall, nanos, offset, zone)

    @classmethod
    def from_epoch_ns(cls, epoch_ns: int) -> GoTime:
        """A UTC time, as Go's time.Now().UTC() gives."""
        seconds, nanos = divmod(epoch_ns, 1_000_000_000)
        wall = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=seconds)
        return cls(wall, nanos, 0, "UTC")

    @classmethod
    def now(cls) -> GoTime:
        return cls.from_epoch_ns(time.time_ns())

    @property
    def epoch_ns(self) -> int:
        """Nanoseconds since the Unix epoch; what comparisons and sorting use."""
        return (calendar.timegm(self.wall.timetuple()) - self.offset) * 1_000_000_000 + self.nanos

    def add_seconds(self, seconds: float) -> GoTime:
        """Shift in time keeping the offset and zone (Go's Time.Add)."""
        total_ns = self.nanos + round(seconds * 1_000_000_000)
        extra_s, nanos = divmod(total_ns, 1_000_000_000)
        return GoTime(self.wall + dt.timedelta(seconds=extra_s), nanos, self.offset, self.zone)

    def utc(self) -> GoTime:
        return GoTime.from_epoch_ns(self.epoch_ns)

    def json(self) -> str:
        """strfmt.DateTime's wire format: RFC 3339 with exactly three fraction digits (truncated)."""
        return self.format("2006-01-02T15:04:05.000Z07:00")

    def format(self, layout: str) -> str:
        """Render with a Go reference layout such as `2006-01-02 15:04:05 MST`."""
        return "".join(self._render(kind, arg) for kind, arg in _layout_chunks(layout))

    def _render(self, kind: str, arg: str) -> str:
        w = self.wall
        if kind == "lit":
            return arg
        if kind == "2006":
            return f"{w.year:04d}"
        if kind == "06":
            return f"{w.year % 100:02d}"
        if kind == "January":
            return _MONTHS[w.month - 1]
        if kind == "Jan":
            return _MONTHS[w.month - 1][:3]
        if kind == "1":
            return str(w.month)
        if kind == "01":
            return f"{w.month:02d}"
        if kind == "Monday":
            return _DAYS[w.weekday()]
        if kind == "Mon":
            return _DAYS[w.weekday()][:3]
        if kind == "2":
            return str(w.day)
        if kind == "_2":
            return f"{w.day:2d}"
        if kind == "02":
            return f"{w.day:02d}"
        yday = w.timetuple().tm_yday
        if kind == "__2":
            return f"{yday:3d}"
        if kind == "002":
            return f"{yday:03d}"
        if kind == "15":
            return f"{w.hour:02d}"
        if kind in ("3", "03"):
            hour = w.hour % 12 or 12
            return str(hour) if kind == "3" else f"{hour:02d}"
        if kind == "4":
            return str(w.minute)
        if kind == "04":
            return f"{w.minute:02d}"
        if kind == "5":
            return str(w.second)
        if kind == "05":
            return f"{w.second:02d}"
        if kind == "PM":
            return "PM" if w.hour >= 12 else "AM"
        if kind == "pm":
            return "pm" if w.hour >= 12 else "am"
        if kind == "MST":
            return self.zone or _numeric_offset(self.offset, colon=False, minutes=True, seconds=False)
        if kind.startswith(("Z", "-")):
            if kind.startswith("Z") and self.offset == 0:
                return "Z"
            body = kind[1:]
            return _numeric_offset(
                self.offset, colon=":" in body, minutes=len(body) > 2, seconds=len(body.replace(":", "")) > 4
            )
        if kind == "frac":
            sep, digit, count = arg[0], arg[1], len(arg) - 1
            digits = f"{self.nanos:09d}"[:count]
            if digit == "9":
                digits = digits.rstrip("0")
                return sep + digits if digits else ""
            return sep + digits
        raise AssertionError(f"unhandled layout element {kind}")


def _numeric_offset(offset: int, colon: bool, minutes: bool, seconds: bool) -> str:
    sign = "-" if offset < 0 else "+"
    absolute = abs(offset)
    hours, rest = divmod(absolute, 3600)
    out = f"{sign}{hours:02d}"
    sep = ":" if colon else ""
    if minutes:
        out += f"{sep}{rest // 60:02d}"
    if seconds:
        out += f"{sep}{absolute % 60:02d}"
    return out


_TZ_ELEMENTS = ("070000", "07:00:00", "0700", "07:00", "07")


def _layout_chunks(layout: str) -> list[tuple[str, str]]:
    """Split a Go time layout into literal text and layout elements, as time.nextStdChunk does."""
    out: list[tuple[str, str]] = []
    literal_start = 0
    i = 0
    n = len(layout)

    def emit(kind: str, start: int, end: int) -> None:
        if start > literal_start:
            out.append(("lit", layout[literal_start:start]))
        out.append((kind, layout[start:end]))

    while i < n:
        kind, start, end = _element_at(layout, i)
        if kind:
            emit(kind, start, end)
            literal_start = i = end
        else:
            i += 1
    if literal_start < n:
        out.append(("lit", layout[literal_start:]))
    return out


def _element_at(s: str, i: int) -> tuple[str, int, int]:
    c = s[i]

    def lower_follows(j: int) -> bool:
        return j < len(s) and "a" <= s[j] <= "z"

    if c == "J" and s.startswith("Jan", i):
        if s.startswith("January", i):
            return "January", i, i + 7
        if not lower_follows(i + 3):
            return "Jan", i, i + 3
    elif c == "M":
        if s.startswith("Mon", i):
            if s.startswith("Monday", i):
                return "Monday", i, i + 6
            if not lower_follows(i + 3):
                return "Mon", i, i + 3
        if s.startswith("MST", i):
            return "MST", i, i + 3
    elif c == "0":
        if i + 1 < len(s) and "1" <= s[i + 1] <= "6":
            return "0" + s[i + 1], i, i + 2
        if s.startswith("002", i):
            return "002", i, i + 3
    elif c == "1":
        if s.startswith("15", i):
            return "15", i, i + 2
        return "1", i, i + 1
    elif c == "2":
        if s.startswith("2006", i):
            return "2006", i, i + 4
        return "2", i, i + 1
    elif c == "_":
        if s.startswith("_2", i):
            if s.startswith("_2006", i):
                return "2006", i + 1, i + 5
            return "_2", i, i + 2
        if s.startswith("__2", i):
            return "__2", i, i + 3
    elif c in "345":
        return c, i, i + 1
    elif c == "P" and s.startswith("PM", i):
        return "PM", i, i + 2
    elif c == "p" and s.startswith("pm", i):
        return "pm", i, i + 2
    elif c in "-Z":
        for tail in _TZ_ELEMENTS:
            if s.startswith(c + tail, i):
                return c + tail, i, i + 1 + len(tail)
    elif c in ".," and i + 1 < len(s) and s[i + 1] in "09":
        j = i + 1
        while j < len(s) and s[j] == s[i + 1]:
            j += 1
        if not (j < len(s) and s[j].isdigit()):
            return "frac", i, j
    return "", i, i


# ---------------------------------------------------------------------------------------------------------
# Go's encoding/json, for output that matches amtool's `-o json` byte for byte.


def _go_string(value: str) -> str:
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or ch in "<>&\u2028\u2029":
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_json(value: Any) -> str:
    """Compact JSON as Go's json.Encoder writes it (dicts keep their order; build them in Go's)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _go_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, GoTime):
        return _go_string(value.json())
    if isinstance(value, Mapping):
        return "{" + ",".join(_go_string(str(k)) + ":" + go_json(v) for k, v in value.items()) + "}"
    if isinstance(value, Sequence):
        return "[" + ",".join(go_json(v) for v in value) + "]"
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def _sorted_map(labels: Mapping[str, str]) -> dict[str, str]:
    return {k: labels[k] for k in sorted(labels, key=lambda k: k.encode("utf-8"))}


# ---------------------------------------------------------------------------------------------------------
# Models: only what the API v2 schema defines, decoded strictly.


class _Reader:
    """Reads one JSON object and names the offending field in every error."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise ValueError(f"{where}: expected a JSON object, got {_json_kind(data)}")
        self.data = data
        self.where = where

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                raise ValueError(f"{self.where}: field {key!r} is missing")
            return None
        return self.data[key]

    def string(self, key: str, required: bool = True) -> str | None:
        value = self._get(key, required)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{self.where}: field {key!r} must be a string, got {_json_kind(value)}")
        return value

    def req_string(self, key: str) -> str:
        value = self.string(key)
        assert value is not None
        return value

    def boolean(self, key: str, required: bool = True) -> bool | None:
        value = self._get(key, required)
        if value is not None and not isinstance(value, bool):
            raise ValueError(f"{self.where}: field {key!r} must be true or false, got {_json_kind(value)}")
        return value

    def time(self, key: str) -> GoTime:
        text = self.req_string(key)
        try:
            return GoTime.parse(text)
        except ValueError as exc:
            raise ValueError(f"{self.where}: field {key!r}: {exc}") from None

    def labels(self, key: str) -> dict[str, str]:
        value = self._get(key, True)
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ValueError(f"{self.where}: field {key!r} must be an object of strings")
        return dict(value)

    def strings(self, key: str) -> list[str]:
        value = self._get(key, True)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{self.where}: field {key!r} must be a list of strings")
        return list(value)

    def objects(self, key: str) -> list[_Reader]:
        value = self._get(key, True)
        if not isinstance(value, list):
            raise ValueError(f"{self.where}: field {key!r} must be a list, got {_json_kind(value)}")
        return [_Reader(item, f"{self.where}.{key}[{i}]") for i, item in enumerate(value)]

    def object(self, key: str) -> _Reader:
        return _Reader(self._get(key, True), f"{self.where}.{key}")


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


@dataclass(frozen=True)
class ApiMatcher:
    """A silence matcher as the API carries it; `is_equal` is None when an old server left it out."""

    name: str
    value: str
    is_regex: bool
    is_equal: bool | None = True

    @property
    def operator(self) -> str:
        equal = self.is_equal is not False
        if self.is_regex:
            return "=~" if equal else "!~"
        return "=" if equal else "!="

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
        return f'{self.name}{self.operator}"{escaped}"'

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.is_equal is not None:
            out["isEqual"] = self.is_equal
        out.update({"isRegex": self.is_regex, "name": self.name, "value": self.value})
        return out

    @classmethod
    def decode(cls, r: _Reader) -> ApiMatcher:
        return cls(r.req_string("name"), r.req_string("value"), bool(r.boolean("isRegex")), r.boolean("isEqual", False))


@dataclass
class GettableAlert:
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: GoTime
    ends_at: GoTime
    updated_at: GoTime
    fingerprint: str
    receivers: list[str]
    state: str
    silenced_by: list[str]
    inhibited_by: list[str]
    generator_url: str = ""

    @classmethod
    def decode(cls, data: Any, where: str = "alert") -> GettableAlert:
        r = _Reader(data, where)
        status = r.object("status")
        return cls(
            labels=r.labels("labels"),
            annotations=r.labels("annotations"),
            starts_at=r.time("startsAt"),
            ends_at=r.time("endsAt"),
            updated_at=r.time("updatedAt"),
            fingerprint=r.req_string("fingerprint"),
            receivers=[rr.req_string("name") for rr in r.objects("receivers")],
            state=status.req_string("state"),
            silenced_by=status.strings("silencedBy"),
            inhibited_by=status.strings("inhibitedBy"),
            generator_url=r.string("generatorURL", False) or "",
        )

    def to_json(self) -> dict[str, Any]:
        """Field order of amtool's models.GettableAlert (its own fields, then the embedded Alert)."""
        out: dict[str, Any] = {
            "annotations": _sorted_map(self.annotations),
            "endsAt": self.ends_at,
            "fingerprint": self.fingerprint,
            "receivers": [{"name": n} for n in self.receivers],
            "startsAt": self.starts_at,
            "status": {"inhibitedBy": self.inhibited_by, "silencedBy": self.silenced_by, "state": self.state},
            "updatedAt": self.updated_at,
        }
        if self.generator_url:
            out["generatorURL"] = self.generator_url
        out["labels"] = _sorted_map(self.labels)
        return out


@dataclass
class GettableSilence:
    id: str
    state: str
    updated_at: GoTime
    comment: str
    created_by: str
    starts_at: GoTime
    ends_at: GoTime
    matchers: list[ApiMatcher]

    @classmethod
    def decode(cls, data: Any, where: str = "silence") -> GettableSilence:
        r = _Reader(data, where)
        return cls(
            id=r.req_string("id"),
            state=r.object("status").req_string("state"),
            updated_at=r.time("updatedAt"),
            comment=r.req_string("comment"),
            created_by=r.req_string("createdBy"),
            starts_at=r.time("startsAt"),
            ends_at=r.time("endsAt"),
            matchers=[ApiMatcher.decode(m) for m in r.objects("matchers")],
        )

    def to_json(self) -> dict[str, Any]:
        """Field order of amtool's models.GettableSilence."""
        return {
            "id": self.id,
            "status": {"state": self.state},
            "updatedAt": self.updated_at,
            "comment": self.comment,
            "createdBy": self.created_by,
            "endsAt": self.ends_at,
            "matchers": [m.to_json() for m in self.matchers],
            "startsAt": self.starts_at,
        }


@dataclass
class PostableSilence:
    matchers: list[ApiMatcher]
    starts_at: GoTime
    ends_at: GoTime
    created_by: str
    comment: str
    id: str = ""

    @classmethod
    def decode(cls, data: Any, where: str = "silence") -> PostableSilence:
        """Read a silence as `silence query -o json` writes it (status and updatedAt are ignored)."""
        r = _Reader(data, where)
        return cls(
            matchers=[ApiMatcher.decode(m) for m in r.objects("matchers")],
            starts_at=r.time("startsAt"),
            ends_at=r.time("endsAt"),
            created_by=r.req_string("createdBy"),
            comment=r.req_string("comment"),
            id=r.string("id", False) or "",
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id} if self.id else {}
        out.update(
            {
                "comment": self.comment,
                "createdBy": self.created_by,
                "endsAt": self.ends_at,
                "matchers": [m.to_json() for m in self.matchers],
                "startsAt": self.starts_at,
            }
        )
        return out


@dataclass
class AlertmanagerStatus:
    """GET /status. `raw` keeps the whole body for output; `original` is the running configuration."""

    original: str
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def decode(cls, data: Any) -> AlertmanagerStatus:
        r = _Reader(data, "status")
        original = r.object("config").req_string("original")
        return cls(original, r.data)

    def to_json(self) -> dict[str, Any]:
        """Field order of models.AlertmanagerStatus; absent fields become null, as Go's nil pointers do."""
        raw = self.raw
        cluster = raw.get("cluster") if isinstance(raw.get("cluster"), dict) else None
        version = raw.get("versionInfo") if isinstance(raw.get("versionInfo"), dict) else None
        out: dict[str, Any] = {}
        if cluster is None:
            out["cluster"] = None
        else:
            c: dict[str, Any] = {}
            if cluster.get("name"):
                c["name"] = cluster["name"]
            peers = cluster.get("peers")
            c["peers"] = (
                [{"address": p.get("address"), "name": p.get("name")} for p in peers if isinstance(p, dict)]
                if isinstance(peers, list)
                else None
            )
            c["status"] = cluster.get("status")
            out["cluster"] = c
        out["config"] = {"original": self.original}
        out["uptime"] = raw.get("uptime")
        keys = ("branch", "buildDate", "buildUser", "goVersion", "revision", "version")
        out["versionInfo"] = None if version is None else {k: version.get(k) for k in keys}
        return out


# ---------------------------------------------------------------------------------------------------------
# The client.


def api_base_url(url: str) -> str:
    """The API v2 root for an Alertmanager URL, as amtool builds it (host defaults to localhost:9093,
    scheme to http, any path is a prefix such as a `--web.route-prefix`)."""
    parts = urlsplit(url if "//" in url else "//" + url)
    scheme = parts.scheme or "http"
    netloc = parts.netloc or "localhost:9093"
    path = parts.path.rstrip("/") + API_PREFIX
    return urlunsplit((scheme, netloc, path, "", ""))


class AlertmanagerClient:
    """Async client for the nine API v2 operations; one instance per server, closed with `aclose()`."""

    def __init__(
        self, url: str = DEFAULT_URL, timeout: float = 30.0, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.base_url = api_base_url(url)
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport, follow_redirects=True)

    async def __aenter__(self) -> AlertmanagerClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _request(
        self, method: str, path: str, params: list[tuple[str, str]] | None = None, body: Any = None
    ) -> Any:
        content = None if body is None else go_json(body).encode("utf-8")
        headers = {"Accept": "application/json"}
        if content is not None:
            headers["Content-Type"] = "application/json"
        try:
            resp = await self._http.request(
                method, self.base_url + path, params=urlencode(params or []), content=content, headers=headers
            )
        except httpx.TimeoutException:
            raise APIError(method, self.base_url + path, "timed out waiting for the server") from None
        except httpx.HTTPError as exc:
            raise APIError(method, self.base_url + path, _transport_message(exc)) from None
        if resp.status_code >= 400:
            raise APIError(method, path, _error_text(resp), resp.status_code)
        if not resp.content.strip():
            return None
        try:
            return resp.json()
        except ValueError:
            raise ResponseError(method, path, "response is not JSON: " + resp.text[:200]) from None

    async def get_status(self) -> AlertmanagerStatus:
        data = await self._request("GET", "/status")
        return _decoded("GET", "/status", lambda: AlertmanagerStatus.decode(data))

    async def get_receivers(self) -> list[str]:
        data = await self._request("GET", "/receivers")
        return _decoded("GET", "/receivers", lambda: [_Reader(r, "receiver").req_string("name") for r in _list(data)])

    async def get_alerts(
        self,
        filters: Sequence[str] = (),
        active: bool = True,
        silenced: bool = True,
        inhibited: bool = True,
        unprocessed: bool = True,
        receiver: str = "",
    ) -> list[GettableAlert]:
        params = [
            ("active", _flag(active)),
            ("inhibited", _flag(inhibited)),
            ("silenced", _flag(silenced)),
            ("unprocessed", _flag(unprocessed)),
        ]
        if receiver:
            params.append(("receiver", receiver))
        params += [("filter", f) for f in filters]
        data = await self._request("GET", "/alerts", params)
        return _decoded(
            "GET", "/alerts", lambda: [GettableAlert.decode(a, f"alerts[{i}]") for i, a in enumerate(_list(data))]
        )

    async def post_alerts(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        await self._request("POST", "/alerts", body=list(alerts))

    async def get_silences(self, filters: Sequence[str] = ()) -> list[GettableSilence]:
        data = await self._request("GET", "/silences", [("filter", f) for f in filters])
        return _decoded(
            "GET",
            "/silences",
            lambda: [GettableSilence.decode(s, f"silences[{i}]") for i, s in enumerate(_list(data))],
        )

    async def get_silence(self, silence_id: str) -> GettableSilence:
        path = "/silence/" + quote(silence_id, safe="")
        data = await self._request("GET", path)
        return _decoded("GET", path, lambda: GettableSilence.decode(data))

    async def post_silence(self, silence: PostableSilence) -> str:
        """Create (or, with an id, update) a silence; returns the id the server assigned."""
        data = await self._request("POST", "/silences", body=silence.to_json())
        return _decoded("POST", "/silences", lambda: _Reader(data, "response").req_string("silenceID"))

    async def delete_silence(self, silence_id: str) -> None:
        await self._request("DELETE", "/silence/" + quote(silence_id, safe=""))


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _list(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise ValueError(f"expected a JSON list, got {_json_kind(data)}")
    return data


def _decoded(method: str, path: str, build: Callable[[], _T]) -> _T:
    try:
        return build()
    except ValueError as exc:
        raise ResponseError(method, path, f"unexpected response: {exc}") from None


def _error_text(resp: httpx.Response) -> str:
    text = resp.text.strip()
    try:
        body = resp.json()
    except ValueError:
        return text[:500] or resp.reason_phrase
    if isinstance(body, str):
        return body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return text[:500] or resp.reason_phrase


def _transport_message(exc: httpx.HTTPError) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect: {text}"
    return text
