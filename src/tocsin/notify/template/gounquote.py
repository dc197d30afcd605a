"""Go literal syntax: quoted strings, character constants and number constants.

Template literals use Go's lexical rules (``strconv.Unquote``, ``strconv.ParseInt(s, 0, 64)``), which
differ from Python's in escapes, octal prefixes and underscores, so they are decoded here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tocsin.notify.template import nodes as n

if TYPE_CHECKING:
    from tocsin.notify.template.parser import Tree


class UnquoteError(ValueError):
    """A literal is malformed; the message is Go's."""


_SIMPLE = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


def unquote_char(s: str, i: int, quote: str) -> tuple[str, int]:
    """Decode one (possibly escaped) character of ``s`` at ``i``; return it and the next index."""
    c = s[i]
    if c == quote and quote in "'\"":
        raise UnquoteError("invalid syntax")
    if c != "\\":
        return c, i + 1
    if i + 1 >= len(s):
        raise UnquoteError("invalid syntax")
    e = s[i + 1]
    if e in _SIMPLE:
        return _SIMPLE[e], i + 2
    if e in "'\"":
        if e != quote:
            raise UnquoteError("invalid syntax")
        return e, i + 2
    if e in "xuU":
        size = {"x": 2, "u": 4, "U": 8}[e]
        digits = s[i + 2 : i + 2 + size]
        if len(digits) != size or not re.fullmatch(r"[0-9a-fA-F]+", digits):
            raise UnquoteError("invalid syntax")
        v = int(digits, 16)
        if e == "x":
            # a \x escape is one byte; decode invalid UTF-8 as the replacement character like Go prints it
            return (chr(v) if v < 0x80 else bytes([v]).decode("latin-1")), i + 2 + size
        if v > 0x10FFFF or 0xD800 <= v < 0xE000:
            raise UnquoteError("invalid syntax")
        return chr(v), i + 2 + size
    if e in "01234567":
        digits = s[i + 1 : i + 4]
        if len(digits) != 3 or not re.fullmatch(r"[0-7]{3}", digits):
            raise UnquoteError("invalid syntax")
        v = int(digits, 8)
        if v > 255:
            raise UnquoteError("invalid syntax")
        return chr(v) if v < 0x80 else bytes([v]).decode("latin-1"), i + 4
    raise UnquoteError("invalid syntax")


def unquote(lit: str) -> str:
    """Go's ``strconv.Unquote`` for "..." and `...` strings."""
    if len(lit) < 2:
        raise UnquoteError("invalid syntax")
    q = lit[0]
    if q != lit[-1]:
        raise UnquoteError("invalid syntax")
    body = lit[1:-1]
    if q == "`":
        if "`" in body:
            raise UnquoteError("invalid syntax")
        return body.replace("\r", "")
    if q != '"':
        raise UnquoteError("invalid syntax")
    if "\\" not in body and '"' not in body and "\n" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        if body[i] == "\n":
            raise UnquoteError("invalid syntax")
        c, i = unquote_char(body, i, '"')
        out.append(c)
    return "".join(out)


_INT_RE = {
    16: re.compile(r"[0-9a-fA-F_]+"),
    8: re.compile(r"[0-7_]+"),
    2: re.compile(r"[01_]+"),
    10: re.compile(r"[0-9_]+"),
}


def _underscore_ok(s: str) -> bool:
    # Go: underscores only between digits or between a base prefix and a digit.
    body = s.lstrip("+-")
    base_prefix = len(body) >= 2 and body[0] == "0" and body[1] in "xXoObB"
    if base_prefix:
        body = "0" + body[2:]
    if "_" not in body:
        return True
    if body.startswith("_") or body.endswith("_") or "__" in body:
        return False
    return base_prefix or body[0] != "0" or True


