"""Mattermost integration: an incoming-webhook post (text plus Slack-style attachments).

The top-level attachment settings (title, colour, fields, ...) form the first attachment and `attachments` adds
more, as the configuration documents them. Mattermost cuts nothing itself and rejects over-long posts, so the
text is shortened to its documented 16383 characters with a "…" marker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from tocsin.config.notifiers import MattermostConfig, MattermostField
from tocsin.model.alert import Alert
from tocsin.notify.context import NotifyContext
from tocsin.notify.http import send
from tocsin.notify.integration import Notifier, NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.secrets import secret_value
from tocsin.notify.template import Templates

# https://developers.mattermost.com/integrate/webhooks/incoming/#tips-and-best-practices
MAX_TEXT_CHARS = 16383
_MARKER = "…"
PRIORITIES = ("urgent", "important", "standard")

# Tocsin's built-in template set has no Mattermost defaults yet; these are added when missing (a user's own
# definition of a name always wins).
DEFAULT_TEMPLATES = {
    "mattermost.default.username": (
        '{{ define "mattermost.default.username" }}{{ template "__alertmanager" . }}{{ end }}'
    ),
    "mattermost.default.color": (
        '{{ define "mattermost.default.color" }}{{ if eq .Status "firing" }}#D63232{{ else }}#2EB886{{ end }}{{ end }}'
    ),
    "mattermost.default.title": '{{ define "mattermost.default.title" }}{{ template "__subject" . }}{{ end }}',
    "mattermost.default.titlelink": (
        '{{ define "mattermost.default.titlelink" }}{{ template "__alertmanagerURL" . }}{{ end }}'
    ),
    "mattermost.default.fallback": (
        '{{ define "mattermost.default.fallback" }}'
        '{{ template "mattermost.default.title" . }} | {{ template "mattermost.default.titlelink" . }}{{ end }}'
    ),
    "mattermost.default.text": """{{ define "mattermost.default.text" -}}
{{ with .Alerts.Firing }}#### Alerts Firing
{{ range . }}{{ template "__tocsin_mattermost_alert" . }}{{ end }}{{ end -}}
{{ with .Alerts.Resolved }}#### Alerts Resolved
{{ range . }}{{ template "__tocsin_mattermost_alert" . }}{{ end }}{{ end -}}
{{ end }}""",
    "__tocsin_mattermost_alert": """{{ define "__tocsin_mattermost_alert" -}}
**Labels**
{{ range .Labels.SortedPairs }}- {{ .Name }} = {{ .Value }}
{{ end }}{{ with .Annotations }}**Annotations**
{{ range .SortedPairs }}- {{ .Name }} = {{ .Value }}
{{ end }}{{ end }}{{ with .GeneratorURL }}[Source]({{ . }})
{{ end }}
{{ end }}""",
}


def add_missing_templates(templates: Templates, definitions: dict[str, str]) -> None:
    """Add each `{{ define }}` whose name the set lacks, never replacing an existing definition."""
    have = set(templates.names())
    for name, source in definitions.items():
        if name not in have:
            templates.add_source(f"tocsin-default-{name}", source)


def truncate_runes(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1] + _MARKER


def _omit_empty(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v not in ("", None, [], False)}


def _fields(r: Renderer, where: str, fields: Sequence[MattermostField]) -> list[dict[str, Any]]:
    out = []
    for i, f in enumerate(fields):
        item: dict[str, Any] = {
            "title": r.text(f"{where}fields[{i}].title", f.title),
            "value": r.text(f"{where}fields[{i}].value", f.value),
        }
        if f.short is not None:
            item["short"] = f.short
        out.append(item)
    return out


def _attachment(r: Renderer, where: str, a: Any, with_text: bool) -> dict[str, Any]:
    """One attachment from a config object with the attachment fields (the config itself or `attachments[i]`).

    The top-level `text` is the post's message, so only configured attachments carry a text of their own.
    """

    def t(name: str) -> str:
        return r.text(f"{where}{name}", getattr(a, name))

    return _omit_empty(
        {
            "fallback": t("fallback"),
            "color": t("color"),
            "pretext": t("pretext"),
            "text": t("text") if with_text else "",
            "author_name": t("author_name"),
            "author_link": t("author_link"),
            "author_icon": t("author_icon"),
            "title": t("title"),
            "title_link": t("title_link"),
            "fields": _fields(r, where, a.fields),
            "thumb_url": t("thumb_url"),
            "footer": t("footer"),
            "footer_icon": t("footer_icon"),
            "image_url": t("image_url"),
        }
    )


class MattermostNotifier:
    def __init__(self, cfg: MattermostConfig, deps: NotifierDeps) -> None:
        self._cfg = cfg
        self._deps = deps

    def payload(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> dict[str, Any]:
        cfg = self._cfg
        r = Renderer(self._deps.templates, notification_data(ctx, alerts))
        body: dict[str, Any] = {"text": truncate_runes(r.text("text", cfg.text), MAX_TEXT_CHARS)}
        body.update(
            _omit_empty(
                {
                    "channel": r.text("channel", cfg.channel),
                    "username": r.text("username", cfg.username),
                    "icon_url": r.text("icon_url", cfg.icon_url),
                    "icon_emoji": r.text("icon_emoji", cfg.icon_emoji),
                    "type": r.text("type", cfg.type),
                }
            )
        )
        attachments = [_attachment(r, "", cfg, with_text=False)]
        attachments += [_attachment(r, f"attachments[{i}].", a, with_text=True) for i, a in enumerate(cfg.attachments)]
        attachments = [a for a in attachments if a]
        if attachments:
            body["attachments"] = attachments
        if cfg.props is not None and cfg.props.card:
            body["props"] = {"card": r.text("props.card", cfg.props.card)}
        if cfg.priority is not None and cfg.priority.priority:
            body["priority"] = _priority(
                r.text("priority.priority", cfg.priority.priority),
                cfg.priority.requested_ack,
                cfg.priority.persistent_notifications,
            )
        if r.error:
            raise NotifyError(f"mattermost: {r.error}", retry=False)
        return body

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        body = self.payload(ctx, alerts)
        url = secret_value(self._cfg.webhook_url, self._cfg.webhook_url_file, what="mattermost webhook_url")
        if not url:
            raise NotifyError("mattermost: no webhook_url or webhook_url_file configured", retry=False)
        try:
            await send(
                self._deps.http,
                "mattermost",
                "POST",
                url,
                content=orjson.dumps(body),
                headers={"Content-Type": "application/json"},
            )
        except NotifyError as exc:
            channel = body.get("channel", "")
            if not channel:
                raise
            raise NotifyError(f"{exc} (channel {channel!r})", exc.retry, exc.retry_after) from None

    async def close(self) -> None:
        return None


def _priority(priority: str, requested_ack: bool, persistent: bool) -> dict[str, Any]:
    """Mattermost's message priority, made consistent the way the server would insist on.

    An unknown level becomes "standard"; acknowledgements need a non-standard level and persistent
    notifications need "urgent", so those flags are dropped otherwise instead of having the post refused.
    """
    level = priority.strip().lower()
    if level not in PRIORITIES:
        level = "standard"
    out: dict[str, Any] = {"priority": level}
    if requested_ack and level != "standard":
        out["requested_ack"] = True
    if persistent and level == "urgent":
        out["persistent_notifications"] = True
    return out


def build(cfg: MattermostConfig, deps: NotifierDeps) -> Notifier:
    add_missing_templates(deps.templates, DEFAULT_TEMPLATES)
    return MattermostNotifier(cfg, deps)
