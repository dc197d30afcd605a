"""Template functions: Go's builtins and Alertmanager's function map.

Each function is declared with its Go signature so that argument checking and error messages
match Go's (``wrong number of args for join: want 2 got 1``). ``and``/``or`` are evaluated lazily by
the executor; the other builtins are plain calls here.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
import urllib.parse
import zoneinfo
from collections.abc import Callable
from typing import Any

from tocsin.notify.template.gofmt import Flags, fmt_value, sprint, sprintf, sprintln
from tocsin.notify.template.gotime import Duration, GoTime
from tocsin.notify.template.gotypes import (
    ANY,
    HTML,
    REFLECT_VALUE,
    GoCallError,
    GoFunc,
    GoMap,
    GoSlice,
    GoStruct,
    go_type_of,
    kind,
)

RV = REFLECT_VALUE


class GoUint8(int):
    """A byte, as indexing a string yields in Go."""

    __slots__ = ()
    go_type = "uint8"


# -- truth and comparison ---------------------------------------------------------------------------


def is_true(v: Any) -> tuple[bool, bool]:
    """Go's template truth: (truth, ok)."""
    if v is None:
        return False, True
    if v is True or v is False:
        return bool(v), True
    if isinstance(v, str | list | dict):
        return len(v) > 0, True
    if isinstance(v, int | float | complex):
        return v != 0, True
    if isinstance(v, GoStruct):
        return True, True
    if isinstance(v, GoFunc):
        return True, True
    return False, False


def _basic_kind(v: Any) -> str:
    k = kind(go_type_of(v))
    return k if k in ("bool", "int", "uint", "float", "complex", "string") else "invalid"


_ERR_BAD_TYPE = "invalid type for comparison"
_ERR_BAD_CMP = "incompatible types for comparison"


def _eq(a1: Any, *rest: Any) -> bool:
    if not rest:
        raise GoCallError("missing argument for comparison")
    k1 = _basic_kind(a1)
    for a in rest:
        k2 = _basic_kind(a)
        truth = False
        if k1 != k2:
            if (k1 == "int" and k2 == "uint") or (k1 == "uint" and k2 == "int"):
                truth = int(a1) == int(a)
            elif a1 is not None and a is not None:
                raise GoCallError(_ERR_BAD_CMP)
        elif k1 != "invalid":
            truth = a1 == a if k1 != "string" else str(a1) == str(a)
        else:
            ka, kb = kind(go_type_of(a1)), kind(go_type_of(a))
            if ka != kb and a1 is not None and a is not None:
                raise GoCallError(
                    f"non-comparable types {fmt_value(a1, 's', _PLAIN, 0)}: {go_type_of(a1)}, "
                    f"{go_type_of(a)}: {fmt_value(a, 'v', _PLAIN, 0)}"
                )
            if a1 is None or a is None:
                truth = (a1 is None) == (a is None)
            else:
                if not _comparable(a):
                    raise GoCallError(f"non-comparable type {fmt_value(a, 's', _PLAIN, 0)}: {go_type_of(a)}")
                truth = a1 == a
        if truth:
            return True
    return False


def _comparable(v: Any) -> bool:
    """Whether Go's == is defined on the value's type (no slices, maps or funcs inside)."""
    if isinstance(v, list | dict | GoFunc):
        return False
    if isinstance(v, GoStruct) and not isinstance(v, GoTime):
        return all(_comparable(v.go_field(f)) for f in v.go_fields)
    return True


def _lt(a1: Any, a2: Any) -> bool:
    k1 = _basic_kind(a1)
    if k1 == "invalid":
        raise GoCallError(_ERR_BAD_TYPE)
    k2 = _basic_kind(a2)
    if k2 == "invalid":
        raise GoCallError(_ERR_BAD_TYPE)
    if k1 != k2:
        if (k1 == "int" and k2 == "uint") or (k1 == "uint" and k2 == "int"):
            return int(a1) < int(a2)
        raise GoCallError(_ERR_BAD_CMP)
    if k1 in ("bool", "complex"):
        raise GoCallError(_ERR_BAD_TYPE)
    if k1 == "string":
        return str(a1).encode() < str(a2).encode()
    return bool(a1 < a2)


