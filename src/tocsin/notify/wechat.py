"""WeChat Work integration: fetch an access token (cached), then send an application message.

The token is valid for two hours and WeChat rate-limits `gettoken`, so it is kept per notifier and refreshed
only when it ages out or the service says it expired (errcode 42001) — the same policy as Alertmanager.
WeChat reports most failures as HTTP 200 with a non-zero `errcode`, so the body decides success.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import httpx

from tocsin.config.notifiers import WechatConfig
from tocsin.model.alert import Alert
from tocsin.notify.context import NotifyContext
from tocsin.notify.http import send
from tocsin.notify.integration import Notifier, NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.secrets import secret_value
from tocsin.notify.text import truncate_bytes

DEFAULT_API_URL = "https://qyapi.weixin.qq.com/cgi-bin/"
TOKEN_LIFETIME = 2 * 3600.0
# Refresh a little early so a token does not expire between the check and the send.
TOKEN_MARGIN = 60.0
# https://developer.work.weixin.qq.com/document/path/90236: text and markdown content are capped at 2048 bytes;
# WeChat would cut silently, so the cut is made here with a visible marker.
MAX_CONTENT_BYTES = 2048
# errcodes after which the cached token must be dropped (expired / invalid access_token).
_TOKEN_ERRORS = frozenset({42001, 40014})
# errcodes that a later attempt may not hit: system busy, API frequency limits.
_RETRY_ERRORS = frozenset({-1, 45009, 45033})


def _json_object(resp: httpx.Response, what: str) -> dict[str, Any]:
    try:
        answer = resp.json()
    except ValueError:
        raise NotifyError(f"wechat: {what} answered with invalid JSON", retry=True) from None
    if not isinstance(answer, dict):
        raise NotifyError(f"wechat: {what} answered with unexpected JSON", retry=True)
    return answer


def _errcode(answer: dict[str, Any]) -> int:
    try:
        return int(answer.get("errcode", 0))
    except (TypeError, ValueError):
        return -1


class WechatNotifier:
    def __init__(self, cfg: WechatConfig, deps: NotifierDeps) -> None:
        self._cfg = cfg
        self._deps = deps
        base = cfg.api_url or DEFAULT_API_URL
        self._base = base if base.endswith("/") else base + "/"
        self._token = ""
        self._token_until = 0.0
        self._lock = asyncio.Lock()

    def payload(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> dict[str, Any]:
        cfg = self._cfg
        renderer = Renderer(self._deps.templates, notification_data(ctx, alerts))
        body: dict[str, Any] = {
            "touser": renderer.text("to_user", cfg.to_user),
            "toparty": renderer.text("to_party", cfg.to_party),
            "totag": renderer.text("to_tag", cfg.to_tag),
            "agentid": renderer.text("agent_id", cfg.agent_id),
            "msgtype": cfg.message_type,
            "safe": "0",
        }
        content = truncate_bytes(renderer.text("message", cfg.message), MAX_CONTENT_BYTES)
        body[cfg.message_type] = {"content": content}
        if renderer.error:
            raise NotifyError(f"wechat: {renderer.error}", retry=False)
        # Alertmanager omits empty recipients; WeChat treats a missing field as "nobody of that kind".
        return {k: v for k, v in body.items() if v != ""}

    async def _access_token(self) -> str:
        async with self._lock:
            now = self._deps.clock.monotonic()
            if self._token and now < self._token_until:
                return self._token
            secret = secret_value(self._cfg.api_secret, self._cfg.api_secret_file, what="wechat api_secret")
            if not secret:
                raise NotifyError("wechat: no api_secret or api_secret_file configured", retry=False)
            query = urlencode({"corpid": self._cfg.corp_id, "corpsecret": secret})
            resp = await send(self._deps.http, "wechat", "GET", f"{self._base}gettoken?{query}")
            answer = _json_object(resp, "gettoken")
            token = answer.get("access_token")
            if _errcode(answer) != 0 or not isinstance(token, str) or not token:
                errmsg = str(answer.get("errmsg", ""))[:200]
                raise NotifyError(
                    f"wechat: gettoken refused for corp_id {self._cfg.corp_id!r}: "
                    f"errcode {_errcode(answer)} {errmsg}".rstrip(),
                    retry=False,
                )
            lifetime = answer.get("expires_in")
            ttl = float(lifetime) if isinstance(lifetime, int | float) and lifetime > 0 else TOKEN_LIFETIME
            self._token = token
            self._token_until = now + min(ttl, TOKEN_LIFETIME) - TOKEN_MARGIN
            return token

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        body = self.payload(ctx, alerts)
        token = await self._access_token()
        url = f"{self._base}message/send?{urlencode({'access_token': token})}"
        resp = await send(self._deps.http, "wechat", "POST", url, json=body)
        answer = _json_object(resp, "message/send")
        code = _errcode(answer)
        if code == 0:
            return
        errmsg = str(answer.get("errmsg", ""))[:200]
        message = f"wechat: message/send failed: errcode {code} {errmsg}".rstrip()
        if code in _TOKEN_ERRORS:
            async with self._lock:
                if self._token == token:
                    self._token = ""
            raise NotifyError(message, retry=True)
        raise NotifyError(message, retry=code in _RETRY_ERRORS)

    async def close(self) -> None:
        return None


def build(cfg: WechatConfig, deps: NotifierDeps) -> Notifier:
    return WechatNotifier(cfg, deps)
