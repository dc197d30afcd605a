"""Email channel against a real aiosmtpd server on a free loopback port."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from tests.notify_msg.msg_support import NOW, cpu_alerts, make_alert, make_ctx, make_deps

from tocsin.config.notifiers import EmailConfig
from tocsin.notify.email import EmailNotifier, build, thread_root_id
from tocsin.notify.integration import NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data


@dataclass
class Mailbox:
    """aiosmtpd handler: keeps every accepted envelope; its auth_CRAM__MD5 method adds that mechanism."""

    secret: str = "cram-secret"
    envelopes: list[Envelope] = field(default_factory=list)
    cram_users: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.envelopes.append(envelope)
        return "250 OK"

    def message(self, i: int = -1) -> EmailMessage:
        raw = self.envelopes[i].content
        assert isinstance(raw, bytes)
        return cast(EmailMessage, message_from_bytes(raw, policy=policy.default))


class CramMailbox(Mailbox):
    async def auth_CRAM__MD5(self, server: SMTP, args: list[str]) -> AuthResult:
        challenge = b"<1896.697170952@tocsin.test>"
        answer = await server.challenge_auth(challenge)
        assert isinstance(answer, bytes)
        user, _, digest = answer.decode().partition(" ")
        want = hmac.new(self.secret.encode(), challenge, hashlib.md5).hexdigest()
        ok = hmac.compare_digest(digest, want)
        if ok:
            self.cram_users.append(user)
        return AuthResult(success=ok, handled=False, auth_data=LoginPassword(user.encode(), b""))


@dataclass
class FakeAuthenticator:
    """aiosmtpd authenticator accepting one user/password and recording what each attempt sent."""

    user: str = "alice"
    password: str = "s3cret"
    seen: list[tuple[str, str, str]] = field(default_factory=list)

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = data.login.decode(), data.password.decode()
        self.seen.append((mechanism, login, password))
        # handled=False makes aiosmtpd send its 535 reply on failure.
        return AuthResult(success=(login, password) == (self.user, self.password), handled=False)


def _free_port() -> int:
    # aiosmtpd's Controller probes its port after starting, so it cannot bind port 0 itself.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(handler: Mailbox, **kwargs: Any) -> Controller:
    ctl = Controller(handler, hostname="127.0.0.1", port=_free_port(), ready_timeout=5, **kwargs)
    ctl.start()
    return ctl


def _port(ctl: Controller) -> int:
    return int(ctl.port)


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    ctl = _start(box)
    try:
        yield box, _port(ctl)
    finally:
        ctl.stop()


@pytest.fixture(scope="module")
def cert_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smtp.tocsin.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("smtp.tocsin.test")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    d = tmp_path_factory.mktemp("tls")
    cert_path, key_path = d / "cert.pem", d / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


def _server_tls(cert_files: tuple[str, str]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(*cert_files)
    return ctx


def _cfg(port: int, **extra: Any) -> EmailConfig:
    raw: dict[str, Any] = {
        "to": "oncall@example.org, Team Lead <lead@example.org>",
        "from": "Tocsin <tocsin@example.org>",
        "smarthost": f"127.0.0.1:{port}",
        "require_tls": False,
    }
    raw.update(extra)
    return EmailConfig.model_validate(raw)


def _plain_and_html(msg: EmailMessage) -> tuple[str, str]:
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    for p in parts:
        assert p["Content-Transfer-Encoding"] == "quoted-printable"
        assert p.get_content_charset() == "utf-8"
    return cast(str, parts[0].get_content()), cast(str, parts[1].get_content())


async def test_headers_parts_and_envelope(mailbox: tuple[Mailbox, int], deps: NotifierDeps) -> None:
    box, port = mailbox
    cfg = _cfg(
        port,
        text="{{ range .Alerts.Firing }}{{ .Annotations.summary }} on {{ .Labels.instance }}{{ end }}",
        headers={"x-team": "{{ .CommonLabels.severity }}-team", "reply-to": "noc@example.org"},
    )
    await build(cfg, deps).notify(make_ctx(), cpu_alerts())

    assert len(box.envelopes) == 1
    env = box.envelopes[0]
    assert env.mail_from == "tocsin@example.org"
    assert env.rcpt_tos == ["oncall@example.org", "lead@example.org"]
    msg = box.message()
    assert msg["Subject"] == "[FIRING:1] HighCPU (critical)"
    assert msg["From"] == "Tocsin <tocsin@example.org>"
    assert msg["To"] == "oncall@example.org, Team Lead <lead@example.org>"
    assert msg["X-Team"] == "critical-team"
    assert msg["Reply-To"] == "noc@example.org"
    assert msg["MIME-Version"] == "1.0"
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["Date"] is not None and msg["Date"].datetime == NOW
    assert msg["Message-Id"].startswith("<") and msg["Message-Id"].endswith(">")
    assert msg["In-Reply-To"] is None  # threading is opt-in, as in Alertmanager
    text, html = _plain_and_html(msg)
    assert text.strip() == "CPU above 95% on web-1"
    assert "<html" in html and "web-1" in html and "CPU above 95%" in html


async def test_default_templates_match_renderer(mailbox: tuple[Mailbox, int], deps: NotifierDeps) -> None:
    box, port = mailbox
    await build(_cfg(port), deps).notify(make_ctx(), cpu_alerts())
    msg = box.message()
    data = notification_data(make_ctx(), cpu_alerts())
    r = Renderer(deps.templates, data)
    want_html = r.html("html", '{{ template "email.default.html" . }}')
    want_subject = r.text("subject", '{{ template "email.default.subject" . }}')
    assert r.error is None
    # Only the HTML part: the text template is empty by default, as in Alertmanager.
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/html"]
    assert cast(str, parts[0].get_content()).replace("\r\n", "\n") == want_html.replace("\r\n", "\n")
    assert msg["Subject"] == want_subject
    assert "2 alerts for" in want_html or "alertname = HighCPU" in want_html


async def test_non_ascii_subject_and_long_lines_survive(mailbox: tuple[Mailbox, int], deps: NotifierDeps) -> None:
    box, port = mailbox
    long_line = "x" * 500
    cfg = _cfg(port, headers={"Subject": "Störung — {{ .GroupLabels.alertname }}\nInjected: yes"}, text=long_line)
    await build(cfg, deps).notify(make_ctx(), cpu_alerts())
    msg = box.message()
    assert msg["Subject"] == "Störung — HighCPU Injected: yes"
    assert msg["Injected"] is None
    raw = box.envelopes[0].content
    assert isinstance(raw, bytes)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998  # RFC 5322 line limit (QP soft breaks)
    text, _ = _plain_and_html(msg)
    assert text.rstrip("\r\n") == long_line


async def test_threading_first_message_is_root_and_later_ones_reply(
    mailbox: tuple[Mailbox, int], deps: NotifierDeps
) -> None:
    box, port = mailbox
    cfg = _cfg(port, threading={"enabled": True, "thread_by_date": "none"})
    notifier = build(cfg, deps)
    ctx = make_ctx()
    await notifier.notify(ctx, cpu_alerts())
    await notifier.notify(ctx, cpu_alerts()[:1])
    await notifier.notify(make_ctx(group_key='{}:{alertname="DiskFull"}'), cpu_alerts())

    first, second, other = (box.message(i) for i in range(3))
    root = thread_root_id(ctx.group_key)
    assert first["Message-Id"] == root
    assert second["Message-Id"] != root
    for m in (first, second):
        assert m["In-Reply-To"] == root
        assert m["References"] == root
    assert other["Message-Id"] == other["In-Reply-To"] != root


async def test_threading_daily_and_restart_safety(mailbox: tuple[Mailbox, int], deps: NotifierDeps) -> None:
    box, port = mailbox
    cfg = _cfg(port, threading={"enabled": True, "thread_by_date": "daily"})
    ctx = make_ctx()
    root = thread_root_id(ctx.group_key, "2024-05-06")
    # A notifier created after the alerts started (a restart or reload) must not reuse the root as Message-ID:
    # the previous process may already have sent it.
    late = make_deps()
    await late.clock.advance(3600 * 2)  # type: ignore[attr-defined]
    try:
        await build(cfg, late).notify(ctx, cpu_alerts())
    finally:
        await late.http.aclose()
    msg = box.message()
    assert msg["In-Reply-To"] == root and msg["References"] == root
    assert msg["Message-Id"] != root
    assert root != thread_root_id(ctx.group_key, "2024-05-07")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_auth_login_with_fake_authenticator(deps: NotifierDeps) -> None:
    box, auth = Mailbox(), FakeAuthenticator()
    ctl = _start(box, authenticator=auth, auth_require_tls=False, auth_required=True)
    try:
        port = _port(ctl)
        await build(_cfg(port, auth_username="alice", auth_password="s3cret"), deps).notify(make_ctx(), cpu_alerts())
        assert auth.seen == [("LOGIN", "alice", "s3cret")]  # first advertised mechanism ("LOGIN PLAIN")
        assert len(box.envelopes) == 1

        with pytest.raises(NotifyError) as err:
            await build(_cfg(port, auth_username="alice", auth_password="wrong"), deps).notify(make_ctx(), cpu_alerts())
        assert "535" in str(err.value) and err.value.retry is False
        assert "wrong" not in str(err.value)

        # Without a username Tocsin does not authenticate, and this server insists.
        with pytest.raises(NotifyError) as err:
            await build(_cfg(port), deps).notify(make_ctx(), cpu_alerts())
        assert "530" in str(err.value)
    finally:
        ctl.stop()
    assert len(box.envelopes) == 1


async def test_auth_plain_with_password_file_and_identity(deps: NotifierDeps, tmp_path: Path) -> None:
    box, auth = Mailbox(), FakeAuthenticator()
    ctl = _start(box, authenticator=auth, auth_require_tls=False, auth_exclude_mechanism=["LOGIN"])
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    try:
        cfg = _cfg(_port(ctl), auth_username="alice", auth_password_file=str(secret), auth_identity="ops")
        await build(cfg, deps).notify(make_ctx(), cpu_alerts())
    finally:
        ctl.stop()
    assert auth.seen == [("PLAIN", "alice", "s3cret")]
    assert len(box.envelopes) == 1


async def test_auth_cram_md5_needs_secret(deps: NotifierDeps) -> None:
    box = CramMailbox()
    ctl = _start(
        box, authenticator=FakeAuthenticator(), auth_require_tls=False, auth_exclude_mechanism=["LOGIN", "PLAIN"]
    )
    try:
        port = _port(ctl)
        with pytest.raises(NotifyError) as err:
            await build(_cfg(port, auth_username="bob", auth_password="pw"), deps).notify(make_ctx(), cpu_alerts())
        assert "missing secret for CRAM-MD5" in str(err.value)
        await build(_cfg(port, auth_username="bob", auth_secret="cram-secret"), deps).notify(make_ctx(), cpu_alerts())
    finally:
        ctl.stop()
    assert box.cram_users == ["bob"]
    assert len(box.envelopes) == 1


async def test_starttls_required_and_used(deps: NotifierDeps, cert_files: tuple[str, str]) -> None:
    box = Mailbox()
    ctl = _start(box, tls_context=_server_tls(cert_files), require_starttls=True)
    try:
        port = _port(ctl)
        # Verification on (the default) rejects the self-signed certificate...
        with pytest.raises(NotifyError) as err:
            await build(_cfg(port, require_tls=True), deps).notify(make_ctx(), cpu_alerts())
        assert "STARTTLS" in str(err.value) and err.value.retry is True
        # ...trusting it as CA with the right server_name works, and so does insecure_skip_verify.
        tls = {"ca_file": cert_files[0], "server_name": "smtp.tocsin.test"}
        await build(_cfg(port, require_tls=True, tls_config=tls), deps).notify(make_ctx(), cpu_alerts())
        skip = {"insecure_skip_verify": True}
        await build(_cfg(port, require_tls=True, tls_config=skip), deps).notify(make_ctx(), cpu_alerts())
    finally:
        ctl.stop()
    assert len(box.envelopes) == 2


async def test_require_tls_without_starttls_is_retryable(mailbox: tuple[Mailbox, int], deps: NotifierDeps) -> None:
    _, port = mailbox
    with pytest.raises(NotifyError) as err:
        await build(_cfg(port, require_tls=True), deps).notify(make_ctx(), cpu_alerts())
    assert "does not advertise the STARTTLS extension" in str(err.value)
    assert err.value.retry is True


async def test_implicit_tls(deps: NotifierDeps, cert_files: tuple[str, str]) -> None:
    box = Mailbox()
    ctl = _start(box, ssl_context=_server_tls(cert_files))
    try:
        cfg = _cfg(_port(ctl), force_implicit_tls=True, tls_config={"ca_file": cert_files[0]}, require_tls=True)
        notifier = EmailNotifier(cfg, deps)
        assert notifier.implicit_tls
        # The certificate names smtp.tocsin.test, not 127.0.0.1: hostname verification must fail...
        with pytest.raises(NotifyError) as err:
            await notifier.notify(make_ctx(), cpu_alerts())
        assert err.value.retry is True
        skip = _cfg(_port(ctl), force_implicit_tls=True, tls_config={"insecure_skip_verify": True})
        await build(skip, deps).notify(make_ctx(), cpu_alerts())
    finally:
        ctl.stop()
    assert len(box.envelopes) == 1


async def test_refused_connection_is_retryable(deps: NotifierDeps) -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    with pytest.raises(NotifyError) as err:
        await build(_cfg(port), deps).notify(make_ctx(), cpu_alerts())
    assert err.value.retry is True
    assert "establish connection" in str(err.value)


async def test_silent_server_times_out(deps: NotifierDeps) -> None:
    writers: list[asyncio.StreamWriter] = []
    server = await asyncio.start_server(lambda r, w: writers.append(w), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(NotifyError) as err:
            await EmailNotifier(_cfg(port), deps, timeout=0.3).notify(make_ctx(), cpu_alerts())
        assert err.value.retry is True
        assert "timed out" in str(err.value)
    finally:
        for w in writers:
            w.close()
        server.close()
        await server.wait_closed()


async def test_rejected_recipient_is_permanent(deps: NotifierDeps) -> None:
    class Picky(Mailbox):
        async def handle_RCPT(
            self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
        ) -> str:
            if address.startswith("lead@"):
                return "550 5.1.1 no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    box = Picky()
    ctl = _start(box)
    try:
        with pytest.raises(NotifyError) as err:
            await build(_cfg(_port(ctl)), deps).notify(make_ctx(), cpu_alerts())
    finally:
        ctl.stop()
    assert "lead@example.org (550)" in str(err.value)
    assert err.value.retry is False


async def test_bad_addresses_and_templates_are_permanent(mailbox: tuple[Mailbox, int], deps: NotifierDeps) -> None:
    _, port = mailbox
    cases = [
        (_cfg(port, to="{{ .CommonLabels.team }}"), "'to' addresses"),
        (_cfg(port, **{"from": "a@example.org, b@example.org"}), "exactly one 'from' address"),
        (_cfg(port, html='{{ template "nope" . }}'), "template for html"),
    ]
    for cfg, needle in cases:
        with pytest.raises(NotifyError) as err:
            await build(cfg, deps).notify(make_ctx(), cpu_alerts())
        assert needle in str(err.value)
        assert err.value.retry is False


def test_thread_root_is_stable_and_distinct() -> None:
    a = thread_root_id('{}:{alertname="A"}')
    assert a == thread_root_id('{}:{alertname="A"}')
    assert a != thread_root_id('{}:{alertname="B"}')
    assert a.startswith("<alert-") and a.endswith("@tocsin>")
    assert make_alert({"a": "b"}).starts_at < NOW


async def test_settings_that_would_break_the_message_are_permanent(
    mailbox: tuple[Mailbox, int], deps: NotifierDeps
) -> None:
    box, port = mailbox
    for cfg, needle in [
        (_cfg(port, headers={"content-type": "text/plain"}), "'Content-Type' cannot be set"),
        (_cfg(port, hello="my host"), "invalid SMTP settings"),
    ]:
        with pytest.raises(NotifyError) as err:
            await build(cfg, deps).notify(make_ctx(), cpu_alerts())
        assert needle in str(err.value) and err.value.retry is False
    assert box.envelopes == []


async def test_failed_first_message_keeps_root_for_the_retry(deps: NotifierDeps) -> None:
    box = Mailbox()
    port = _free_port()
    cfg = _cfg(port, threading={"enabled": True, "thread_by_date": "none"})
    notifier = build(cfg, deps)
    with pytest.raises(NotifyError):  # nothing listens yet
        await notifier.notify(make_ctx(), cpu_alerts())
    ctl = Controller(box, hostname="127.0.0.1", port=port, ready_timeout=5)
    ctl.start()
    try:
        await notifier.notify(make_ctx(), cpu_alerts())
    finally:
        ctl.stop()
    assert box.message()["Message-Id"] == thread_root_id(make_ctx().group_key)
