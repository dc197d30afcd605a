"""Contextual auto-escaping for HTML output, modelled on Go's html/template.

Go decides each action's escaping statically by parsing the template's markup. Tocsin tracks the
same HTML context dynamically, from the template text written so far, and escapes every printed
value for the context it lands in: element text, RCDATA (``<title>``), quoted or unquoted
attribute values, URL attributes (scheme filtering, normalisation, query escaping), script and
style content. HTML, CSS and JS comments in template text are dropped, as Go does.

Known gaps against Go: contexts are not checked for ambiguity at parse time (Go rejects a
template whose branches end in different contexts), and JavaScript regular-expression literals
are not recognised.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tocsin.notify.template.gofmt import Flags, fmt_value, sprint
from tocsin.notify.template.gotypes import HTML

_PLAIN = Flags()

# states
TEXT, TAG, ATTR_NAME, AFTER_NAME, BEFORE_VALUE, ATTR, RCDATA, SCRIPT, STYLE, COMMENT = range(10)
# attribute value delimiters
DQ, SQ, SPACE = '"', "'", " "

_HTML_TABLE = {"\0": "\ufffd", '"': "&#34;", "&": "&amp;", "'": "&#39;", "+": "&#43;", "<": "&lt;", ">": "&gt;"}
_HTML_NORM_TABLE = {k: v for k, v in _HTML_TABLE.items() if k != "&"}
_NOSPACE_TABLE = {
    **_HTML_TABLE,
    "\t": "&#9;", "\n": "&#10;", "\v": "&#11;", "\f": "&#12;", "\r": "&#13;", " ": "&#32;",
    "=": "&#61;", "`": "&#96;",
}  # fmt: skip
_NOSPACE_NORM_TABLE = {k: v for k, v in _NOSPACE_TABLE.items() if k != "&"}

_URL_ATTRS = {
    "action", "archive", "background", "cite", "classid", "codebase", "data", "formaction", "href",
    "icon", "longdesc", "manifest", "poster", "profile", "src", "usemap", "xmlns",
}  # fmt: skip
_RAW_ELEMENTS = {"script": SCRIPT, "style": STYLE, "title": RCDATA, "textarea": RCDATA}


def _replace(s: str, table: dict[str, str]) -> str:
    return "".join(table.get(c, c) for c in s)


def _strip_tags(s: str) -> str:
    return re.sub(r"<[^>]*>?", "", s)


def _url_process(s: str, norm: bool) -> str:
    out = []
    for b in s.encode():
        c = chr(b)
        if (c.isascii() and (c.isalnum() or c in "-._~")) or (norm and c in "!#$&*+,/:;=?@[]%"):
            out.append(c)
        else:
            out.append(f"%{b:02X}")
    return "".join(out)


def _url_filter(s: str) -> str:
    m = re.match(r"([^:/?#]*):", s)
    if m and m.group(1).lower() not in ("http", "https", "mailto"):
        return "#ZgotmplZ"
    return s


def _attr_type(name: str) -> str:
    name = name.lower()
    if name.startswith("data-"):
        name = name[5:]
    elif ":" in name:
        if name.startswith("xmlns:"):
            return "url"
        name = name.split(":", 1)[1]
    if name.startswith("on"):
        return "js"
    if name == "style":
        return "css"
    if name in _URL_ATTRS or "src" in name or "uri" in name or "url" in name:
        return "url"
    return "plain"


def _js_val(v: Any) -> str:
    if v is None:
        return " null "
    if isinstance(v, bool | int | float):
        return " " + json.dumps(v) + " "
    s = v if isinstance(v, str) else fmt_value(v, "v", _PLAIN, 0)
    out = json.dumps(s)
    return out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _js_str(s: str) -> str:
    out = []
    for c in s:
        if c in "\\'\"":
            out.append("\\" + c)
        elif c in "<>&=+`/":
            out.append(f"\\u{ord(c):04x}" if c not in "/" else "\\/")
        elif ord(c) < 0x20 or c in "\u2028\u2029":
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return "".join(out)


class HTMLEscaper:
    """Tracks the HTML context of the output and escapes values for it."""

    def __init__(self) -> None:
        self.state = TEXT
        self.element = ""  # raw-text element we are in (script/style/title/textarea)
        self.attr_type = "plain"
        self.delim = ""
        self.url_part = 0  # 0 none, 1 pre-query, 2 query or fragment
        self.tag_name = ""
        self.is_end_tag = False
        self.sub = ""  # string/comment sub-state inside script/style: '"', "'", "/*", "//"

    def enter_template(self, name: str) -> None:
        """Called templates continue in the caller's context, as html/template escapes them."""

    # -- text --------------------------------------------------------------------------------------
    def text(self, s: str) -> str:
        out: list[str] = []
        i = 0
        n = len(s)
        while i < n:
            st = self.state
            c = s[i]
            if st == TEXT:
                j = s.find("<", i)
                if j < 0:
                    out.append(s[i:])
                    break
                out.append(s[i:j])
                if s.startswith("<!--", j):
                    self.state = COMMENT
                    i = j + 4
                    continue
                m = re.match(r"</?([a-zA-Z][a-zA-Z0-9:-]*)", s[j:])
                if m:
                    self.tag_name = m.group(1).lower()
                    self.is_end_tag = s[j + 1] == "/"
                    self.state = TAG
                    out.append(m.group(0))
                    i = j + len(m.group(0))
                else:
                    out.append("<")
                    i = j + 1
            elif st == COMMENT:
                j = s.find("-->", i)
                if j < 0:
                    break
                self.state = TEXT
                i = j + 3
            elif st == TAG:
                if c == ">":
                    out.append(c)
                    i += 1
                    if not self.is_end_tag and self.tag_name in _RAW_ELEMENTS:
                        self.state = _RAW_ELEMENTS[self.tag_name]
                        self.element = self.tag_name
                        self.sub = ""
                    else:
                        self.state = TEXT
                elif c.isspace() or c == "/":
                    out.append(c)
                    i += 1
                else:
                    m = re.match(r"[^\s=>/]+", s[i:])
                    assert m is not None
                    self.attr_type = _attr_type(m.group(0))
                    out.append(m.group(0))
                    i += len(m.group(0))
                    self.state = AFTER_NAME
            elif st == AFTER_NAME:
                if c == "=":
                    self.state = BEFORE_VALUE
                    out.append(c)
                    i += 1
                elif c.isspace():
                    out.append(c)
                    i += 1
                else:
                    self.state = TAG
            elif st == BEFORE_VALUE:
                if c.isspace():
                    out.append(c)
                    i += 1
                    continue
                self.state = ATTR
                self.url_part = 0
                self.sub = ""
                if c in "\"'":
                    self.delim = c
                    out.append(c)
                    i += 1
                else:
                    self.delim = SPACE
            elif st == ATTR:
                if self.delim == SPACE:
                    m = re.search(r"[\s>]", s[i:])
                    end = i + m.start() if m else n
                else:
                    j = s.find(self.delim, i)
                    end = j if j >= 0 else n
                chunk = s[i:end]
                if self.delim == SPACE:
                    bad = next((ch for ch in chunk if ch in "\"'<=`"), None)
                    if bad is not None:
                        from tocsin.notify.template.errors import TemplateError
                        from tocsin.notify.template.gofmt import go_quote

                        raise TemplateError(f"html/template: {go_quote(bad)} in unquoted attr: {go_quote(chunk)}")
                self._url_advance(chunk)
                out.append(chunk)
                i = end
                if end < n:
                    if self.delim != SPACE:
                        out.append(s[end])
                        i = end + 1
                    self.state = TAG
            elif st in (RCDATA, SCRIPT, STYLE):
                i = self._raw_text(s, i, out)
        return "".join(out)

    def _url_advance(self, chunk: str) -> None:
        if self.attr_type != "url":
            return
        if "#" in chunk or "?" in chunk:
            self.url_part = 2
        elif chunk.strip() and self.url_part == 0:
            self.url_part = 1

    def _raw_text(self, s: str, i: int, out: list[str]) -> int:
        end_re = re.compile(r"</" + self.element + r"(?=[\s/>])", re.IGNORECASE)
        n = len(s)
        while i < n:
            if self.sub == "":
                m = end_re.match(s, i)
                if m:
                    self.state = TEXT
                    return i
                if self.state == RCDATA:
                    out.append(s[i])
                    i += 1
                    continue
                if s.startswith("/*", i):
                    self.sub = "/*"
                    i += 2
                    continue
                if s.startswith("//", i):
                    self.sub = "//"
                    i += 2
                    continue
                if s[i] in "\"'":
                    self.sub = s[i]
                out.append(s[i])
                i += 1
            elif self.sub == "/*":
                j = s.find("*/", i)
                if j < 0:
                    return n
                self.sub = ""
                out.append(" ")  # Go replaces a block comment by one space
                i = j + 2
            elif self.sub == "//":
                j = s.find("\n", i)
                if j < 0:
                    return n
                self.sub = ""
                i = j
            else:
                if s[i] == "\\" and i + 1 < n:
                    out.append(s[i : i + 2])
                    i += 2
                    continue
                if s[i] == self.sub:
                    self.sub = ""
                out.append(s[i])
                i += 1
        return i

    # -- values ------------------------------------------------------------------------------------
    def escapers(self) -> list[str]:
        """html/template's escaper chain for the current context."""
        st = self.state
        chain: list[str] = []
        if st == TEXT:
            return ["_html_template_htmlescaper"]
        if st == RCDATA:
            return ["_html_template_rcdataescaper"]
        if st in (TAG, AFTER_NAME, ATTR_NAME):
            return ["_html_template_htmlnamefilter"]
        if st == SCRIPT:
            return ["_html_template_jsstrescaper" if self.sub in "\"'" and self.sub else "_html_template_jsvalescaper"]
        if st == STYLE:
            return ["_html_template_cssvaluefilter"]
        if st in (ATTR, BEFORE_VALUE):
            if self.attr_type == "url":
                if self.url_part == 0:
                    chain += ["_html_template_urlfilter", "_html_template_urlnormalizer"]
                elif self.url_part == 1:
                    chain.append("_html_template_urlnormalizer")
                else:
                    chain.append("_html_template_urlescaper")
            elif self.attr_type == "js":
                chain.append("_html_template_jsvalescaper")
            elif self.attr_type == "css":
                chain.append("_html_template_cssvaluefilter")
            unquoted = st == BEFORE_VALUE or self.delim == SPACE
            chain.append("_html_template_nospaceescaper" if unquoted else "_html_template_attrescaper")
            return chain
        return ["_html_template_htmlescaper"]

    def apply(self, name: str, v: Any) -> Any:
        is_html = isinstance(v, HTML)
        s = _stringify(v)
        if name == "_html_template_htmlescaper":
            return HTML(s) if is_html else _replace(s, _HTML_TABLE)
        if name == "_html_template_rcdataescaper":
            return _replace(s, _HTML_NORM_TABLE if is_html else _HTML_TABLE)
        if name == "_html_template_attrescaper":
            return _replace(_strip_tags(s), _HTML_NORM_TABLE) if is_html else _replace(s, _HTML_TABLE)
        if name == "_html_template_nospaceescaper":
            if is_html:
                return _replace(_strip_tags(s), _NOSPACE_NORM_TABLE)
            return _replace(s, _NOSPACE_TABLE) or "ZgotmplZ"
        if name == "_html_template_urlfilter":
            return _url_filter(s)
        if name == "_html_template_urlnormalizer":
            return _url_process(s, True)
        if name == "_html_template_urlescaper":
            return _url_process(s, False)
        if name == "_html_template_htmlnamefilter":
            return s if re.fullmatch(r"[a-zA-Z0-9-]+", s) and not s.lower().startswith("on") else "ZgotmplZ"
        if name == "_html_template_jsvalescaper":
            return _js_val(v)
        if name == "_html_template_jsstrescaper":
            return _js_str(s)
        if name == "_html_template_cssvaluefilter":
            return s if re.fullmatch(r"[\w\s#%.,:+-]*", s) and "expression" not in s.lower() else "ZgotmplZ"
        if name == "html":
            from tocsin.notify.template.functions import html_escape_string

            return html_escape_string(s)
        if name == "urlquery":
            from tocsin.notify.template.functions import url_query_escape

            return url_query_escape(s)
        return s

    def value(self, v: Any, predefined: str | None = None) -> str:
        """Escape a printed value; ``predefined`` is a trailing html/urlquery the user wrote."""
        nudge(self)
        chain = self.escapers()
        if predefined:
            chain = [predefined if _equivalent(predefined, e) else e for e in chain]
        out: Any = v
        for name in chain:
            out = self.apply(name, out)
        return out if isinstance(out, str) else _stringify(out)


