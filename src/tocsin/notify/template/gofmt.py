"""Go's ``fmt`` printing rules (Sprint, Sprintln, Sprintf) for template values.

Every ``{{ .X }}`` is printed with ``fmt.Fprint``, and ``printf`` is ``fmt.Sprintf``, so numbers,
maps, slices, structs and nil must print exactly as Go prints them: ``1e+06`` not ``1000000.0``,
``map[a:b]``, ``[x y]``, ``%!d(string=foo)`` for a verb that does not fit its argument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from tocsin.model.gostrings import escape_rune, go_quote
from tocsin.notify.template.gotypes import GoStruct, go_type_of, kind

__all__ = ["go_quote"]


def quote_rune(cp: int, ascii_only: bool = False) -> str:
    """strconv.QuoteRune."""
    if cp < 0 or cp > 0x10FFFF or 0xD800 <= cp < 0xE000:
        cp = 0xFFFD
    c = chr(cp)
    if c == "'":
        return "'\\''"
    if c == "\\":
        return "'\\\\'"
    if c.isprintable() and (cp < 0x80 or not ascii_only):
        return f"'{c}'"
    return "'" + escape_rune(c, "'") + "'"


def can_backquote(s: str) -> bool:
    return all(not ((ord(c) < 0x20 and c != "\t") or c in "`\x7f\ufeff") for c in s)


# -- floats -------------------------------------------------------------------------------------


def _shortest_digits(f: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of |f| and the decimal point position (Go's digs.d, digs.dp)."""
    r = repr(abs(f))
    if "e" in r:
        mant, exp_s = r.split("e")
        exp = int(exp_s)
    else:
        mant, exp = r, 0
    if "." in mant:
        ip, fp = mant.split(".")
    else:
        ip, fp = mant, ""
    if fp == "0":
        fp = ""
    digits = (ip + fp).lstrip("0")
    lead_zeros = len(ip + fp) - len((ip + fp).lstrip("0"))
    dp = len(ip) + exp - lead_zeros
    digits = digits.rstrip("0")
    if not digits:
        return "0", 1
    return digits, dp