def _le(a1: Any, a2: Any) -> bool:
    return _lt(a1, a2) or _eq(a1, a2)


# -- index, slice, len --------------------------------------------------------------------------


def _index_arg(i: Any, cap: int) -> int:
    k = kind(go_type_of(i))
    if i is None:
        raise GoCallError("cannot index slice/array with nil")
    if k not in ("int", "uint"):
        raise GoCallError(f"cannot index slice/array with type {go_type_of(i)}")
    x = int(i)
    if x < 0 or x > cap:
        raise GoCallError(f"index out of range: {x}")
    return x


def zero_value(t: str) -> Any:
    k = kind(t)
    if k == "string":
        return HTML("") if t == "template.HTML" else ""
    if k in ("int", "uint"):
        return 0
    if k == "float":
        return 0.0
    if k == "bool":
        return False
    if k == "slice":
        return GoSlice(t)
    if k == "map":
        from tocsin.notify.template.data import KV

        return KV() if t == "template.KV" else GoMap(t)
    return None


def _index(item: Any, *indexes: Any) -> Any:
    if item is None:
        raise GoCallError("index of untyped nil")
    from tocsin.notify.template.gotypes import elem_type, key_type

    for idx in indexes:
        t = go_type_of(item)
        k = kind(t)
        if k in ("slice", "string"):
            x = _index_arg(idx, len(item) if k == "slice" else len(str(item).encode()))
            if k == "string":
                b = str(item).encode()
                if x >= len(b):
                    raise GoCallError("reflect: string index out of range")
                item = GoUint8(b[x])
            else:
                if x >= len(item):
                    raise GoCallError("reflect: slice index out of range")
                item = item[x]
        elif k == "map":
            assert t is not None
            kt = key_type(t)
            if idx is None:
                raise GoCallError(f"value is nil; should be of type {kt}")
            it = go_type_of(idx)
            from tocsin.notify.template.gotypes import assignable

            if it is None or not assignable(it, kt):
                raise GoCallError(f"value has type {it}; should be {kt}")
            item = item[idx] if idx in item else zero_value(elem_type(t))
        else:
            raise GoCallError(f"can't index item of type {t}")
    return item


def _slice(item: Any, *indexes: Any) -> Any:
    if item is None:
        raise GoCallError("slice of untyped nil")
    if len(indexes) > 3:
        raise GoCallError(f"too many slice indexes: {len(indexes)}")
    t = go_type_of(item)
    k = kind(t)
    if k == "string":
        if len(indexes) == 3:
            raise GoCallError("cannot 3-index slice a string")
        data = str(item).encode()
        cap = len(data)
    elif k == "slice":
        cap = len(item)
    else:
        raise GoCallError(f"can't slice item of type {t}")
    idx = [0, cap, 0]
    for i, x in enumerate(indexes):
        idx[i] = _index_arg(x, cap)
    if idx[0] > idx[1]:
        raise GoCallError(f"invalid slice index: {idx[0]} > {idx[1]}")
    if len(indexes) == 3 and idx[1] > idx[2]:
        raise GoCallError(f"invalid slice index: {idx[1]} > {idx[2]}")
    if k == "string":
        out = data[idx[0] : idx[1]].decode("utf-8", errors="replace")
        return HTML(out) if t == "template.HTML" else out
    from tocsin.notify.template.data import Alerts, Pairs

    part = item[idx[0] : idx[1]]
    if isinstance(item, Pairs):
        return Pairs(part)
    if isinstance(item, Alerts):
        return Alerts(part)
    return GoSlice(t or "[]interface {}", part)


