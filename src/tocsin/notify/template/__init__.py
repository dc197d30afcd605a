"""Alertmanager-compatible notification templates: Go's text/template language in Python.

Public API: :class:`Templates` (a set of named templates with ``render_text``/``render_html``),
:func:`template_data` and :class:`AlertView` to build what templates see, and
:class:`TemplateError`.

`Templates` (the lexer, parser and executor behind it) is imported on first use: channels import this package for
the template data at start-up, and a configuration that renders no template never needs the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tocsin.notify.template.data import AlertView, TemplateData, data_from_json, template_data
from tocsin.notify.template.errors import TemplateError

if TYPE_CHECKING:
    from tocsin.notify.template.templates import Templates

__all__ = ["AlertView", "TemplateData", "TemplateError", "Templates", "data_from_json", "template_data"]


def __getattr__(name: str) -> Any:
    if name == "Templates":
        from tocsin.notify.template.templates import Templates

        return Templates
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