def format_float(f: float, verb: str, prec: int | None) -> str:
    """strconv.FormatFloat(f, verb, prec, 64) including the sign."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    neg = math.copysign(1.0, f) < 0
    sign = "-" if neg else ""
    if verb in "eE":
        s = f"{abs(f):.{6 if prec is None else prec}e}" if prec is not None else _shortest_e(abs(f))
        return sign + (s.upper() if verb == "E" else s)
    if verb in "fF":
        if prec is None:
            digits, dp = _shortest_digits(f)
            if dp <= 0:
                s = "0." + "0" * (-dp) + digits
            elif dp >= len(digits):
                s = digits + "0" * (dp - len(digits))
            else:
                s = digits[:dp] + "." + digits[dp:]
            if digits == "0":
                s = "0"
            return sign + s
        return sign + f"{abs(f):.{prec}f}"
    if verb in "gG":
        if prec is None:
            digits, dp = _shortest_digits(f)
            exp = dp - 1
            if digits == "0":
                return sign + "0"
            if exp < -4 or exp >= 6:
                m = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
                s = f"{m}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
            else:
                if dp <= 0:
                    s = "0." + "0" * (-dp) + digits
                elif dp >= len(digits):
                    s = digits + "0" * (dp - len(digits))
                else:
                    s = digits[:dp] + "." + digits[dp:]
            return sign + (s.upper() if verb == "G" else s)
        p = prec if prec != 0 else 1
        s = f"{abs(f):.{p}g}"
        return sign + (s.upper() if verb == "G" else s)
    if verb == "b":
        frac, e = math.frexp(abs(f))
        return f"{sign}{int(frac * (1 << 53))}p{e - 53:+d}"
    if verb in "xX":
        hx = float.hex(abs(f))  # 0x1.8000000000000p+1
        hmant, hexp = hx.split("p")
        hmant = hmant.rstrip("0").rstrip(".") if prec is None else hmant
        ex = int(hexp)
        hx = f"{hmant}p{'+' if ex >= 0 else '-'}{abs(ex):02d}"
        return sign + (hx.upper() if verb == "X" else hx)
    return sign + repr(abs(f))


def _shortest_e(f: float) -> str:
    digits, dp = _shortest_digits(f)
    exp = dp - 1 if digits != "0" else 0
    m = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{m}e{'-' if exp < 0 else '+'}{abs(exp):02d}"


# -- the printer --------------------------------------------------------------------------------


class _TypedInt(int):
    """An integer of a specific Go integer type (for printing struct internals)."""

    go_type: str

    def __new__(cls, go_type: str, value: int) -> _TypedInt:
        obj = super().__new__(cls, value)
        obj.go_type = go_type
        return obj


@dataclass(frozen=True, slots=True)
class Flags:
    minus: bool = False
    plus: bool = False
    sharp: bool = False
    space: bool = False
    zero: bool = False
    width: int | None = None
    prec: int | None = None
    plus_v: bool = False
    sharp_v: bool = False


_PLAIN = Flags()


def _pad(s: str, fl: Flags) -> str:
    if fl.width is None or len(s) >= fl.width:
        return s
    fill = fl.width - len(s)
    if fl.minus:
        return s + " " * fill
    if fl.zero:
        return "0" * fill + s
    return " " * fill + s


def _bad_verb(v: Any, verb: str, fl: Flags = _PLAIN) -> str:
    # Go prints the offending operand with %v but keeps the verb's width, precision and flags.
    if v is None:
        return f"%!{verb}(<nil>)"
    return f"%!{verb}({go_type_of(v)}={fmt_value(v, 'v', fl, 0)})"


def _fmt_int(i: int, verb: str, fl: Flags, type_name: str = "int") -> str:
    if verb in "vd":
        digits, prefix = str(abs(i)), ""
    elif verb == "b":
        digits, prefix = format(abs(i), "b"), ("0b" if fl.sharp else "")
    elif verb == "o":
        digits, prefix = format(abs(i), "o"), ("0" if fl.sharp else "")
    elif verb == "O":
        digits, prefix = format(abs(i), "o"), "0o"
    elif verb == "x":
        digits, prefix = format(abs(i), "x"), ("0x" if fl.sharp else "")
    elif verb == "X":
        digits, prefix = format(abs(i), "X"), ("0X" if fl.sharp else "")
    elif verb == "c":
        return _pad(chr(i) if 0 <= i <= 0x10FFFF and not 0xD800 <= i < 0xE000 else "\ufffd", fl)
    elif verb == "q":
        return _pad(quote_rune(i, fl.plus), fl)
    elif verb == "U":
        s = f"U+{i:04X}" if i >= 0 else f"U+{i & 0xFFFFFFFFFFFFFFFF:04X}"
        if fl.sharp and 0 <= i <= 0x10FFFF and chr(i).isprintable():
            s += f" '{chr(i)}'"
        return _pad(s, fl)
    else:
        return f"%!{verb}({type_name}={_fmt_int(i, 'd', fl)})"
    if fl.prec is not None:
        if fl.prec == 0 and i == 0:
            return _pad("", replace(fl, zero=False))
        digits = digits.rjust(fl.prec, "0")
    sign = "-" if i < 0 else ("+" if fl.plus else (" " if fl.space else ""))
    if prefix == "0" and digits.startswith("0"):
        prefix = ""
    body = prefix + digits
    if fl.zero and not fl.minus and fl.width is not None and fl.prec is None:
        body = (
            body.rjust(fl.width - len(sign), "0")
            if verb not in "xXbo" or not prefix
            else (prefix + digits.rjust(fl.width - len(sign) - len(prefix), "0"))
        )
        return sign + body
    return _pad(sign + body, replace(fl, zero=False))


def _fmt_float(f: float, verb: str, fl: Flags, size: int = 64) -> str:
    if verb == "v":
        verb2, prec = "g", fl.prec
    elif verb in "eEfFgGxXb":
        verb2, prec = verb, fl.prec
        if prec is None and verb in "eEfF":
            prec = 6
    else:
        return f"%!{verb}(float64={_fmt_float(f, 'v', fl)})"
    s = format_float(f, verb2, prec)
    if fl.sharp and verb2 in "gG" and "." not in s and "e" not in s.lower() and not math.isinf(f):
        s += "."
    if s[0] not in "+-":
        s = "+" + s
    if fl.space and s[0] == "+" and not fl.plus:
        s = " " + s[1:]
    if math.isinf(f) or math.isnan(f):
        if s in ("+NaN",) and not fl.plus and not fl.space:
            s = "NaN"
        elif not fl.plus and s[0] == "+":
            s = s[1:] if not fl.space else s
        return _pad(s, replace(fl, zero=False))
    if fl.zero and not fl.minus and fl.width is not None and len(s) < fl.width:
        s = s[0] + s[1:].rjust(fl.width - 1, "0")
        if not fl.plus and s[0] == "+":
            s = s[1:].rjust(fl.width, "0") if False else s[1:]
            s = s.rjust(fl.width, "0")
        return s
    if not fl.plus and s[0] == "+":
        s = s[1:]
    return _pad(s, fl)


def _fmt_string(s: str, verb: str, fl: Flags) -> str:
    if verb in "vs":
        if fl.sharp_v:
            return _pad(go_quote(s), fl)
        if fl.prec is not None:
            s = s[: fl.prec]
        return _pad(s, fl)
    if verb == "q":
        if fl.prec is not None:
            s = s[: fl.prec]
        if fl.sharp and can_backquote(s):
            return _pad("`" + s + "`", fl)
        return _pad(go_quote(s, fl.plus), fl)
    if verb in "xX":
        data = s.encode()
        if fl.prec is not None:
            data = data[: fl.prec]
        parts = [format(b, "02x" if verb == "x" else "02X") for b in data]
        pre = ("0x" if verb == "x" else "0X") if fl.sharp else ""
        out = " ".join(pre + p for p in parts) if fl.space else pre + "".join(parts) if parts else ""
        return _pad(out, fl)
    return f"%!{verb}({go_type_of(s)}={_fmt_string(s, 'v', fl)})"


def fmt_value(v: Any, verb: str, fl: Flags, depth: int) -> str:
    """Format one operand as Go's printArg/printValue would."""
    if v is None:
        if verb in "vT":
            return _pad("<nil>", fl)
        return _bad_verb(None, verb)
    if verb == "T":
        return _pad(go_type_of(v) or "<nil>", fl)
    if verb == "p":
        return f"%!p({go_type_of(v)}={fmt_value(v, 'v', _PLAIN, 0)})"
    # Stringer/error handling: types with a String method print through it for string verbs.
    if verb in "vsxXq" and not fl.sharp_v and hasattr(v, "go_method") and not isinstance(v, str):
        m = v.go_method("String")
        if m is not None and m.result == "string" and not m.params:
            return _fmt_string(m.impl(), verb, fl)
    if getattr(v, "go_type", None) == "time.Time" and verb not in "vsxXq":
        # a time.Time printed field by field: {wall ext loc} as Go stores it (no monotonic reading)
        secs = v.unix_nano() // 1_000_000_000 + 62_135_596_800
        parts = [fmt_value(_TypedInt("uint64", v.nanosecond), verb, fl, depth + 1)]
        parts.append(fmt_value(_TypedInt("int64", secs), verb, fl, depth + 1))
        if verb in "dxXob":
            parts.append(_fmt_int(0, verb, fl))
        else:
            parts.append(f"%!{verb}(*time.Location=<nil>)")
        return "{" + " ".join(parts) + "}"
    if v is True or v is False:
        if verb in "tv":
            return _pad("true" if v else "false", fl)
        return _bad_verb(v, verb, fl)
    if isinstance(v, str):
        return _fmt_string(v, verb, fl)
    if isinstance(v, int):
        return _fmt_int(int(v), verb, fl, go_type_of(v) or "int")
    if isinstance(v, float):
        return _fmt_float(v, verb, fl)
    if isinstance(v, complex):
        if verb not in "veEfFgG":
            return _bad_verb(v, verb, fl)
        fl2 = replace(fl, width=None)
        re_s = _fmt_float(v.real, verb, fl2)
        im_s = _fmt_float(v.imag, verb, replace(fl2, plus=True))
        return _pad(f"({re_s}{im_s}i)", fl)
    k = kind(go_type_of(v))
    if k == "slice" and isinstance(v, list):
        if fl.sharp_v:
            return go_syntax(v)
        return "[" + " ".join(fmt_value(e, verb, fl, depth + 1) for e in v) + "]"
    if k == "map" and isinstance(v, dict):
        if fl.sharp_v:
            return go_syntax(v)
        items = sorted(v.items(), key=lambda kv: _sort_key(kv[0]))
        return (
            "map["
            + " ".join(
                f"{fmt_value(key, verb, fl, depth + 1)}:{fmt_value(val, verb, fl, depth + 1)}" for key, val in items
            )
            + "]"
        )
    if isinstance(v, GoStruct):
        if fl.sharp_v:
            return go_syntax(v)
        parts = []
        for name in v.go_fields:
            val = fmt_value(v.go_field(name), verb, fl, depth + 1)
            parts.append(f"{name}:{val}" if fl.plus_v else val)
        return "{" + " ".join(parts) + "}"
    from tocsin.notify.template.gotypes import GoFunc

    if isinstance(v, GoFunc):
        return _pad("0x4a1b20", fl)
    return _pad(str(v), fl)


