"""A receiver's `http_config` turned into what the channel client needs: auth headers, TLS, proxy, redirects.

Alertmanager gives every integration an HTTP client built from its `http_config` (prometheus/common). Tocsin
does the same: integrations with the same `http_config` share one `ChannelClient` (and its connection pool),
integrations without one share the server's default client. Credentials are read when a request is sent, from
the inline value or the `*_file`, so rotating a token file needs no reload, as in Prometheus.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tocsin.config.http import HTTPClientConfig, OAuth2, TLSConfig
from tocsin.notify.integration import NotifyError
from tocsin.notify.secrets import secret_value

if TYPE_CHECKING:
    from tocsin.notify.http import ChannelClient

_TLS_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}


def _pem_file(text: str) -> str:
    """ssl loads certificate chains from files only: inline PEM goes to a private temporary file."""
    fd, path = tempfile.mkstemp(prefix="tocsin-tls-", suffix=".pem")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    return path


def ssl_context(tls: TLSConfig) -> ssl.SSLContext:
    """The client TLS context of a `tls_config`; ValueError names the setting that cannot be used."""
    try:
        ctx = ssl.create_default_context(cafile=tls.ca_file or None, cadata=tls.ca or None)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"tls_config ca/ca_file cannot be loaded: {exc}") from None
    key_text = tls.key.get_secret_value() if tls.key is not None else ""
    temporary = []
    try:
        cert = tls.cert_file
        if not cert and tls.cert:
            cert = _pem_file(tls.cert)
            temporary.append(cert)
        key = tls.key_file
        if not key and key_text:
            key = _pem_file(key_text)
            temporary.append(key)
        if cert:
            ctx.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"tls_config cert/key cannot be loaded: {exc}") from None
    finally:
        for path in temporary:  # the context holds the key in memory now; no copy of it stays on disk
            with contextlib.suppress(OSError):
                os.unlink(path)
    if tls.insecure_skip_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if tls.min_version:
        ctx.minimum_version = _TLS_VERSIONS[tls.min_version]
    if tls.max_version:
        ctx.maximum_version = _TLS_VERSIONS[tls.max_version]
    return ctx


@dataclass
class OAuth2Token:
    """Client-credentials flow (RFC 6749 §4.4) with the token cached until shortly before it expires."""

    cfg: OAuth2
    token: str = ""
    expires: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def header(self, client: ChannelClient) -> str:
        async with self.lock:
            if self.token and time.monotonic() < self.expires:
                return self.token
            from tocsin.notify.http import check_response

            secret = secret_value(self.cfg.client_secret, self.cfg.client_secret_file, what="oauth2 client_secret")
            form = {"grant_type": "client_credentials", **self.cfg.endpoint_params}
            if self.cfg.scopes:
                form["scope"] = " ".join(self.cfg.scopes)
            resp = await client.plain_request(
                "POST", self.cfg.token_url, None, None, 30.0,
                form=form, basic=(self.cfg.client_id, secret or ""), with_settings=False,
            )
            check_response("oauth2 token endpoint", resp)
            try:
                body = resp.json()
                access = str(body["access_token"])
            except (ValueError, KeyError, TypeError):
                raise NotifyError("oauth2: token endpoint answered without access_token", retry=True) from None
            kind = str(body.get("token_type") or "Bearer")
            kind = "Bearer" if kind.lower() == "bearer" else kind
            lifetime = float(body.get("expires_in") or 3600)
            self.token = f"{kind} {access}"
            self.expires = time.monotonic() + max(lifetime - 10.0, 1.0)
            return self.token


@dataclass
class ClientSettings:
    """Everything of an `http_config` that shapes requests; built once per distinct configuration."""

    auth: Callable[[ChannelClient], Awaitable[str | None]] | None = None
    headers: Callable[[], dict[str, str]] | None = None
    ssl: ssl.SSLContext | None = None
    server_name: str | None = None
    proxy: str | None = None
    no_proxy: tuple[str, ...] = ()
    trust_env: bool = False
    follow_redirects: bool = True

    def proxy_for(self, url: str) -> str | None:
        if self.proxy is None:
            return None
        host = urlsplit(url).hostname or ""
        for entry in self.no_proxy:
            entry = entry.strip().lstrip(".")
            if entry and (host == entry or host.endswith("." + entry)):
                return None
        return self.proxy


def _static_auth(cfg: HTTPClientConfig) -> Callable[[ChannelClient], Awaitable[str | None]] | None:
    if cfg.basic_auth is not None:
        ba = cfg.basic_auth

        async def basic(_: ChannelClient) -> str | None:
            from tocsin.notify.http import basic_authorization

            user = ba.username or (secret_value(None, ba.username_file, what="basic_auth username_file") or "")
            password = secret_value(ba.password, ba.password_file, what="basic_auth password") or ""
            return basic_authorization(user, password)

        return basic
    if cfg.authorization is not None:
        az = cfg.authorization

        async def authorization(_: ChannelClient) -> str | None:
            creds = secret_value(az.credentials, az.credentials_file, what="http_config.authorization credentials")
            return f"{az.type} {creds}" if creds else None

        return authorization
    if cfg.oauth2 is not None:
        o = cfg.oauth2
        unsupported = [
            name for name, value in (
                ("tls_config", o.tls_config), ("proxy_url", o.proxy_url), ("no_proxy", o.no_proxy),
                ("proxy_from_environment", o.proxy_from_environment or None),
                ("proxy_connect_header", o.proxy_connect_header), ("client_secret_ref", o.client_secret_ref),
            ) if value
        ]
        if unsupported:
            # Refused rather than ignored: the token request would silently go out with other settings.
            raise ValueError(f"oauth2.{unsupported[0]} is not supported yet (the token request uses the "
                             "integration's own tls_config and proxy)")
        token = OAuth2Token(o)
        return token.header
    return None


def _extra_headers(cfg: HTTPClientConfig) -> Callable[[], dict[str, str]] | None:
    spec = cfg.http_headers
    if not spec:
        return None

    def headers() -> dict[str, str]:
        out = {}
        for name, parts in spec.items():
            values = list(parts.get("values", [])) + list(parts.get("secrets", []))
            for path in parts.get("files", []):
                values.append(secret_value(None, path, what=f"http_headers {name} file") or "")
            if values:
                out[name] = ", ".join(values)
        return out

    return headers


def client_settings(cfg: HTTPClientConfig | None) -> ClientSettings | None:
    """None when the integration needs nothing beyond the shared default client."""
    if cfg is None:
        return None
    default = HTTPClientConfig()
    if cfg.model_dump() == default.model_dump():
        return None
    tls = cfg.tls_config
    needs_tls = tls.model_dump() != TLSConfig().model_dump()
    return ClientSettings(
        auth=_static_auth(cfg),
        headers=_extra_headers(cfg),
        ssl=ssl_context(tls) if needs_tls else None,
        server_name=tls.server_name,
        proxy=cfg.proxy_url,
        no_proxy=tuple((cfg.no_proxy or "").split(",")) if cfg.no_proxy else (),
        trust_env=cfg.proxy_from_environment,
        follow_redirects=cfg.follow_redirects,
    )


def settings_key(cfg: HTTPClientConfig) -> str:
    """Integrations whose http_config serialises the same share one client."""
    return cfg.model_dump_json()

