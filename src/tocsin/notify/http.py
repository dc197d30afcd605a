"""One way for every HTTP channel to send a request and classify the answer.

2xx is success; 408, 429 and 5xx (and network errors) are worth retrying, honouring Retry-After; any other 4xx is
permanent. Error messages carry the service's status and a short piece of its answer, never the URL (webhook
URLs and query strings often contain credentials).
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import Any

import httpx

from tocsin.notify.integration import NotifyError

_RETRY_STATUS = frozenset({408, 429})
_SNIPPET = 300


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
    try:
        resp = await client.request(
            method,
            url,
            json=json,
            content=content,
            data=data,
            headers=headers,
            auth=auth,
            timeout=httpx.Timeout(timeout) if timeout else httpx.Timeout(30.0),
        )
    except httpx.TimeoutException:
        raise NotifyError(f"{service}: request timed out", retry=True) from None
    except httpx.HTTPError as exc:
        raise NotifyError(f"{service}: request failed: {type(exc).__name__}", retry=True) from None
    check_response(service, resp)
    return resp
