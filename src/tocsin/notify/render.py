"""Template data for one notification, built from the flush context (what `{{ . }}` is in a template)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tocsin.model.alert import Alert
from tocsin.model.labels import fingerprint_hex
from tocsin.notify.context import NotifyContext
from tocsin.notify.template import AlertView, TemplateData, template_data

if TYPE_CHECKING:
    from tocsin.notify.template import Templates

_GO_ZERO = AlertView(labels={}).ends_at


def alert_views(alerts: Sequence[Alert], ctx: NotifyContext) -> list[AlertView]:
    return [
        AlertView(
            labels=a.labels,
            annotations=a.annotations,
            starts_at=a.starts_at,
            ends_at=a.ends_at if a.ends_at is not None else _GO_ZERO,
            generator_url=a.generator_url,
            fingerprint=fingerprint_hex(a.fingerprint),
            status=a.status_at(ctx.now),
        )
        for a in alerts
    ]


def notification_data(ctx: NotifyContext, alerts: Sequence[Alert]) -> TemplateData:
    return template_data(ctx.receiver, ctx.group_labels, alert_views(alerts, ctx), ctx.external_url)


class Renderer:
    """Renders a channel's templated fields, remembering the first error (Alertmanager's tmplText pattern).

    Channels render many fields; collecting the first error lets them build the whole payload and then fail
    the notification once with a message that names the field.
    """

    def __init__(self, templates: Templates, data: TemplateData) -> None:
        self._templates = templates
        self._data = data
        self.error: str | None = None

    def text(self, field: str, text: str) -> str:
        return self._render(field, text, html=False)

    def html(self, field: str, text: str) -> str:
        return self._render(field, text, html=True)

    def _render(self, field: str, text: str, html: bool) -> str:
        if not text or self.error is not None:
            return ""
        try:
            if html:
                return self._templates.render_html(text, self._data)
            return self._templates.render_text(text, self._data)
        except Exception as exc:  # TemplateError, or a bug in a custom function: never crash the pipeline
            self.error = f"template for {field}: {exc}"
            return ""
