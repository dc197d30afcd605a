"""Email integration (`email_configs`): one multipart/alternative message per flush, sent over SMTP.

Connection, TLS and AUTH follow Alertmanager's email notifier so the same smarthost settings keep working:
implicit TLS on port 465 (or `force_implicit_tls`), otherwise STARTTLS when `require_tls` (the default), and
AUTH with the first mechanism the server advertises for which credentials are configured.

With `threading.enabled`, every message of an alert group carries `In-Reply-To`/`References` to a thread root
id derived from the group key (and the day, for `thread_by_date: daily`), so mail clients show one thread per
group. The first message this process sends for a root also takes the root as its own Message-ID, giving
clients a real parent; a root is only claimed when no alert in the group predates this notifier, because a
previous process may already have used it and some providers drop a second message with a known Message-ID.
"""

from __future__ import annotations

import base64
import email.policy
import email.utils
import ipaddress
import os
import re
import secrets
import socket
import ssl
import tempfile
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage

import aiosmtplib

from tocsin.config.http import TLSConfig
from tocsin.config.notifiers import EmailConfig
from tocsin.model.alert import Alert
from tocsin.notify.context import NotifyContext
from tocsin.notify.integration import Notifier, NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.secrets import secret_value
from tocsin.notify.text import group_key_hash

DEFAULT_SUBJECT = '{{ template "email.default.subject" . }}'
_THREAD_DOMAIN = "tocsin"
_MAX_REMEMBERED_ROOTS = 10_000
_STRUCTURAL_HEADERS = frozenset({"Content-Type", "Content-Transfer-Encoding"})
_LINE_BREAKS = re.compile(r"[\r\n]+")
_TLS_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}


def _fail(message: str, retry: bool) -> NotifyError:
    return NotifyError(f"email: {message}", retry=retry)


def thread_root_id(group_key: str, day: str = "") -> str:
    """The Message-ID every message of a group's thread refers to (stable across processes and replicas)."""
    digest = group_key_hash(group_key)[:16]
    return f"<alert-{digest}-{day}@{_THREAD_DOMAIN}>"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _split_hostport(smarthost: str) -> tuple[str, int]:
    host, _, port = smarthost.rpartition(":")
    if not host or not port.isdigit():
        raise _fail(f"smarthost {smarthost!r} is not host:port", retry=False)
    return host.strip("[]"), int(port)


@contextmanager
def _pem_file(content: str) -> Iterator[str]:
    """ssl only loads certificates from files: inline PEM goes to a private temporary file for the load."""
    fd, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(content)
        yield path
    finally:
        os.unlink(path)


def ssl_context(tls: TLSConfig | None) -> ssl.SSLContext:
    """An SSLContext from prometheus/common's tls_config (CA, client certificate, versions, skip-verify)."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    if tls is None:
        return ctx
    for ref in ("ca_ref", "cert_ref", "key_ref"):
        if getattr(tls, ref):
            raise _fail(f"tls_config.{ref} is not supported for email", retry=False)
    try:
        if tls.ca_file:
            ctx.load_verify_locations(cafile=tls.ca_file)
        elif tls.ca:
            ctx.load_verify_locations(cadata=tls.ca)
        key = secret_value(tls.key, None, what="tls_config.key")
        if tls.cert_file or tls.cert:
            with _pem_file(tls.cert or "") as cert_tmp, _pem_file(key or "") as key_tmp:
                ctx.load_cert_chain(tls.cert_file or cert_tmp, keyfile=tls.key_file or key_tmp)
    except (OSError, ssl.SSLError) as exc:
        raise _fail(f"parse TLS configuration: {exc}", retry=False) from None
    if tls.min_version:
        ctx.minimum_version = _TLS_VERSIONS[tls.min_version]
    if tls.max_version:
        ctx.maximum_version = _TLS_VERSIONS[tls.max_version]
    if tls.insecure_skip_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _one_line(value: str) -> str:
    """Header values from templates: line breaks would end the header (or inject new ones), so fold them."""
    return _LINE_BREAKS.sub(" ", value).strip()


def _addresses(field: str, value: str) -> list[str]:
    parsed = email.utils.getaddresses([value])
    addrs = [addr for _, addr in parsed]
    if not addrs or any(not a or "@" not in a for a in addrs):
        raise _fail(f"parse {field!r} addresses: invalid address list {value!r}", retry=False)
    return addrs


def _smtp_error(stage: str, exc: Exception) -> NotifyError:
    """SMTP replies: 4xx is transient (retry), 5xx is the server's final answer; network trouble is retried."""
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        retry = not 500 <= exc.code < 600
        return _fail(f"{stage}: server replied {exc.code} {exc.message}", retry=retry)
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return _fail(f"{stage}: timed out", retry=True)
    return _fail(f"{stage}: {type(exc).__name__}: {exc}", retry=True)


