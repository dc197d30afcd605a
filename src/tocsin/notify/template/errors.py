"""The one exception type of the template package.

Messages follow Go's text/template wording (``template: NAME:LINE:COL: executing ...``) so that an
operator who knows Alertmanager recognises them, and so differential tests can compare them.
"""

from __future__ import annotations


class TemplateError(Exception):
    """A template failed to parse or to execute."""