def _len(item: Any) -> int:
    if item is None:
        raise GoCallError("reflect: call of reflect.Value.Type on zero Value")
    k = kind(go_type_of(item))
    if k == "string":
        return len(str(item).encode())
    if k in ("slice", "map"):
        return len(item)
    raise GoCallError(f"len of type {go_type_of(item)}")


def _not(v: Any) -> bool:
    return not is_true(v)[0]


def _call(fn: Any, *args: Any) -> Any:
    if fn is None:
        raise GoCallError("call of nil")
    if not isinstance(fn, GoFunc):
        raise GoCallError(f"non-function of type {go_type_of(fn)}")
    n = len(fn.params)
    if fn.variadic:
        if len(args) < n - 1:
            raise GoCallError(f"wrong number of args: got {len(args)} want at least {n - 1}")
    elif len(args) != n:
        raise GoCallError(f"wrong number of args: got {len(args)} want {n}")
    return fn.impl(*args)


# -- escapers -----------------------------------------------------------------------------------

_PLAIN = Flags()


def eval_args(args: tuple[Any, ...]) -> str:
    if len(args) == 1 and type(args[0]) is str:
        return args[0]
    return sprint(["<no value>" if a is None else a for a in args])


_HTML_ESC = {"\0": "\ufffd", '"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;"}


def html_escape_string(s: str) -> str:
    return "".join(_HTML_ESC.get(c, c) for c in s)


_JS_ESC = {"\\": "\\\\", "'": "\\'", '"': '\\"', "<": "\\u003C", ">": "\\u003E", "&": "\\u0026", "=": "\\u003D"}


def js_escape_string(s: str) -> str:
    out = []
    for c in s:
        if c in _JS_ESC:
            out.append(_JS_ESC[c])
        elif ord(c) < 0x20:
            out.append(f"\\u00{ord(c):02X}")
        elif ord(c) >= 0x80 and not c.isprintable():
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return "".join(out)


def url_query_escape(s: str) -> str:
    return urllib.parse.quote_plus(s, safe="")


# -- Alertmanager's functions ----------------------------------------------------------------------

_GO_SPACE = (
    " \t\n\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def _map_runes(s: str, f: Callable[[str], str]) -> str:
    out = []
    for c in s:
        m = f(c)
        out.append(m if len(m) == 1 else c)
    return "".join(out)


def to_upper(s: str) -> str:
    return _map_runes(s, str.upper)


def to_lower(s: str) -> str:
    return _map_runes(s, str.lower)


def _is_word_char(c: str) -> bool:
    cat = unicodedata.category(c)
    return cat[0] in "LNM" or c == "_"


def title(s: str) -> str:
    """Title-case words (x/text/cases.Title): first cased letter upper, the rest lower."""
    out = []
    in_word = False
    seen_cased = False
    prev = ""
    for i, c in enumerate(s):
        nxt = s[i + 1] if i + 1 < len(s) else ""
        mid = c in "'.’:" and in_word and nxt != "" and _is_word_char(nxt) and _is_word_char(prev)
        if _is_word_char(c) or mid:
            if not in_word:
                in_word = True
                seen_cased = False
            cased = c.lower() != c.upper()
            if cased and not seen_cased:
                t = c.title()
                out.append(t if len(t) == 1 else c.upper() if len(c.upper()) == 1 else c)
                seen_cased = True
            else:
                lo = c.lower()
                out.append(lo if len(lo) == 1 else c)
        else:
            in_word = False
            out.append(c)
        prev = c
    return "".join(out)


def _join(sep: str, items: list[str]) -> str:
    return sep.join(items)


_RE_CACHE: dict[str, re.Pattern[str]] = {}


def go_regexp(pattern: str) -> re.Pattern[str]:
    """Compile a Go RE2 pattern with Python's engine (RE2 syntax is nearly a subset)."""
    rx = _RE_CACHE.get(pattern)
    if rx is None:
        try:
            rx = re.compile(pattern.replace("(?<", "(?P<").replace("(?P<=", "(?<=").replace("(?P<!", "(?<!"))
        except re.error as e:
            raise GoCallError(f"error parsing regexp: {_go_regexp_reason(e)}: `{pattern}`") from None
        if len(_RE_CACHE) > 512:
            _RE_CACHE.clear()
        _RE_CACHE[pattern] = rx
    return rx


def _go_regexp_reason(e: re.error) -> str:
    msg = str(e.msg)
    for py, go in (
        ("missing ), unterminated subpattern", "missing closing )"),
        ("unbalanced parenthesis", "unexpected )"),
        ("nothing to repeat", "missing argument to repetition operator"),
        ("multiple repeat", "invalid nested repetition operator"),
        ("unterminated character set", "missing closing ]"),
    ):
        if msg.startswith(py):
            return go
    return msg


def _expand(template: str, m: re.Match[str]) -> str:
    """Go's Regexp.Expand: $1, ${1}, $name, ${name}, $$."""
    out: list[str] = []
    i = 0
    n = len(template)
    while i < n:
        j = template.find("$", i)
        if j < 0:
            out.append(template[i:])
            break
        out.append(template[i:j])
        i = j + 1
        if i < n and template[i] == "$":
            out.append("$")
            i += 1
            continue
        name = ""
        if i < n and template[i] == "{":
            close = template.find("}", i)
            cand = template[i + 1 : close] if close > 0 else ""
            if close < 0 or not cand or not all(c.isalnum() or c == "_" for c in cand):
                out.append("$")
                continue
            name, i = cand, close + 1
        else:
            k = i
            while k < n and (template[k].isalnum() or template[k] == "_"):
                k += 1
            if k == i:
                out.append("$")
                continue
            name, i = template[i:k], k
        try:
            g = m.group(int(name)) if name.isdigit() else m.group(name)
        except (IndexError, re.error):
            g = None
        out.append(g or "")
    return "".join(out)


def re_replace_all(pattern: str, repl: str, text: str) -> str:
    try:
        rx = go_regexp(pattern)
    except GoCallError as e:
        # MustCompile panics; the template reports the panic message
        from tocsin.notify.template.gofmt import can_backquote, go_quote

        q = f"`{pattern}`" if can_backquote(pattern) else go_quote(pattern)
        raise GoCallError(f"regexp: Compile({q}): {e}") from None
    return rx.sub(lambda m: _expand(repl, m), text)


def match(pattern: str, text: str) -> bool:
    return go_regexp(pattern).search(text) is not None


def _tz(name: str, t: GoTime) -> GoTime:
    if name in ("", "UTC"):
        return t.in_zone(dt.UTC)
    if name == "Local":
        return t.in_zone(dt.datetime.now().astimezone().tzinfo or dt.UTC)
    try:
        return t.in_zone(zoneinfo.ZoneInfo(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise GoCallError(f"unknown time zone {name}") from None


def _since_at(now_fn: Callable[[], dt.datetime]) -> Callable[[GoTime], Duration]:
    def since(t: GoTime) -> Duration:
        now = GoTime(now_fn())
        return Duration(max(-(1 << 63), min((1 << 63) - 1, now.unix_nano() - t.unix_nano())))

    return since


_since = _since_at(lambda: dt.datetime.now(dt.UTC))


def convert_to_float(v: Any) -> float:
    if isinstance(v, Duration):
        return int(v) / 1e9
    if isinstance(v, bool) or v is None:
        raise GoCallError(f"can't convert {go_type_of(v) or '<nil>'} to float")
    if isinstance(v, float | int):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.replace("_", "x") if "_" in v else v)
        except ValueError:
            raise GoCallError(f"strconv.ParseFloat: parsing {json.dumps(v)}: invalid syntax") from None
    raise GoCallError(f"can't convert {go_type_of(v)} to float")


def humanize_duration(v: Any) -> str:
    """prometheus/common's HumanizeDuration: seconds as ``1d 2h 3m 4s`` or ``1.5ms``."""
    f = convert_to_float(v)
    if math.isnan(f) or math.isinf(f):
        return sprintf("%.4g", [f])
    if f == 0:
        return sprintf("%.4gs", [f])
    if abs(f) >= 1:
        sign = ""
        if f < 0:
            sign, f = "-", -f
        total = int(f)
        seconds = total % 60
        minutes = (total // 60) % 60
        hours = (total // 3600) % 24
        days = total // 86400
        if days:
            return f"{sign}{days}d {hours}h {minutes}m {seconds}s"
        if hours:
            return f"{sign}{hours}h {minutes}m {seconds}s"
        if minutes:
            return f"{sign}{minutes}m {seconds}s"
        return sprintf("%s%.4gs", [sign, f])
    prefix = ""
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(f) >= 1:
            break
        prefix = p
        f *= 1000
    return sprintf("%.4g%ss", [f, prefix])


def to_json_value(v: Any) -> Any:
    """The value ``encoding/json`` would marshal for a template value."""
    from tocsin.notify.template.data import Alert, TemplateData

    if isinstance(v, GoTime):
        s = v.format("2006-01-02T15:04:05.999999999Z07:00")
        return s
    if isinstance(v, Duration):
        return int(v)
    if isinstance(v, TemplateData | Alert):
        tags = {
            "Receiver": "receiver", "Status": "status", "Alerts": "alerts", "GroupLabels": "groupLabels",
            "CommonLabels": "commonLabels", "CommonAnnotations": "commonAnnotations",
            "ExternalURL": "externalURL", "Labels": "labels", "Annotations": "annotations",
            "StartsAt": "startsAt", "EndsAt": "endsAt", "GeneratorURL": "generatorURL",
            "Fingerprint": "fingerprint",
        }  # fmt: skip
        return {tags[f]: to_json_value(v.go_field(f)) for f in v.go_fields}
    if isinstance(v, GoStruct):
        return {f: to_json_value(v.go_field(f)) for f in v.go_fields}
    if isinstance(v, dict):
        return {str(k): to_json_value(x) for k, x in sorted(v.items())}
    if isinstance(v, list):
        return [to_json_value(x) for x in v]
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        raise GoCallError(f"json: unsupported value: {fmt_value(v, 'v', _PLAIN, 0)}")
    return v


def _go_json(v: Any) -> str:
    s = json.dumps(to_json_value(v), ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    # encoding/json escapes HTML-significant characters and the JS line separators
    return (
        s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )  # fmt: skip


def to_json(v: Any) -> str:
    return _go_json(v)


def url_unescape(s: str) -> str:
    # url.QueryUnescape: '+' is a space; a malformed escape is an error
    if re.search(r"%(?![0-9a-fA-F]{2})", s):
        bad = re.search(r"%.{0,2}", s)
        raise GoCallError(f'invalid URL escape "{bad.group(0) if bad else "%"}"')
    return urllib.parse.unquote_plus(s, errors="replace")


def trim_space(s: str) -> str:
    return s.strip(_GO_SPACE)


# name -> GoFunc; "and"/"or" impls are placeholders, the executor short-circuits them
BUILTINS: dict[str, GoFunc] = {
    "and": GoFunc("and", (RV, "[]" + RV), RV, lambda *a: None, variadic=True),
    "or": GoFunc("or", (RV, "[]" + RV), RV, lambda *a: None, variadic=True),
    "not": GoFunc("not", (RV,), "bool", _not),
    "len": GoFunc("len", (RV,), "int", _len, returns_error=True),
    "index": GoFunc("index", (RV, "[]" + RV), RV, _index, variadic=True, returns_error=True),
    "slice": GoFunc("slice", (RV, "[]" + RV), RV, _slice, variadic=True, returns_error=True),
    "call": GoFunc("call", (RV, "[]" + RV), RV, _call, variadic=True, returns_error=True),
    "print": GoFunc("print", ("[]" + ANY,), "string", lambda *a: sprint(list(a)), variadic=True),
    "println": GoFunc("println", ("[]" + ANY,), "string", lambda *a: sprintln(list(a)), variadic=True),
    "printf": GoFunc("printf", ("string", "[]" + ANY), "string", lambda f, *a: sprintf(f, list(a)), variadic=True),
    "html": GoFunc("html", ("[]" + ANY,), "string", lambda *a: html_escape_string(eval_args(a)), variadic=True),
    "js": GoFunc("js", ("[]" + ANY,), "string", lambda *a: js_escape_string(eval_args(a)), variadic=True),
    "urlquery": GoFunc("urlquery", ("[]" + ANY,), "string", lambda *a: url_query_escape(eval_args(a)), variadic=True),
    "eq": GoFunc("eq", (RV, "[]" + RV), "bool", _eq, variadic=True, returns_error=True),
    "ne": GoFunc("ne", (RV, RV), "bool", lambda a, b: not _eq(a, b), returns_error=True),
    "lt": GoFunc("lt", (RV, RV), "bool", _lt, returns_error=True),
    "le": GoFunc("le", (RV, RV), "bool", _le, returns_error=True),
    "gt": GoFunc("gt", (RV, RV), "bool", lambda a, b: not _le(a, b), returns_error=True),
    "ge": GoFunc("ge", (RV, RV), "bool", lambda a, b: not _lt(a, b), returns_error=True),
}

# Alertmanager 0.25's function map.
ALERTMANAGER_0_25: dict[str, GoFunc] = {
    "toUpper": GoFunc("toUpper", ("string",), "string", to_upper),
    "toLower": GoFunc("toLower", ("string",), "string", to_lower),
    "title": GoFunc("title", ("string",), "string", title),
    "join": GoFunc("join", ("string", "[]string"), "string", _join),
    "match": GoFunc("match", ("string", "string"), "bool", match, returns_error=True),
    "safeHtml": GoFunc("safeHtml", ("string",), "template.HTML", HTML),
    "reReplaceAll": GoFunc("reReplaceAll", ("string", "string", "string"), "string", re_replace_all),
    "stringSlice": GoFunc(
        "stringSlice", ("[]string",), "[]string", lambda *s: GoSlice("[]string", list(s)), variadic=True
    ),
}

# Functions added after 0.25, following current Alertmanager documentation.
ALERTMANAGER_NEWER: dict[str, GoFunc] = {
    "trimSpace": GoFunc("trimSpace", ("string",), "string", trim_space),
    "safeUrl": GoFunc("safeUrl", ("string",), "template.URL", lambda s: s),
    "urlUnescape": GoFunc("urlUnescape", ("string",), "string", url_unescape, returns_error=True),
    "date": GoFunc("date", ("string", "time.Time"), "string", lambda layout, t: t.format(layout)),
    "tz": GoFunc("tz", ("string", "time.Time"), "time.Time", _tz, returns_error=True),
    "since": GoFunc("since", ("time.Time",), "time.Duration", _since),
    "humanizeDuration": GoFunc("humanizeDuration", (ANY,), "string", humanize_duration, returns_error=True),
    "toJson": GoFunc("toJson", (ANY,), "string", to_json, returns_error=True),
}

FUNCS: dict[str, GoFunc] = {**ALERTMANAGER_0_25, **ALERTMANAGER_NEWER}
ALL_NAMES = frozenset(BUILTINS) | frozenset(FUNCS)


def funcs_with_clock(now_fn: Callable[[], dt.datetime]) -> dict[str, GoFunc]:
    """The function map with ``since`` measuring from an injected clock."""
    return {**FUNCS, "since": GoFunc("since", ("time.Time",), "time.Duration", _since_at(now_fn))}