class EmailNotifier:
    def __init__(self, cfg: EmailConfig, deps: NotifierDeps, timeout: float = 30.0) -> None:
        if not cfg.smarthost:
            raise ValueError("email config needs a smarthost (or global.smtp_smarthost)")
        self._cfg = cfg
        self._deps = deps
        self._timeout = timeout
        self._host, self._port = _split_hostport(cfg.smarthost)
        self._headers = dict(cfg.headers)
        self._headers.setdefault("Subject", DEFAULT_SUBJECT)
        self._headers.setdefault("To", cfg.to)
        self._headers.setdefault("From", cfg.from_)
        self._hostname = socket.gethostname() or "localhost.localdomain"
        self._created = deps.clock.now()
        self._claimed_roots: OrderedDict[str, None] = OrderedDict()

    @property
    def implicit_tls(self) -> bool:
        if self._cfg.force_implicit_tls is not None:
            return self._cfg.force_implicit_tls
        return self._port == 465

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        message, sender, recipients = self._build(ctx, alerts)
        await self._deliver(message, sender, recipients)
        if self._threading and message["Message-Id"] == self._thread_root(ctx):
            # Claimed only once delivered, so a retried first message still becomes the thread's root.
            self._claimed_roots[message["Message-Id"]] = None
            while len(self._claimed_roots) > _MAX_REMEMBERED_ROOTS:
                self._claimed_roots.popitem(last=False)

    @property
    def _threading(self) -> bool:
        return self._cfg.threading is not None and self._cfg.threading.enabled

    async def close(self) -> None:
        return None

    # -- message -----------------------------------------------------------------------------------------

    def _build(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> tuple[EmailMessage, str, list[str]]:
        renderer = Renderer(self._deps.templates, notification_data(ctx, alerts))
        sender = renderer.text("from", self._cfg.from_)
        to = renderer.text("to", self._cfg.to)
        headers = {name: renderer.text(f"{name!r} header", tmpl) for name, tmpl in self._headers.items()}
        text = renderer.text("text", self._cfg.text)
        html = renderer.html("html", self._cfg.html)
        if renderer.error:
            raise NotifyError(f"email: {renderer.error}", retry=False)
        senders = _addresses("from", sender)
        if len(senders) != 1:
            raise _fail(f"must be exactly one 'from' address (got: {len(senders)})", retry=False)
        recipients = _addresses("to", to)

        msg = EmailMessage(policy=email.policy.SMTP)
        for name, value in headers.items():
            if name in _STRUCTURAL_HEADERS:
                raise _fail(f"header {name!r} cannot be set: Tocsin builds the MIME structure itself", retry=False)
            try:
                msg[name] = _one_line(value)
            except (ValueError, TypeError, IndexError) as exc:
                raise _fail(f"header {name!r}: {exc}", retry=False) from None
        if "Message-Id" not in headers:
            msg["Message-Id"] = self._message_id(ctx, alerts)
        if self._threading:
            root = self._thread_root(ctx)
            msg["References"] = root
            msg["In-Reply-To"] = root
        if "Date" not in headers:
            msg["Date"] = email.utils.format_datetime(ctx.now)
        if "Mime-Version" not in headers:
            msg["MIME-Version"] = "1.0"
        parts = [(body, sub) for body, sub in ((text, "plain"), (html, "html")) if body]
        if not parts:
            parts = [("", "plain")]
        msg.make_alternative()
        # The preferred alternative goes last (RFC 2046 5.1.4): plain text first, then HTML.
        for body, subtype in parts:
            msg.add_alternative(body, subtype=subtype, charset="utf-8", cte="quoted-printable")
        return msg, senders[0], recipients

    def _thread_day(self, ctx: NotifyContext) -> str:
        assert self._cfg.threading is not None
        return "" if self._cfg.threading.thread_by_date == "none" else ctx.now.strftime("%Y-%m-%d")

    def _thread_root(self, ctx: NotifyContext) -> str:
        return thread_root_id(ctx.group_key, self._thread_day(ctx))

    def _message_id(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> str:
        if self._threading:
            root = self._thread_root(ctx)
            if root not in self._claimed_roots and not self._predates_notifier(alerts):
                return root
        stamp = int(ctx.now.timestamp() * 1e9)
        return f"<{stamp}.{secrets.randbits(64)}@{self._hostname}>"

    def _predates_notifier(self, alerts: Sequence[Alert]) -> bool:
        return any(_before(a.starts_at, self._created) for a in alerts)

    # -- SMTP --------------------------------------------------------------------------------------------

    async def _deliver(self, msg: EmailMessage, sender: str, recipients: list[str]) -> None:
        implicit = self.implicit_tls
        tls = self._cfg.tls_config
        server_name = (tls.server_name if tls else None) or self._host
        if implicit and server_name != self._host:
            raise _fail("tls_config.server_name is not supported with implicit TLS", retry=False)
        context = ssl_context(tls) if implicit or self._require_tls else None
        try:
            client = aiosmtplib.SMTP(
                hostname=self._host,
                port=self._port,
                local_hostname=self._cfg.hello or "localhost",
                timeout=self._timeout,
                use_tls=implicit,
                start_tls=False,
                tls_context=context if implicit else None,
            )
        except ValueError as exc:  # e.g. a `hello` name with spaces
            raise _fail(f"invalid SMTP settings: {exc}", retry=False) from None
        try:
            await client.connect()
        except Exception as exc:
            raise _smtp_error("establish connection to server", exc) from None
        try:
            await self._session(client, msg, sender, recipients, context if not implicit else None, server_name)
        finally:
            try:
                await client.quit()
            except Exception:
                client.close()

    @property
    def _require_tls(self) -> bool:
        return self._cfg.require_tls is None or self._cfg.require_tls

    async def _session(
        self,
        client: aiosmtplib.SMTP,
        msg: EmailMessage,
        sender: str,
        recipients: list[str],
        starttls_context: ssl.SSLContext | None,
        server_name: str,
    ) -> None:
        stage = "send EHLO command"
        try:
            await client.ehlo()
            if starttls_context is not None:
                if not client.supports_extension("starttls"):
                    raise _fail(
                        f"'require_tls' is true (default) but {self._cfg.smarthost!r} does not advertise the "
                        "STARTTLS extension",
                        retry=True,
                    )
                stage = "send STARTTLS command"
                await client.starttls(server_hostname=server_name, tls_context=starttls_context)
            stage = "authenticate"
            if client.supports_extension("auth"):
                await self._authenticate(client, tls=starttls_context is not None or self.implicit_tls)
            stage = "send message"
            errors, _ = await client.sendmail(sender, recipients, msg.as_bytes())
        except NotifyError:
            raise
        except Exception as exc:
            raise _smtp_error(stage, exc) from None
        if errors:
            refused = ", ".join(f"{addr} ({resp.code})" for addr, resp in errors.items())
            raise _fail(f"send RCPT command: recipients refused: {refused}", retry=False)

    async def _authenticate(self, client: aiosmtplib.SMTP, tls: bool) -> None:
        """First advertised mechanism with usable credentials, like Alertmanager; no username means no AUTH."""
        cfg = self._cfg
        user = cfg.auth_username
        if not user:
            return
        problems: list[str] = []
        for mech in (m.upper() for m in client.server_auth_methods):
            if mech == "CRAM-MD5":
                secret = secret_value(cfg.auth_secret, cfg.auth_secret_file, what="auth_secret")
                if not secret:
                    problems.append("missing secret for CRAM-MD5 auth mechanism")
                    continue
                await client.auth_crammd5(user, secret)
                return
            if mech in ("PLAIN", "LOGIN"):
                password = secret_value(cfg.auth_password, cfg.auth_password_file, what="auth_password")
                if not password:
                    problems.append(f"missing password for {mech} auth mechanism")
                    continue
                if mech == "LOGIN":
                    await client.auth_login(user, password)
                    return
                if not tls and not _is_loopback(self._host):
                    # Go's PlainAuth rule: never hand the password to an unencrypted remote connection.
                    raise _fail("PLAIN auth refused: connection is not encrypted", retry=False)
                await self._auth_plain(client, cfg.auth_identity, user, password)
                return
            problems.append(f"unknown auth mechanism: {mech}")
        raise _fail("find auth mechanism: " + "; ".join(problems or ["server offered none"]), retry=True)

    @staticmethod
    async def _auth_plain(client: aiosmtplib.SMTP, identity: str, user: str, password: str) -> None:
        """AUTH PLAIN with an authorization identity, which aiosmtplib's own auth_plain cannot send."""
        token = base64.b64encode(f"{identity}\0{user}\0{password}".encode())
        resp = await client.execute_command(b"AUTH", b"PLAIN", token)
        if resp.code != 235:
            raise aiosmtplib.SMTPAuthenticationError(resp.code, resp.message)


def _before(a: datetime, b: datetime) -> bool:
    # Naive times (tests, old stores) are UTC, as everywhere in Tocsin.
    return a.replace(tzinfo=a.tzinfo or UTC) < b.replace(tzinfo=b.tzinfo or UTC)


def build(cfg: EmailConfig, deps: NotifierDeps) -> Notifier:
    return EmailNotifier(cfg, deps)
