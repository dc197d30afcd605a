"""The server's shared channel client: the direct aiohttp path behaves like httpx's for every channel."""

from __future__ import annotations

import gzip
import socket

import pytest
from tests.notify.loopback import LoopbackService, Reply

from tocsin.notify.http import ChannelClient, send
from tocsin.notify.integration import NotifyError


async def test_plain_post_sends_body_headers_and_user_agent(service: LoopbackService) -> None:
    client = ChannelClient("Tocsin/test")
    try:
        resp = await send(client, "svc", "POST", f"{service.url}/x?k=v", content=b'{"a":1}',
                          headers={"Content-Type": "application/json", "X-Extra": "1"})
        assert resp.status_code == 200
        [req] = service.requests
        assert req.path == "/x?k=v" and req.body == b'{"a":1}'
        assert req.headers["user-agent"] == "Tocsin/test" and req.headers["x-extra"] == "1"
        assert req.headers["content-length"] == "7"
    finally:
        await client.aclose()


async def test_json_argument_and_json_answer(service: LoopbackService) -> None:
    service.default = Reply(200, {"ok": True, "ts": "1.2"})
    client = ChannelClient("Tocsin/test")
    try:
        resp = await send(client, "svc", "POST", service.url, json={"text": "héllo"})
        assert resp.json() == {"ok": True, "ts": "1.2"}
        assert service.requests[0].json() == {"text": "héllo"}
        assert service.requests[0].headers["content-type"] == "application/json"
    finally:
        await client.aclose()


async def test_compressed_answer_is_decoded(service: LoopbackService) -> None:
    service.default = Reply(500, gzip.compress(b"upstream broke"), {"Content-Encoding": "gzip"})
    client = ChannelClient("Tocsin/test")
    try:
        with pytest.raises(NotifyError) as exc:
            await send(client, "svc", "POST", service.url, content=b"x")
        assert exc.value.retry and "500: upstream broke" in str(exc.value)
    finally:
        await client.aclose()


async def test_429_retry_after_and_permanent_4xx(service: LoopbackService) -> None:
    service.script(Reply(429, "slow down", {"Retry-After": "7"}), Reply(404, "no such hook"))
    client = ChannelClient("Tocsin/test")
    try:
        with pytest.raises(NotifyError) as exc:
            await send(client, "svc", "POST", service.url, content=b"x")
        assert exc.value.retry and exc.value.retry_after == 7.0
        with pytest.raises(NotifyError) as exc:
            await send(client, "svc", "POST", service.url, content=b"x")
        assert not exc.value.retry and "404: no such hook" in str(exc.value)
    finally:
        await client.aclose()


async def test_timeout_and_refused_connection_are_retryable_and_hide_the_url(service: LoopbackService) -> None:
    service.default = Reply(200, "late", delay=1.0)
    client = ChannelClient("Tocsin/test")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    try:
        with pytest.raises(NotifyError) as exc:
            await send(client, "svc", "POST", f"{service.url}/secret-token", content=b"x", timeout=0.2)
        assert exc.value.retry and "timed out" in str(exc.value) and "secret-token" not in str(exc.value)
        with pytest.raises(NotifyError) as exc:
            await send(client, "svc", "POST", f"http://127.0.0.1:{closed_port}/secret-token", content=b"x")
        assert exc.value.retry and "secret-token" not in str(exc.value)
    finally:
        await client.aclose()


async def test_requests_with_auth_or_forms_take_httpx_path(service: LoopbackService) -> None:
    client = ChannelClient("Tocsin/test")
    try:
        await send(client, "svc", "POST", service.url, data={"Body": "hi"}, auth=("AC1", "tok"))
        req = service.requests[0]
        assert req.form() == {"Body": ["hi"]} and req.headers["authorization"].startswith("Basic ")
        assert req.headers["user-agent"] == "Tocsin/test"
    finally:
        await client.aclose()
