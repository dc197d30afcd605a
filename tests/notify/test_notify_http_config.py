"""A receiver's `http_config` applies to its requests: auth (basic, authorization, OAuth2 client credentials),
extra headers, TLS with a private CA, proxy; built through the registry as the server builds integrations."""

from __future__ import annotations

import http.server
import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.notify.loopback import LoopbackService, Reply
from tests.notify_chat.chatkit import alert, context

from tocsin.config.model import Receiver
from tocsin.model.clock import FakeClock
from tocsin.notify.http import new_http_client
from tocsin.notify.integration import NotifierDeps
from tocsin.notify.registry import build_integrations, integration_problems
from tocsin.notify.template import Templates


def receiver(**configs: Any) -> Receiver:
    return Receiver.model_validate({"name": "r", **configs})


@pytest.fixture
async def deps() -> Any:
    root = NotifierDeps(new_http_client("Tocsin/test"), Templates.defaults(), FakeClock(), "http://tocsin")
    yield root
    await root.close_clients()
    await root.http.aclose()


async def send_webhook(deps: NotifierDeps, url: str, http_config: dict[str, Any]) -> None:
    [integ] = build_integrations(receiver(webhook_configs=[{"url": url, "http_config": http_config}]), deps)
    await integ.notifier.notify(context(), [alert()])


async def test_authorization_credentials_file_is_read_per_request(
    service: LoopbackService, deps: NotifierDeps, tmp_path: Path
) -> None:
    token = tmp_path / "token"
    token.write_text("first\n")
    cfg = {"authorization": {"type": "Bearer", "credentials_file": str(token)},
           "http_headers": {"X-Team": {"values": ["sre"]}}}
    await send_webhook(deps, service.url, cfg)
    token.write_text("rotated\n")
    await send_webhook(deps, service.url, cfg)
    first, second = service.requests
    assert first.headers["authorization"] == "Bearer first" and second.headers["authorization"] == "Bearer rotated"
    assert first.headers["x-team"] == "sre" and first.json()["version"] == "4"


async def test_basic_auth_and_shared_client_per_config(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = {"basic_auth": {"username": "am", "password": "s3cret"}}
    integs = build_integrations(
        receiver(webhook_configs=[{"url": service.url, "http_config": cfg}, {"url": service.url, "http_config": cfg},
                                  {"url": service.url}]),
        deps,
    )
    for i in integs:
        await i.notifier.notify(context(), [alert()])
    auth = [r.headers.get("authorization") for r in service.requests]
    assert auth == ["Basic YW06czNjcmV0", "Basic YW06czNjcmV0", None]  # base64("am:s3cret")
    assert len(deps._clients) == 1  # the two identical http_configs share one client


async def test_oauth2_client_credentials_token_is_fetched_once(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(200, {"access_token": "tok-1", "token_type": "bearer", "expires_in": 3600}))
    cfg = {"oauth2": {"client_id": "tocsin", "client_secret": "cs", "token_url": f"{service.url}/token",
                      "scopes": ["alerts.write"], "endpoint_params": {"audience": "hooks"}}}
    await send_webhook(deps, f"{service.url}/hook", cfg)
    await send_webhook(deps, f"{service.url}/hook", cfg)
    token_req, hook1, hook2 = service.requests
    assert token_req.path == "/token"
    assert token_req.form() == {"grant_type": ["client_credentials"], "audience": ["hooks"],
                                "scope": ["alerts.write"]}
    assert token_req.headers["authorization"] == "Basic dG9jc2luOmNz"  # client id and secret
    assert hook1.headers["authorization"] == hook2.headers["authorization"] == "Bearer tok-1"


async def test_proxy_url_routes_requests_through_the_proxy(service: LoopbackService, deps: NotifierDeps) -> None:
    await send_webhook(deps, "http://hooks.internal.example/alert", {"proxy_url": service.url})
    [req] = service.requests
    assert req.path == "http://hooks.internal.example/alert"  # absolute-form request line: a proxy request


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, list[dict[str, Any]]]]:
    """An HTTPS server with a certificate signed by a private CA (made with openssl)."""
    d = tmp_path_factory.mktemp("tls")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=d)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=Tocsin test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=localhost")
    (d / "ext.cnf").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "srv.pem",
        "-days", "2", "-extfile", "ext.cnf")
    got: list[dict[str, Any]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(d / "srv.pem", d / "srv.key")
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{srv.server_address[1]}/hook", d, got
    srv.shutdown()


async def test_tls_with_private_ca(tls_server: tuple[str, Path, list[dict[str, Any]]], deps: NotifierDeps) -> None:
    url, d, got = tls_server
    await send_webhook(deps, url, {"tls_config": {"ca_file": str(d / "ca.pem")}})
    assert got and got[-1]["groupKey"] == context().group_key
    # without the CA the certificate is not trusted: a retryable failure that does not leak the URL
    from tocsin.notify.integration import NotifyError

    with pytest.raises(NotifyError) as exc:
        await send_webhook(deps, url, {"follow_redirects": False})
    assert exc.value.retry and "127.0.0.1" not in str(exc.value)


def test_unusable_tls_config_is_a_check_problem(tmp_path: Path) -> None:
    import httpx

    deps = NotifierDeps(httpx.AsyncClient(), Templates.defaults(), FakeClock())
    r = receiver(webhook_configs=[{"url": "https://x", "http_config": {"tls_config": {"ca_file": str(tmp_path)}}}])
    [problem] = integration_problems([r], deps)
    assert problem.startswith("r/webhook[0]: webhook integration misconfigured: tls_config ca/ca_file cannot be")