def go_parse_int(s: str) -> int | None:
    """``strconv.ParseInt(s, 0, 64)`` without the range check; None when not an integer literal."""
    neg = False
    body = s
    if body[:1] in "+-":
        neg = body[0] == "-"
        body = body[1:]
    if not body:
        return None
    base = 10
    digits = body
    if body == "0":
        return 0
    if len(body) >= 2 and body[0] == "0" and body[1] in "xXoObB":
        base = {"x": 16, "o": 8, "b": 2}[body[1].lower()]
        digits = body[2:]
    elif len(body) >= 2 and body[0] == "0":
        base = 8
        digits = body[1:]
    if not digits or not _INT_RE[base].fullmatch(digits):
        return None
    if "_" in s and not _underscore_ok(s):
        return None
    clean = digits.replace("_", "")
    if not clean:
        return None
    v = int(clean, base)
    return -v if neg else v


def go_parse_float(s: str) -> float | None:
    body = s.replace("_", "") if "_" in s else s
    try:
        if re.fullmatch(r"[+-]?0[xX].*", body):
            return float.fromhex(body)
        if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", body):
            return None
        return float(body)
    except (ValueError, OverflowError):
        return None


def parse_number(tree: Tree, pos: int, text: str, is_char: bool, is_complex: bool) -> n.NumberNode:
    """Build a NumberNode with Go's int/uint/float/complex flags for ``text``."""
    from tocsin.notify.template.gofmt import go_quote

    node = n.NumberNode(tree, pos, text=text)
    if is_char:
        c, j = unquote_char(text, 1, "'") if len(text) > 1 else ("", 0)
        if j == 0 or text[j:] != "'":
            raise UnquoteError(f"malformed character constant: {text}")
        v = ord(c)
        node.is_int = node.is_uint = node.is_float = True
        node.int_val = node.uint_val = v
        node.float_val = float(v)
        return node
    if is_complex:
        m = re.fullmatch(r"(.*?[^eEpP])([+-].*)i", text)
        try:
            if m is None:
                raise ValueError
            real = go_parse_float(m.group(1))
            imag = go_parse_float(m.group(2))
            if real is None or imag is None:
                raise ValueError
        except ValueError:
            raise UnquoteError("expected integer") from None
        node.is_complex = True
        node.complex_val = complex(real, imag)
        _simplify_complex(node)
        return node
    if text.endswith("i"):
        f = go_parse_float(text[:-1])
        if f is not None:
            node.is_complex = True
            node.complex_val = complex(0, f)
            _simplify_complex(node)
            return node
    iv = go_parse_int(text)
    if iv is not None:
        if 0 <= iv < 1 << 64:
            node.is_uint = True
            node.uint_val = iv
        if -(1 << 63) <= iv < 1 << 63:
            node.is_int = True
            node.int_val = iv
    if node.is_int:
        node.is_float = True
        node.float_val = float(node.int_val)
    elif node.is_uint:
        node.is_float = True
        node.float_val = float(node.uint_val)
    else:
        f = go_parse_float(text)
        if f is not None:
            if not any(c in text for c in ".eEpP"):
                raise UnquoteError(f"integer overflow: {go_quote(text)}")
            node.is_float = True
            node.float_val = f
            if f == int(f) if f == f and abs(f) != float("inf") else False:
                iv2 = int(f)
                if -(1 << 63) <= iv2 < 1 << 63:
                    node.is_int = True
                    node.int_val = iv2
                if 0 <= iv2 < 1 << 64:
                    node.is_uint = True
                    node.uint_val = iv2
    if not (node.is_int or node.is_uint or node.is_float):
        raise UnquoteError(f"illegal number syntax: {go_quote(text)}")
    return node


def _simplify_complex(node: n.NumberNode) -> None:
    c = node.complex_val
    if c.imag == 0:
        node.is_float = True
        node.float_val = c.real
        if c.real == int(c.real):
            node.is_int = True
            node.int_val = int(c.real)
            if c.real >= 0:
                node.is_uint = True
                node.uint_val = int(c.real)
