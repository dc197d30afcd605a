"""One way for every HTTP channel to send a request and classify the answer, and the client they share.

2xx is success; 408, 429 and 5xx (and network errors) are worth retrying, honouring Retry-After; any other 4xx is
permanent. Error messages carry the service's status and a short piece of its answer, never the URL (webhook
URLs and query strings often contain credentials).

Channels speak httpx's API, but the shared client sends through aiohttp's connection pool and C HTTP parser
(httpx-aiohttp's transport): it costs about a third of httpcore's CPU per request, which is most of a
notification's cost at a thousand notifications a second (docs/adr/0004-http-transport.md).
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import Any

import aiohttp
import httpx
import orjson
from httpx_aiohttp import AiohttpTransport

from tocsin.notify.integration import NotifyError

_RETRY_STATUS = frozenset({408, 429})
_SNIPPET = 300


# Connections kept per host: the outbox runs at most 8 deliveries per endpoint and 64 in all.
_POOL_LIMIT = 128
_POOL_LIMIT_PER_HOST = 16


class ChannelClient(httpx.AsyncClient):
    """httpx's client over aiohttp's pool, plus a direct path for the common request (a body, some headers).

    A webhook POST is most of a notification's cost; building and tearing down httpx's request/response
    machinery around aiohttp doubled it. `plain_request` sends the same request on the same connection pool
    and returns an `httpx.Response`, so channels cannot tell which path a request took.
    """

    def __init__(self, user_agent: str) -> None:
        self._user_agent = user_agent
        self._session: aiohttp.ClientSession | None = None
        super().__init__(headers={"User-Agent": user_agent}, transport=AiohttpTransport(client=self.session))

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=_POOL_LIMIT, limit_per_host=_POOL_LIMIT_PER_HOST, keepalive_timeout=30
            )
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=False)
        return self._session

    async def plain_request(
        self, method: str, url: str, content: bytes | None, headers: Mapping[str, str] | None, timeout: float
    ) -> httpx.Response:
        sent = {"User-Agent": self._user_agent}
        if headers:
            sent.update(headers)
        limit = aiohttp.ClientTimeout(sock_connect=timeout, sock_read=timeout, connect=timeout)
        async with self.session().request(
            method, url, data=content, headers=sent, allow_redirects=False, timeout=limit, auto_decompress=True
        ) as r:
            body = await r.read()
            raw = [(k, v) for k, v in r.raw_headers if k.lower() not in (b"content-encoding", b"transfer-encoding")]
            return httpx.Response(r.status, headers=raw, content=body)

    async def aclose(self) -> None:
        await super().aclose()
        if self._session is not None and not self._session.closed:
            await self._session.close()


def new_http_client(user_agent: str) -> httpx.AsyncClient:
    """The HTTP client every channel of a server shares (one connection pool per process)."""
    return ChannelClient(user_agent)


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
    auth: httpx.Auth | tuple[str, str] | None = None,
    timeout: float | None = None,
) -> httpx.Response:
    """Send and return the 2xx response, or raise NotifyError with the retry decision made."""
    seconds = timeout or 30.0
    try:
        if isinstance(client, ChannelClient) and auth is None and data is None:
            if json is not None:
                content = orjson.dumps(json)
                given = dict(headers or {})
                if not any(k.lower() == "content-type" for k in given):
                    given["Content-Type"] = "application/json"
                headers = given
            resp = await client.plain_request(method, url, content, headers, seconds)
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
    except (httpx.HTTPError, aiohttp.ClientError) as exc:
        raise NotifyError(f"{service}: request failed: {type(exc).__name__}", retry=True) from None
    check_response(service, resp)
    return resp
