"""Alertmanager-compatible notification templates: Go's text/template language in Python.

Public API: :class:`Templates` (a set of named templates with ``render_text``/``render_html``),
:func:`template_data` and :class:`AlertView` to build what templates see, and
:class:`TemplateError`.
"""

from tocsin.notify.template.data import AlertView, TemplateData, data_from_json, template_data
from tocsin.notify.template.errors import TemplateError
from tocsin.notify.template.templates import Templates

__all__ = ["AlertView", "TemplateData", "TemplateError", "Templates", "data_from_json", "template_data"]
