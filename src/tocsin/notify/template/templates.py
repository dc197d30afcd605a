"""A set of named templates, as Alertmanager's ``template.Template`` holds them.

Files are parsed once when the set is built; each distinct notification text (``{{ template
"slack.default.title" . }}`` and the like) is parsed once and cached, because rendering sits on
the notification hot path.
"""

from __future__ import annotations

import glob as globmod
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from tocsin.model.clock import Clock
from tocsin.notify.template import nodes as n
from tocsin.notify.template.errors import TemplateError
from tocsin.notify.template.executor import execute
from tocsin.notify.template.functions import ALL_NAMES, FUNCS, funcs_with_clock
from tocsin.notify.template.gotypes import GoFunc
from tocsin.notify.template.parser import Tree, parse

DEFAULT_FILES = ("default.tmpl", "email.tmpl")
_CACHE_SIZE = 256


def _associate(into: dict[str, Tree], trees: Mapping[str, Tree]) -> None:
    # Go keeps an existing definition when a later parse brings only an empty one.
    for name, tree in trees.items():
        old = into.get(name)
        if old is not None and n.is_empty_tree(tree.root) and old.root is not None:
            continue
        into[name] = tree


class Templates:
    """Named templates plus the function map; render text or HTML against template data."""

    def __init__(self, trees: Mapping[str, Tree] | None = None, *, clock: Clock | None = None) -> None:
        self._trees: dict[str, Tree] = dict(trees or {})
        self._funcs: Mapping[str, GoFunc] = FUNCS if clock is None else funcs_with_clock(clock.now)
        self._names = ALL_NAMES | frozenset(self._funcs)
        self._cache: OrderedDict[str, tuple[Tree, dict[str, Tree]]] = OrderedDict()
        self._lock = threading.Lock()
        self._html_checked: set[str] = set()

    # -- building ----------------------------------------------------------------------------------
    def add_source(self, name: str, text: str) -> None:
        """Parse ``text`` as the file ``name`` and add its definitions (later ones win)."""
        _associate(self._trees, parse(name, text, self._names))
        self._cache.clear()
        self._html_checked.clear()

    @classmethod
    def defaults(cls, *, clock: Clock | None = None) -> Templates:
        """Only Tocsin's default templates (Alertmanager's names and output)."""
        t = cls(clock=clock)
        pkg = resources.files("tocsin.notify.template")
        for fname in DEFAULT_FILES:
            t.add_source(fname, pkg.joinpath(fname).read_text(encoding="utf-8"))
        return t

    @classmethod
    def from_globs(
        cls, globs: Sequence[str], include_defaults: bool = True, *, clock: Clock | None = None
    ) -> Templates:
        """The default templates (optionally) plus every file matching the globs, in glob order.

        A glob that matches nothing is allowed, as in Alertmanager (files may appear later).
        """
        t = cls.defaults(clock=clock) if include_defaults else cls(clock=clock)
        for pattern in globs:
            for path in sorted(globmod.glob(pattern)):
                if os.path.isdir(path):
                    raise TemplateError(f"read {path}: is a directory")
                try:
                    with open(path, encoding="utf-8", errors="surrogateescape") as fh:
                        text = fh.read()
                except OSError as e:
                    raise TemplateError(f"open {path}: {e.strerror}") from None
                t.add_source(os.path.basename(path), text)
        return t

    def names(self) -> list[str]:
        return sorted(self._trees)

    # -- rendering ---------------------------------------------------------------------------------
    def _compiled(self, text: str) -> tuple[Tree, dict[str, Tree]]:
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        parsed = parse("", text, self._names)
        merged = dict(self._trees)
        _associate(merged, parsed)
        top = parsed[""] if "" in parsed else Tree("", "", text)
        merged[""] = top  # the text itself is what "" means while it runs
        entry = (top, merged)
        with self._lock:
            self._cache[text] = entry
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return entry

    def _run(self, text: str, data: Any, escaper: Any) -> str:
        if text == "":
            return ""
        _, trees = self._compiled(text)
        return execute("", trees, self._funcs, data, escaper)

    def check(self, text: str) -> None:
        """Parse ``text`` as a template (raises TemplateError), so configuration checks can find syntax errors."""
        if text:
            self._compiled(text)

    def render_text(self, text: str, data: Any) -> str:
        """Render ``text`` like Alertmanager's ``ExecuteTextString``; raises TemplateError."""
        return self._run(text, data, None)

    def render_html(self, text: str, data: Any) -> str:
        """Render ``text`` with html/template's contextual escaping, like ``ExecuteHTMLString``."""
        from tocsin.notify.template.htmlescape import HTMLEscaper, check_contexts

        if text == "":
            return ""
        _, trees = self._compiled(text)
        if text not in self._html_checked:
            check_contexts(trees, "")
            self._html_checked.add(text)
        return self._run(text, data, HTMLEscaper())
