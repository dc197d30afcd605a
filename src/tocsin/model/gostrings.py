"""Go's string quoting (strconv.Quote, i.e. fmt's %q), shared by everything that must print like Alertmanager:
label sets in group keys, matcher strings, error messages, templates."""

from __future__ import annotations


def go_quote(s: str, ascii_only: bool = False) -> str:
    """strconv.Quote."""
    out = ['"']
    for c in s:
        cp = ord(c)
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif (cp < 0x80 and c.isprintable()) or (
            cp >= 0x80 and c.isprintable() and not ascii_only and not 0xD800 <= cp < 0xE000
        ):
            out.append(c)
        else:
            out.append(escape_rune(c, '"'))
    out.append('"')
    return "".join(out)


_ESC = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def escape_rune(c: str, quote: str) -> str:
    if c in _ESC:
        return _ESC[c]
    cp = ord(c)
    if cp < 0x20 or cp == 0x7F:
        return f"\\x{cp:02x}"
    if 0xD800 <= cp < 0xE000:
        return "\\ufffd"
    if cp < 0x10000:
        return f"\\u{cp:04x}"
    return f"\\U{cp:08x}"


_GO_REGEXP_META = frozenset(".+*?()|[]{}^$\\")


def quote_meta(s: str) -> str:
    """Go's regexp.QuoteMeta (Alertmanager applies it to the receiver name in template data)."""
    return "".join("\\" + c if c in _GO_REGEXP_META else c for c in s)