def _sort_key(k: Any) -> Any:
    return (0, k) if isinstance(k, int | float) else (1, str(k))


def go_syntax(v: Any) -> str:
    """A best-effort Go-syntax representation for %#v."""
    t = go_type_of(v)
    if v is None:
        return "<nil>"
    if isinstance(v, str):
        return go_quote(v)
    if v is True or v is False:
        return "true" if v else "false"
    if isinstance(v, int):
        return str(int(v))
    if isinstance(v, float):
        return format_float(v, "g", None)
    if isinstance(v, list):
        return f"{t}{{" + ", ".join(go_syntax(e) for e in v) + "}"
    if isinstance(v, dict):
        items = sorted(v.items(), key=lambda kv: _sort_key(kv[0]))
        return f"{t}{{" + ", ".join(f"{go_syntax(k)}:{go_syntax(x)}" for k, x in items) + "}"
    if isinstance(v, GoStruct):
        return f"{t}{{" + ", ".join(f"{n}:{go_syntax(v.go_field(n))}" for n in v.go_fields) + "}"
    return str(v)


def sprint(args: list[Any]) -> str:
    out: list[str] = []
    prev_string = False
    for i, a in enumerate(args):
        is_string = a is not None and kind(go_type_of(a)) == "string"
        if i > 0 and not is_string and not prev_string:
            out.append(" ")
        out.append(fmt_value(a, "v", _PLAIN, 0))
        prev_string = is_string
    return "".join(out)