_EQUIV = {
    "_html_template_attrescaper": "html",
    "_html_template_htmlescaper": "html",
    "_html_template_rcdataescaper": "html",
    "_html_template_urlescaper": "urlquery",
    "_html_template_urlnormalizer": "urlquery",
}


def _equivalent(a: str, b: str) -> bool:
    return _EQUIV.get(a, a) == _EQUIV.get(b, b)


def has_equivalent(predefined: str, chain: list[str]) -> bool:
    return any(_equivalent(predefined, e) for e in chain)


def _stringify(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return str(v)
    return sprint([v])


# -- static context checks ------------------------------------------------------------------------
#
# html/template refuses templates whose HTML context is ambiguous: an {{if}} whose branches end in
# different contexts, a {{range}} body that does not return to where it started, or a template that
# ends inside a tag or attribute. The same state machine as above is run over the tree, without
# data, to apply those checks before anything is rendered.

Snapshot = tuple[Any, ...]


def _snap(e: HTMLEscaper) -> Snapshot:
    """The escaper's context, with fields that do not matter in its state reset, so equal means equal."""
    st = e.state
    if st in (TEXT, COMMENT):
        return (st, "", "plain", "", 0, "", False, "")
    if st in (RCDATA, SCRIPT, STYLE):
        return (st, e.element, "plain", "", 0, "", False, e.sub)
    if st == TAG:
        return (st, "", "plain", "", 0, e.tag_name, e.is_end_tag, "")
    if st in (AFTER_NAME, BEFORE_VALUE):
        return (st, "", e.attr_type, "", 0, e.tag_name, e.is_end_tag, "")
    return (st, "", e.attr_type, e.delim, e.url_part, e.tag_name, e.is_end_tag, e.sub)


def _restore(e: HTMLEscaper, s: Snapshot) -> None:
    e.state, e.element, e.attr_type, e.delim, e.url_part, e.tag_name, e.is_end_tag, e.sub = s


def nudge(e: HTMLEscaper) -> None:
    """An action where an attribute name or value would start is taken to begin it (Go's nudge)."""
    if e.state == BEFORE_VALUE:
        e.state = ATTR
        e.delim = SPACE
        e.url_part = 0
        e.sub = ""
    elif e.state == TAG:
        e.state = AFTER_NAME
        e.attr_type = "plain"


class _Checker:
    def __init__(self, trees: Any) -> None:
        from tocsin.notify.template.errors import TemplateError

        self.trees = trees
        self.err = TemplateError
        self.memo: dict[tuple[str, Snapshot], Snapshot] = {}
        self.active: set[tuple[str, Snapshot]] = set()
        self.esc = HTMLEscaper()

    def fail(self, node: Any, msg: str) -> Exception:
        loc, _ = node.tree.error_context(node)
        return self.err(f"html/template:{loc}: {msg}")

    def walk(self, node: Any, ctx: Snapshot) -> Snapshot:
        from tocsin.notify.template import nodes as n

        if isinstance(node, n.ListNode):
            for c in node.nodes:
                ctx = self.walk(c, ctx)
            return ctx
        if isinstance(node, n.TextNode):
            _restore(self.esc, ctx)
            self.esc.text(node.text)
            return _snap(self.esc)
        if isinstance(node, n.ActionNode):
            if node.pipe is not None and node.pipe.decl:
                return ctx
            _restore(self.esc, ctx)
            nudge(self.esc)
            return _snap(self.esc)
        if isinstance(node, n.RangeNode):
            c0 = self.walk(node.list, ctx)
            c1 = self.walk(node.list, c0)
            if c0 != c1:
                raise self.fail(node, "on range loop re-entry: {{range}} branches end in different contexts")
            c2 = self.walk(node.else_list, ctx) if node.else_list is not None else ctx
            if c0 != c2:
                raise self.fail(node, "{{range}} branches end in different contexts")
            return c0
        if isinstance(node, n.IfNode | n.WithNode):
            c1 = self.walk(node.list, ctx)
            c2 = self.walk(node.else_list, ctx) if node.else_list is not None else ctx
            if c1 != c2:
                raise self.fail(node, "{{" + node.keyword + "}} branches end in different contexts")
            return c1
        if isinstance(node, n.TemplateNode):
            return self.call(node.name, ctx)
        return ctx

    def call(self, name: str, ctx: Snapshot) -> Snapshot:
        tree = self.trees.get(name)
        if tree is None or tree.root is None:
            return ctx  # executing it reports the missing template
        key = (name, ctx)
        if key in self.memo:
            return self.memo[key]
        if key in self.active:
            return ctx  # recursive call: assume it ends where it started, as Go does
        self.active.add(key)
        try:
            out = self.walk(tree.root, ctx)
        finally:
            self.active.discard(key)
        self.memo[key] = out
        return out


def check_contexts(trees: Any, name: str) -> None:
    """Raise TemplateError where html/template would reject ``name`` for an ambiguous context."""
    checker = _Checker(trees)
    start = _snap(HTMLEscaper())
    end = checker.call(name, start)
    if end[0] != TEXT or end[-1] != "":
        raise checker.err("html/template: ends in a non-text context")
