"""SMS integration: one text message per flush, through Twilio's Messages API or a generic JSON HTTP gateway.

Alertmanager has no SMS receiver, so the configuration is Tocsin's own (`SMSConfig`, proposed for a future
`sms_configs` section). A notification is one request for one recipient: a receiver that pages several people
lists several SMS configs, which keeps retries and the notification log per phone number.

Messages are cut to the provider's limit (Twilio: 1600 characters) with an ASCII "..." marker: a "…" would take
the whole message out of the GSM-7 alphabet and shrink every SMS segment from 160 to 70 characters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from tocsin.model.alert import Alert
from tocsin.notify.context import NotifyContext
from tocsin.notify.http import send
from tocsin.notify.integration import Notifier, NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.secrets import secret_value

TWILIO_API_URL = "https://api.twilio.com"
TWILIO_MAX_BODY = 1600
TRUNCATION_MARKER = "..."
DEFAULT_MESSAGE = (
    '{{ template "__subject" . }}{{ if .CommonAnnotations.summary }}: {{ .CommonAnnotations.summary }}{{ end }}'
)

_E164 = re.compile(r"(?:whatsapp:)?\+[1-9][0-9]{1,14}")
_ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
_SERVICE_SID = re.compile(r"MG[0-9a-fA-F]{32}")


@dataclass(frozen=True)
class SMSConfig:
    """One SMS recipient. `provider` "twilio" needs account_sid, auth_token(_file) and from_ or
    messaging_service_sid; "http" needs url and POSTs {"to", "from", "message"} as JSON."""

    provider: Literal["twilio", "http"]
    to: str
    from_: str = ""
    message: str = DEFAULT_MESSAGE
    max_length: int = TWILIO_MAX_BODY
    send_resolved: bool = True
    timeout: float = 0.0
    # Twilio
    account_sid: str = ""
    auth_token: str | None = field(default=None, repr=False)
    auth_token_file: str | None = field(default=None, repr=False)
    messaging_service_sid: str = ""
    # Generic gateway (and an override of Twilio's base URL, e.g. a regional edge or a test server)
    url: str = field(default="", repr=False)
    bearer_token: str | None = field(default=None, repr=False)
    bearer_token_file: str | None = field(default=None, repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.provider not in ("twilio", "http"):
            raise ValueError(f"sms provider must be 'twilio' or 'http', got {self.provider!r}")
        if not self.to:
            raise ValueError("sms config needs 'to'")
        if self.max_length <= len(TRUNCATION_MARKER):
            raise ValueError(f"sms max_length must be greater than {len(TRUNCATION_MARKER)}, got {self.max_length}")
        if self.timeout < 0:
            raise ValueError(f"sms timeout must not be negative, got {self.timeout}")
        if self.url and urlsplit(self.url).scheme not in ("http", "https"):
            raise ValueError("sms url must be an http(s) URL")
        if self.bearer_token and self.bearer_token_file:
            raise ValueError("at most one of sms bearer_token & bearer_token_file must be configured")
        if self.provider == "twilio":
            self._check_twilio()
        elif not self.url:
            raise ValueError("sms provider 'http' needs 'url'")

    def _check_twilio(self) -> None:
        if not _E164.fullmatch(self.to):
            raise ValueError(f"sms 'to' must be an E.164 number like +15551234567 for twilio, got {self.to!r}")
        if not _ACCOUNT_SID.fullmatch(self.account_sid):
            raise ValueError(f"sms account_sid must look like AC followed by 32 hex digits, got {self.account_sid!r}")
        if bool(self.auth_token) == bool(self.auth_token_file):
            raise ValueError("sms twilio needs exactly one of auth_token & auth_token_file")
        if bool(self.from_) == bool(self.messaging_service_sid):
            raise ValueError("sms twilio needs exactly one of 'from' & messaging_service_sid")
        if self.messaging_service_sid and not _SERVICE_SID.fullmatch(self.messaging_service_sid):
            raise ValueError(
                f"sms messaging_service_sid must look like MG followed by 32 hex digits, "
                f"got {self.messaging_service_sid!r}"
            )
        if self.max_length > TWILIO_MAX_BODY:
            raise ValueError(f"sms max_length for twilio must be at most {TWILIO_MAX_BODY}, got {self.max_length}")


def truncate(text: str, limit: int, marker: str = TRUNCATION_MARKER) -> tuple[str, bool]:
    """`text` cut to at most `limit` characters, ending in `marker` when anything was cut."""
    if len(text) <= limit:
        return text, False
    return text[: limit - len(marker)] + marker, True


class SMSNotifier:
    def __init__(self, cfg: SMSConfig, deps: NotifierDeps) -> None:
        self._cfg = cfg
        self._deps = deps

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        renderer = Renderer(self._deps.templates, notification_data(ctx, alerts))
        body = renderer.text("message", self._cfg.message)
        if renderer.error:
            raise NotifyError(f"sms: {renderer.error}", retry=False)
        body, _ = truncate(body.strip(), self._cfg.max_length)
        if not body:
            raise NotifyError("sms: message template rendered an empty message", retry=False)
        if self._cfg.provider == "twilio":
            await self._twilio(body)
        else:
            await self._gateway(body)

    async def close(self) -> None:
        return None

    async def _twilio(self, body: str) -> None:
        cfg = self._cfg
        token = secret_value(cfg.auth_token, cfg.auth_token_file, what="sms auth_token")
        if not token:
            raise NotifyError("sms: twilio auth_token is empty", retry=False)
        form = {"To": cfg.to, "Body": body}
        if cfg.messaging_service_sid:
            form["MessagingServiceSid"] = cfg.messaging_service_sid
        else:
            form["From"] = cfg.from_
        base = (cfg.url or TWILIO_API_URL).rstrip("/")
        await send(
            self._deps.http,
            "sms (twilio)",
            "POST",
            f"{base}/2010-04-01/Accounts/{quote(cfg.account_sid)}/Messages.json",
            data=form,
            auth=(cfg.account_sid, token),
            headers={"Accept": "application/json"},
            timeout=cfg.timeout or None,
        )

    async def _gateway(self, body: str) -> None:
        cfg = self._cfg
        headers = {"Content-Type": "application/json", **cfg.headers}
        token = secret_value(cfg.bearer_token, cfg.bearer_token_file, what="sms bearer_token")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        await send(
            self._deps.http,
            "sms (http)",
            "POST",
            cfg.url,
            json={"to": cfg.to, "from": cfg.from_, "message": body},
            headers=headers,
            timeout=cfg.timeout or None,
        )


def build(cfg: Any, deps: NotifierDeps) -> Notifier:
    """From the notifier's own SMSConfig or the configuration file's `sms_configs` entry."""
    if not isinstance(cfg, SMSConfig):
        cfg = SMSConfig(
            provider=cfg.provider,
            to=cfg.to,
            from_=cfg.from_ or "",
            message=cfg.message,
            max_length=cfg.max_length,
            send_resolved=cfg.send_resolved,
            timeout=float(cfg.timeout or 0),
            account_sid=cfg.account_sid or "",
            auth_token=cfg.auth_token.get_secret_value() if cfg.auth_token is not None else None,
            auth_token_file=cfg.auth_token_file,
            messaging_service_sid=cfg.messaging_service_sid or "",
            url=cfg.url.get_secret_value() if hasattr(cfg.url, "get_secret_value") else (cfg.url or ""),
            bearer_token=cfg.bearer_token.get_secret_value() if cfg.bearer_token is not None else None,
            bearer_token_file=cfg.bearer_token_file,
            headers=dict(cfg.headers),
        )
    return SMSNotifier(cfg, deps)
