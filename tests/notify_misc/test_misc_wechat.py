"""WeChat Work: gettoken then message/send (https://developer.work.weixin.qq.com/document/path/90236)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from tests.notify.loopback import LoopbackService, Reply
from tests.notify_misc.channels_under_test import WECHAT_SECRET, WECHAT_TOKEN_REPLY, wechat_cfg
from tests.notify_misc.misc_support import SHARED_TEMPLATES, check_shape, firing_alerts, make_ctx, make_deps

from tocsin.model.clock import FakeClock
from tocsin.notify import wechat
from tocsin.notify.integration import NotifierDeps, NotifyError

SENT = Reply(200, {"errcode": 0, "errmsg": "ok", "invaliduser": ""})
MESSAGE = {
    "required": {"msgtype": str, "agentid": str},
    "optional": {"touser": str, "toparty": str, "totag": str, "safe": str, "text": dict, "markdown": dict},
    "enum": {"msgtype": {"text", "markdown"}, "safe": {"0", "1"}},
    "extra": False,
}


def _query(path: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(path).query)


async def test_misc_wechat_token_then_message(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(WECHAT_TOKEN_REPLY, SENT)
    await wechat.build(wechat_cfg(service.url), deps).notify(make_ctx(), firing_alerts())
    token_req, send_req = service.requests
    assert token_req.method == "GET" and urlsplit(token_req.path).path == "/cgi-bin/gettoken"
    assert _query(token_req.path) == {"corpid": ["ww1234567890"], "corpsecret": [WECHAT_SECRET]}
    assert send_req.method == "POST" and urlsplit(send_req.path).path == "/cgi-bin/message/send"
    assert _query(send_req.path) == {"access_token": ["ACCESS-1"]}
    body = send_req.json()
    check_shape(body, MESSAGE)
    assert any(body.get(k) for k in ("touser", "toparty", "totag")), "a recipient is required"
    assert body["touser"] == "@all" and body["agentid"] == "1000002" and body["msgtype"] == "text"
    assert "toparty" not in body
    content = body["text"]["content"]
    assert content.startswith("[FIRING:2] HighLatency (api critical)\n")
    assert content.endswith("AlertmanagerUrl:\nhttp://am.example:9093/#/alerts?receiver=ops")
    assert len(content.encode()) <= 2048


async def test_misc_wechat_markdown_and_byte_limit(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(WECHAT_TOKEN_REPLY, SENT)
    cfg = wechat_cfg(service.url, message_type="markdown", message="告" * 1000)
    await wechat.build(cfg, deps).notify(make_ctx(), firing_alerts())
    body = service.requests[1].json()
    check_shape(body, MESSAGE)
    assert "text" not in body
    content = body["markdown"]["content"]
    assert len(content.encode()) <= 2048 and content.endswith("…")


async def test_misc_wechat_token_cached_and_refreshed(service: LoopbackService) -> None:
    clock = FakeClock()
    async with httpx.AsyncClient() as client:
        notifier = wechat.build(wechat_cfg(service.url), make_deps(client, SHARED_TEMPLATES, clock))
        service.script(WECHAT_TOKEN_REPLY, SENT, SENT)
        await notifier.notify(make_ctx(), firing_alerts())
        await clock.advance(3600)
        await notifier.notify(make_ctx(), firing_alerts())
        assert [urlsplit(r.path).path for r in service.requests].count("/cgi-bin/gettoken") == 1
        await clock.advance(3600)
        fresh = Reply(200, {"errcode": 0, "errmsg": "ok", "access_token": "ACCESS-2", "expires_in": 7200})
        service.script(fresh, SENT)
        await notifier.notify(make_ctx(), firing_alerts())
    assert urlsplit(service.requests[3].path).path == "/cgi-bin/gettoken"
    assert _query(service.requests[4].path) == {"access_token": ["ACCESS-2"]}


async def test_misc_wechat_expired_token_retried_with_new_one(service: LoopbackService, deps: NotifierDeps) -> None:
    notifier = wechat.build(wechat_cfg(service.url), deps)
    service.script(WECHAT_TOKEN_REPLY, Reply(200, {"errcode": 42001, "errmsg": "access_token expired"}))
    with pytest.raises(NotifyError, match="42001") as info:
        await notifier.notify(make_ctx(), firing_alerts())
    assert info.value.retry is True
    fresh = Reply(200, {"errcode": 0, "errmsg": "ok", "access_token": "ACCESS-2", "expires_in": 7200})
    service.script(fresh, SENT)
    await notifier.notify(make_ctx(), firing_alerts())
    assert urlsplit(service.requests[2].path).path == "/cgi-bin/gettoken"
    assert _query(service.requests[3].path) == {"access_token": ["ACCESS-2"]}


async def test_misc_wechat_refusals_are_permanent(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(200, {"errcode": 40001, "errmsg": "invalid credential"}))
    with pytest.raises(NotifyError, match="corp_id 'ww1234567890'") as info:
        await wechat.build(wechat_cfg(service.url), deps).notify(make_ctx(), firing_alerts())
    assert info.value.retry is False and WECHAT_SECRET not in str(info.value)

    service.script(WECHAT_TOKEN_REPLY, Reply(200, {"errcode": 81013, "errmsg": "user & party & tag all invalid"}))
    with pytest.raises(NotifyError, match="81013") as info:
        await wechat.build(wechat_cfg(service.url), deps).notify(make_ctx(), firing_alerts())
    assert info.value.retry is False
