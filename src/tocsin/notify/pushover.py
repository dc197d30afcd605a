"""Pushover integration: one form-encoded POST to the messages API per notification.

Secrets travel in the form body, not the query string as Alertmanager does, so proxies and access logs never
see them. Pushover refuses over-long fields and empty messages, hence the cuts and the "(no details)" filler.
"""

from __future__ import annotations

from collections.abc import Sequence

from tocsin.config.notifiers import PushoverConfig
from tocsin.model.alert import Alert
from tocsin.notify.context import NotifyContext
from tocsin.notify.http import send
from tocsin.notify.integration import Notifier, NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.secrets import secret_value
from tocsin.notify.text import truncate_chars

API_URL = "https://api.pushover.net/1/messages.json"
# https://pushover.net/api#limits
MAX_TITLE_CHARS = 250
MAX_MESSAGE_CHARS = 1024
MAX_URL_CHARS = 512
MAX_URL_TITLE_CHARS = 100


class PushoverNotifier:
    def __init__(self, cfg: PushoverConfig, deps: NotifierDeps, api_url: str = API_URL) -> None:
        self._cfg = cfg
        self._deps = deps
        self._api_url = api_url

    def form(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> dict[str, str]:
        """The request fields without the credentials (so a test or a log can show them safely)."""
        cfg = self._cfg
        renderer = Renderer(self._deps.templates, notification_data(ctx, alerts))
        title = renderer.text("title", cfg.title)
        message = renderer.html("message", cfg.message) if cfg.html else renderer.text("message", cfg.message)
        url = renderer.text("url", cfg.url)
        url_title = renderer.text("url_title", cfg.url_title)
        priority = renderer.text("priority", cfg.priority).strip()
        sound = renderer.text("sound", cfg.sound)
        device = renderer.text("device", cfg.device)
        if renderer.error:
            raise NotifyError(f"pushover: {renderer.error}", retry=False)
        if priority and priority.lstrip("-") not in ("0", "1", "2"):
            raise NotifyError(f"pushover: priority {priority!r} is not one of -2, -1, 0, 1, 2", retry=False)
        message = truncate_chars(message, MAX_MESSAGE_CHARS).strip() or "(no details)"
        fields = {
            "title": truncate_chars(title, MAX_TITLE_CHARS),
            "message": message,
            "url": truncate_chars(url, MAX_URL_CHARS),
            "url_title": truncate_chars(url_title, MAX_URL_TITLE_CHARS),
            "priority": priority,
            "retry": str(int(cfg.retry)),
            "expire": str(int(cfg.expire)),
            "sound": sound,
        }
        if device:
            fields["device"] = device
        if cfg.ttl > 0:
            fields["ttl"] = str(int(cfg.ttl))
        if cfg.html:
            fields["html"] = "1"
        if cfg.monospace:
            fields["monospace"] = "1"
        return fields

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        fields = self.form(ctx, alerts)
        token = secret_value(self._cfg.token, self._cfg.token_file, what="pushover token")
        user = secret_value(self._cfg.user_key, self._cfg.user_key_file, what="pushover user_key")
        if not token or not user:
            raise NotifyError("pushover: token and user_key must both be configured", retry=False)
        await send(self._deps.http, "pushover", "POST", self._api_url, data={"token": token, "user": user, **fields})

    async def close(self) -> None:
        return None


def build(cfg: PushoverConfig, deps: NotifierDeps, *, api_url: str = API_URL) -> Notifier:
    return PushoverNotifier(cfg, deps, api_url)
