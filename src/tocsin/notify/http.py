"""One way for every HTTP channel to send a request and classify the answer, and the client they share.

2xx is success; 408, 429 and 5xx (and network errors) are worth retrying, honouring Retry-After; any other 4xx is
permanent. Error messages carry the service's status and a short piece of its answer, never the URL (webhook
URLs and query strings often contain credentials).

Channels speak httpx's API (`send` returns an `httpx.Response`), but `send` on the server's `ChannelClient` goes
straight through aiohttp's connection pool and C HTTP parser: it costs about a third of httpx/httpcore's CPU per
request, which is most of a notification's cost at a thousand notifications a second
(docs/adr/0004-http-transport.md).
"""

from __future__ import annotations

import base64
import email.utils
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from tocsin.notify.http_settings import ClientSettings
from tocsin.notify.integration import NotifyError

if TYPE_CHECKING:
    import aiohttp

_RETRY_STATUS = frozenset({408, 429})
_SNIPPET = 300


# Connections kept per host: the outbox runs at most 8 deliveries per endpoint and 64 in all.
_POOL_LIMIT = 128
_POOL_LIMIT_PER_HOST = 16


def _is_transport_error(exc: BaseException) -> bool:
    aio = sys.modules.get("aiohttp")
    return isinstance(exc, httpx.HTTPError) or (aio is not None and isinstance(exc, aio.ClientError))


class _TransportOnFirstUse(httpx.AsyncBaseTransport):
    """httpx's default transport (`httpx.AsyncHTTPTransport()`, the one `httpx.AsyncClient()` builds), built when
    a request first goes through httpx. Building it imports httpcore and loads the CA bundle, ~30 ms that every
    `ChannelClient` would pay at start-up and on reload, while channels send through aiohttp and never use it."""

    def __init__(self) -> None:
        self._transport: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._transport is None:
            self._transport = httpx.AsyncHTTPTransport()
        return await self._transport.handle_async_request(request)

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()


class ChannelClient(httpx.AsyncClient):
    """The channels' client: `send` takes `plain_request`, which sends through aiohttp's pool and returns an
    `httpx.Response`, so channels cannot tell. `settings` carry a receiver's `http_config` (auth, TLS, proxy,
    redirects) and apply to every request made through `send`.

    It is an `httpx.AsyncClient` so that code written against httpx (tests, `notify.preview`) can be handed one;
    calls made with httpx's own methods bypass aiohttp and `settings` (no channel makes them).
    """

    def __init__(self, user_agent: str, settings: ClientSettings | None = None) -> None:
        self._user_agent = user_agent
        self.settings = settings
        self._session: aiohttp.ClientSession | None = None
        super().__init__(headers={"User-Agent": user_agent}, transport=_TransportOnFirstUse())

    def session(self) -> aiohttp.ClientSession:
        if self.is_closed:
            raise httpx.TransportError("the channel client was closed (configuration reloaded)")
        if self._session is None or self._session.closed:
            import aiohttp

            s = self.settings
            connector = aiohttp.TCPConnector(
                limit=_POOL_LIMIT,
                limit_per_host=_POOL_LIMIT_PER_HOST,
                keepalive_timeout=30,
                ssl=s.ssl if s is not None and s.ssl is not None else True,
            )
            self._session = aiohttp.ClientSession(
                connector=connector, auto_decompress=False, trust_env=bool(s and s.trust_env)
            )
        return self._session

    async def plain_request(
        self,
        method: str,
        url: str,
        content: bytes | None,
        headers: Mapping[str, str] | None,
        timeout: float,
        *,
        form: Mapping[str, str] | None = None,
        basic: tuple[str, str] | None = None,
        with_settings: bool = True,
    ) -> httpx.Response:
        sent = {"User-Agent": self._user_agent}
        s = self.settings
        if s is not None and with_settings:  # the OAuth2 token request carries neither auth nor extra headers
            if s.headers is not None:
                sent.update(s.headers())
            if s.auth is not None:
                value = await s.auth(self)
                if value:
                    sent["Authorization"] = value
        if headers:
            sent.update(headers)
        if basic is not None:
            sent["Authorization"] = basic_authorization(*basic)
        import aiohttp

        limit = aiohttp.ClientTimeout(sock_connect=timeout, sock_read=timeout, connect=timeout)
        async with self.session().request(
            method,
            url,
            data=form if form is not None else content,
            headers=sent,
            # Alertmanager's clients follow redirects unless http_config says follow_redirects: false.
            allow_redirects=s.follow_redirects if s is not None else True,
            timeout=limit,
            auto_decompress=True,
            proxy=s.proxy_for(url) if s is not None else None,
            server_hostname=s.server_name if s is not None else None,
        ) as r:
            body = await r.read()
            raw = [(k, v) for k, v in r.raw_headers if k.lower() not in (b"content-encoding", b"transfer-encoding")]
            return httpx.Response(r.status, headers=raw, content=body)

    async def aclose(self) -> None:
        await super().aclose()
        if self._session is not None and not self._session.closed:
            await self._session.close()


def basic_authorization(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def new_http_client(user_agent: str, settings: ClientSettings | None = None) -> ChannelClient:
    """A channel client: the server's shared default one, or one for a distinct `http_config`."""
    return ChannelClient(user_agent, settings)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def check_response(service: str, resp: httpx.Response) -> None:
    if 200 <= resp.status_code < 300:
        return
    retry = resp.status_code >= 500 or resp.status_code in _RETRY_STATUS
    snippet = resp.text[:_SNIPPET].strip()
    raise NotifyError(
        f"{service}: unexpected status code {resp.status_code}: {snippet}",
        retry=retry,
        retry_after=retry_after_seconds(resp.headers.get("retry-after")) if retry else None,
    )


async def send(
    client: httpx.AsyncClient,
    service: str,
    method: str,
    url: str,
    *,
    json: Any = None,
    content: bytes | None = None,
    data: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    timeout: float | None = None,
) -> httpx.Response:
    """Send and return the 2xx response, or raise NotifyError with the retry decision made."""
    seconds = timeout or 30.0
    try:
        if isinstance(client, ChannelClient):
            if json is not None:
                content = orjson.dumps(json)
                given = dict(headers or {})
                if not any(k.lower() == "content-type" for k in given):
                    given["Content-Type"] = "application/json"
                headers = given
            resp = await client.plain_request(
                method, url, content, headers, seconds, form=data, basic=auth
            )
            check_response(service, resp)
            return resp
        resp = await client.request(
            method,
            url,
            json=json,
            content=content,
            data=data,
            headers=headers,
            auth=auth,
            timeout=httpx.Timeout(seconds),
        )
    except (httpx.TimeoutException, TimeoutError):
        raise NotifyError(f"{service}: request timed out", retry=True) from None
    except Exception as exc:
        if not _is_transport_error(exc):
            raise
        raise NotifyError(f"{service}: request failed: {type(exc).__name__}", retry=True) from None
    check_response(service, resp)
    return resp