def sprintln(args: list[Any]) -> str:
    return " ".join(fmt_value(a, "v", _PLAIN, 0) for a in args) + "\n"


def _parse_num(fmt: str, i: int) -> tuple[int | None, int]:
    j = i
    while j < len(fmt) and fmt[j].isdigit():
        j += 1
    if j == i:
        return None, i
    return int(fmt[i:j]), j


def sprintf(fmt: str, args: list[Any]) -> str:
    """fmt.Sprintf, including its in-band error notation."""
    out: list[str] = []
    arg_num = 0
    reordered = False
    good_arg_num = True
    i = 0
    n = len(fmt)
    while i < n:
        j = fmt.find("%", i)
        if j < 0:
            out.append(fmt[i:])
            break
        out.append(fmt[i:j])
        i = j + 1
        minus = plus = sharp = space = zero = False
        while i < n:
            c = fmt[i]
            if c == "#":
                sharp = True
            elif c == "0":
                zero = not minus
            elif c == "+":
                plus = True
            elif c == "-":
                minus = True
                zero = False
            elif c == " ":
                space = True
            else:
                break
            i += 1
        # argument index, width
        arg_num, i, found = _arg_index(fmt, i, arg_num, len(args))
        if found:
            reordered = True
            good_arg_num = arg_num >= 0
            arg_num = max(arg_num, 0)
        width: int | None = None
        bad = ""
        if i < n and fmt[i] == "*":
            i += 1
            if arg_num < len(args) and isinstance(args[arg_num], int) and not isinstance(args[arg_num], bool):
                width = int(args[arg_num])
                if width < 0:
                    minus = True
                    zero = False
                    width = -width
            else:
                bad += "%!(BADWIDTH)"
            arg_num += 1
        else:
            width, i = _parse_num(fmt, i)
        prec: int | None = None
        if i < n and fmt[i] == ".":
            i += 1
            arg_num, i, found = _arg_index(fmt, i, arg_num, len(args))
            if found:
                reordered = True
                good_arg_num = arg_num >= 0
                arg_num = max(arg_num, 0)
            if i < n and fmt[i] == "*":
                i += 1
                if arg_num < len(args) and isinstance(args[arg_num], int) and not isinstance(args[arg_num], bool):
                    prec = int(args[arg_num])
                    if prec < 0:
                        prec = None
                else:
                    bad += "%!(BADPREC)"
                arg_num += 1
            else:
                prec, i = _parse_num(fmt, i)
                if prec is None:
                    prec = 0
        if not found:
            arg_num, i, found2 = _arg_index(fmt, i, arg_num, len(args))
            if found2:
                reordered = True
                good_arg_num = arg_num >= 0
                arg_num = max(arg_num, 0)
        out.append(bad)
        if i >= n:
            out.append("%!(NOVERB)")
            break
        verb = fmt[i]
        i += 1
        fl = Flags(minus, plus, sharp, space, zero, width, prec)
        if verb == "%":
            out.append("%")
            continue
        if not good_arg_num:
            out.append(f"%!{verb}(BADINDEX)")
            continue
        if arg_num >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        a = args[arg_num]
        arg_num += 1
        if verb == "v":
            if fl.sharp:
                fl = replace(fl, sharp=False, sharp_v=True)
            if fl.plus:
                fl = replace(fl, plus=False, plus_v=True)
        if verb == "w":
            out.append(_bad_verb(a, verb))
            continue
        out.append(fmt_value(a, verb, fl, 0))
    if not reordered and arg_num < len(args):
        extra = []
        for a in args[arg_num:]:
            if a is None:
                extra.append("<nil>")
            else:
                extra.append(f"{go_type_of(a)}={fmt_value(a, 'v', _PLAIN, 0)}")
        out.append("%!(EXTRA " + ", ".join(extra) + ")")
    return "".join(out)


def _arg_index(fmt: str, i: int, arg_num: int, nargs: int) -> tuple[int, int, bool]:
    if i >= len(fmt) or fmt[i] != "[":
        return arg_num, i, False
    close = fmt.find("]", i + 1)
    if close < 0:
        return -1, len(fmt), True
    num_s = fmt[i + 1 : close]
    if not num_s.isdigit():
        return -1, close + 1, True
    idx = int(num_s) - 1
    if idx < 0 or idx >= nargs:
        return -1, close + 1, True
    return idx, close + 1, True
