"""Slack integration: one legacy attachment per notification, as Alertmanager builds it.

Two ways in: an incoming-webhook URL (`api_url`, Slack answers a plain "ok") or the Web API's chat.postMessage
with a bot token (`app_token`, sent as a bearer credential). The Web API answers HTTP 200 even when it refused
the message, with `{"ok": false, "error": ...}` in the body, so a 2xx alone is not success here.

`update_message` / `post_updates_to_thread` need the timestamp of the group's first message. As in Alertmanager
it is kept with the notification log (`ctx.receiver_data`, persisted by the outbox after a successful send), so
the resolve updates the same message even after a restart; a bounded in-memory copy serves direct callers.

`block_kit: true` switches to Tocsin's Block Kit layout (`slack_blocks`); its buttons call back into Tocsin, whose
endpoint checks the requests with `slack_signature_problem`. An acknowledgement updates the group's message
(Web API with a known message ts) or posts a short note (incoming webhooks cannot edit).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson

from tocsin.config.notifiers import SLACK_BOT_API_URL, SlackAction, SlackConfig
from tocsin.model.alert import Alert
from tocsin.notify.context import ACKNOWLEDGE, NotifyContext
from tocsin.notify.http import retry_after_seconds, send
from tocsin.notify.integration import Notifier, NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.secrets import secret_value
from tocsin.notify.slack_blocks import block_kit_attachment, mrkdwn_escape
from tocsin.notify.text import omit_empty, truncate_chars

# https://api.slack.com/reference/messaging/attachments#legacy_fields: the title is cut at 1024 characters.
MAX_TITLE_CHARS = 1024
_DEFAULT_MRKDWN_IN = ("fallback", "pretext", "text")
# Web API errors (https://api.slack.com/methods/chat.postMessage#errors) that say "later", not "never".
_RETRYABLE_API_ERRORS = frozenset(
    {"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
# Parents remembered for update_message / post_updates_to_thread; the oldest group is forgotten first.
_MAX_REMEMBERED_GROUPS = 10_000
_SNIPPET = 200


def chat_update_url(post_url: str) -> str:
    """chat.update on the same API host as chat.postMessage (so a proxy or a test server keeps working)."""
    parts = urlsplit(post_url)
    if parts.path.endswith("/chat.postMessage"):
        path = parts.path[: -len("chat.postMessage")] + "chat.update"
        return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return "https://slack.com/api/chat.update"


class SlackNotifier:
    events = frozenset({ACKNOWLEDGE})

    def __init__(self, cfg: SlackConfig, deps: NotifierDeps) -> None:
        self._cfg = cfg
        self._deps = deps
        self._parents: OrderedDict[str, tuple[str, str]] = OrderedDict()

    # -- payload -------------------------------------------------------------------------------------------------
    def _action(self, r: Renderer, i: int, action: SlackAction) -> dict[str, Any]:
        out = omit_empty(
            {
                "type": r.text(f"actions[{i}].type", action.type),
                "text": r.text(f"actions[{i}].text", action.text),
                "url": r.text(f"actions[{i}].url", action.url),
                "style": r.text(f"actions[{i}].style", action.style),
                "name": r.text(f"actions[{i}].name", action.name),
                "value": r.text(f"actions[{i}].value", action.value),
            }
        )
        if action.confirm is not None:
            c = action.confirm
            out["confirm"] = omit_empty(
                {
                    "text": r.text(f"actions[{i}].confirm.text", c.text),
                    "title": r.text(f"actions[{i}].confirm.title", c.title),
                    "ok_text": r.text(f"actions[{i}].confirm.ok_text", c.ok_text),
                    "dismiss_text": r.text(f"actions[{i}].confirm.dismiss_text", c.dismiss_text),
                }
            )
        return out

    def _poster(self, r: Renderer) -> dict[str, Any]:
        """Where and as whom a message is posted (the same for notifications and acknowledgement notes)."""
        cfg = self._cfg
        return {
            "channel": r.text("channel", cfg.channel),
            "username": r.text("username", cfg.username),
            "icon_emoji": r.text("icon_emoji", cfg.icon_emoji),
            "icon_url": r.text("icon_url", cfg.icon_url),
        }

    def payload(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> dict[str, Any]:
        """The chat.postMessage / incoming-webhook body (without channel-thread bookkeeping)."""
        cfg = self._cfg
        r = Renderer(self._deps.templates, notification_data(ctx, alerts))
        attachment: dict[str, Any] = {
            "title": truncate_chars(r.text("title", cfg.title), MAX_TITLE_CHARS),
            "title_link": r.text("title_link", cfg.title_link),
            "pretext": r.text("pretext", cfg.pretext),
            "text": r.text("text", cfg.text),
            "fallback": r.text("fallback", cfg.fallback),
            "callback_id": r.text("callback_id", cfg.callback_id),
            "image_url": r.text("image_url", cfg.image_url),
            "thumb_url": r.text("thumb_url", cfg.thumb_url),
            "footer": r.text("footer", cfg.footer),
            "color": r.text("color", cfg.color),
            "mrkdwn_in": list(cfg.mrkdwn_in) or list(_DEFAULT_MRKDWN_IN),
        }
        if cfg.fields:
            attachment["fields"] = [
                {
                    "title": r.text(f"fields[{i}].title", f.title),
                    "value": r.text(f"fields[{i}].value", f.value),
                    "short": f.short if f.short is not None else cfg.short_fields,
                }
                for i, f in enumerate(cfg.fields)
            ]
        if cfg.actions:
            attachment["actions"] = [self._action(r, i, a) for i, a in enumerate(cfg.actions)]
        # Slack requires text, fallback, callback_id and footer keys even when empty (Alertmanager sends them so).
        always = ("text", "fallback", "callback_id", "footer")
        attachment = {k: v for k, v in attachment.items() if k in always or v not in ("", [], None)}
        body = omit_empty(
            {
                **self._poster(r),
                "link_names": cfg.link_names,
                "text": r.text("message_text", cfg.message_text),
            }
        )
        if cfg.block_kit:
            attachment = block_kit_attachment(cfg, r, ctx, alerts)
            body.setdefault("text", attachment["fallback"])  # what notifications and screen readers show
        body["attachments"] = [attachment]
        if r.error:
            raise NotifyError(f"slack: {r.error}", retry=False)
        return body

    # -- sending -------------------------------------------------------------------------------------------------
    def _target(self) -> tuple[str, dict[str, str]]:
        cfg = self._cfg
        headers = {"Content-Type": "application/json; charset=utf-8"}
        token = secret_value(cfg.app_token, cfg.app_token_file, what="slack app_token")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        url = secret_value(cfg.api_url, cfg.api_url_file, what="slack api_url")
        if not url:
            if not token:
                raise NotifyError("slack: no api_url, api_url_file or app_token configured", retry=False)
            url = cfg.app_url or SLACK_BOT_API_URL
        return url, headers

    async def _post(self, url: str, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        channel = body.get("channel", "")
        try:
            resp = await send(
                self._deps.http,
                "slack",
                "POST",
                url,
                content=orjson.dumps(body),
                headers=headers,
                timeout=self._cfg.timeout or None,
            )
        except NotifyError as exc:
            raise NotifyError(f"{exc} (channel {channel!r})", exc.retry, exc.retry_after) from None
        return check_slack_answer(resp, channel)

    def _remember(self, group_key: str, answer: Mapping[str, Any]) -> None:
        ts, channel = answer.get("ts"), answer.get("channel")
        if isinstance(ts, str) and isinstance(channel, str) and ts and channel:
            self._parents[group_key] = (channel, ts)
            self._parents.move_to_end(group_key)
            while len(self._parents) > _MAX_REMEMBERED_GROUPS:
                self._parents.popitem(last=False)

    def _parent(self, ctx: NotifyContext) -> tuple[str, str] | None:
        channel, ts = ctx.receiver_data.get("slack_channel"), ctx.receiver_data.get("slack_ts")
        if channel and ts:
            return channel, ts
        return self._parents.get(ctx.group_key)

    async def _acknowledged(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        """Show an acknowledgement: edit the group's Block Kit message, or post a note (in its thread if known)."""
        url, headers = self._target()
        parent = self._parent(ctx)
        if parent is not None and self._cfg.block_kit and "Authorization" in headers:
            body = self.payload(ctx, alerts)  # re-rendered: the acknowledgement line, no Acknowledge button
            await self._post(chat_update_url(url), headers, {**body, "channel": parent[0], "ts": parent[1]})
            return
        r = Renderer(self._deps.templates, notification_data(ctx, alerts))
        title = r.text("title", self._cfg.title)
        who = ctx.ack.acked_by if ctx.ack is not None else "someone"
        text = f":white_check_mark: *{mrkdwn_escape(title)}* acknowledged by *{mrkdwn_escape(who)}*"
        if ctx.ack is not None and ctx.ack.comment:
            text += f": {mrkdwn_escape(ctx.ack.comment)}"
        note: dict[str, Any] = omit_empty(self._poster(r))
        note["text"] = truncate_chars(text, 3000)
        if parent is not None:
            note["channel"], note["thread_ts"] = parent
        if r.error:
            raise NotifyError(f"slack: {r.error}", retry=False)
        await self._post(url, headers, note)

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        if ctx.event == ACKNOWLEDGE:
            await self._acknowledged(ctx, alerts)
            return
        cfg = self._cfg
        body = self.payload(ctx, alerts)
        url, headers = self._target()
        tracks_parent = cfg.update_message or cfg.post_updates_to_thread
        parent = self._parent(ctx) if tracks_parent else None
        if parent is None:
            answer = await self._post(url, headers, body)
            if not tracks_parent:
                if cfg.block_kit and not ctx.receiver_data.get("slack_ts"):
                    # Kept so an acknowledgement can edit this message later.
                    self._remember(ctx.group_key, answer)
                    first = self._parents.get(ctx.group_key)
                    if first is not None:
                        ctx.receiver_data.update({"slack_channel": first[0], "slack_ts": first[1]})
                return
            self._remember(ctx.group_key, answer)
            parent = self._parents.get(ctx.group_key)
            if parent is not None:
                ctx.receiver_data.update({"slack_channel": parent[0], "slack_ts": parent[1]})
            if parent is not None and cfg.update_message and cfg.post_updates_to_thread:
                # Later edits overwrite the first message; its first version is kept as the thread's first reply.
                await self._post(url, headers, {**body, "channel": parent[0], "thread_ts": parent[1]})
            return
        channel, ts = parent
        ctx.receiver_data.update({"slack_channel": channel, "slack_ts": ts})
        if cfg.update_message:
            await self._post(chat_update_url(url), headers, {**body, "channel": channel, "ts": ts})
        if cfg.post_updates_to_thread:
            await self._post(url, headers, {**body, "channel": channel, "thread_ts": ts})

    async def close(self) -> None:
        return None


def check_slack_answer(resp: httpx.Response, channel: str = "") -> dict[str, Any]:
    """Classify a 2xx answer: the Web API's JSON `ok` flag, or an incoming webhook's plain "ok"."""
    where = f" (channel {channel!r})" if channel else ""
    if resp.headers.get("content-type", "").startswith("application/json"):
        try:
            data = orjson.loads(resp.content)
        except orjson.JSONDecodeError:
            raise NotifyError(f"slack: unreadable JSON answer: {resp.text[:_SNIPPET]!r}{where}", retry=True) from None
        if not isinstance(data, dict):
            raise NotifyError(f"slack: unexpected JSON answer{where}", retry=True)
        if data.get("ok") is not True:
            error = str(data.get("error") or "unknown error")
            retry = error in _RETRYABLE_API_ERRORS
            raise NotifyError(
                f"slack: error response from Slack: {error}{where}",
                retry=retry,
                retry_after=retry_after_seconds(resp.headers.get("retry-after")) if retry else None,
            )
        return data
    text = resp.text.strip()
    if text != "ok":
        raise NotifyError(f"slack: error response from Slack: {text[:_SNIPPET]}{where}", retry=False)
    return {}


# -- request signing -----------------------------------------------------------------------------------------------
SLACK_SIGNATURE_VERSION = "v0"


def slack_signature(signing_secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Slack-Signature` value Slack computes: v0=HMAC-SHA256(secret, "v0:<timestamp>:<body>") in hex."""
    base = f"{SLACK_SIGNATURE_VERSION}:{timestamp}:".encode() + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return f"{SLACK_SIGNATURE_VERSION}={digest}"


def slack_signature_problem(
    signing_secret: str,
    timestamp: str | int | None,
    body: bytes | str,
    signature: str | None,
    now: float | datetime,
    window: float = 300,
) -> str | None:
    """Why a request fails Slack's signing check (None when it passes).

    The timestamp window stops a captured request from being replayed later; the comparison is constant-time so
    the signature cannot be guessed byte by byte from response times.
    """
    if not signing_secret:
        return "no signing secret configured"
    if timestamp is None or str(timestamp).strip() == "":
        return "missing X-Slack-Request-Timestamp header"
    ts_text = str(timestamp).strip()
    if not ts_text.isdigit():
        return f"X-Slack-Request-Timestamp {ts_text[:32]!r} is not a Unix time in seconds"
    now_s = now.timestamp() if isinstance(now, datetime) else float(now)
    if abs(now_s - int(ts_text)) > window:
        return f"X-Slack-Request-Timestamp is more than {window:g}s away from the current time"
    if not signature:
        return "missing X-Slack-Signature header"
    if not signature.startswith(f"{SLACK_SIGNATURE_VERSION}="):
        return f"X-Slack-Signature must start with {SLACK_SIGNATURE_VERSION}="
    raw = body.encode() if isinstance(body, str) else body
    expected = slack_signature(signing_secret, ts_text, raw)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return "X-Slack-Signature does not match the request body"
    return None


def verify_slack_signature(
    signing_secret: str,
    timestamp: str | int | None,
    body: bytes | str,
    signature: str | None,
    now: float | datetime,
    window: float = 300,
) -> bool:
    """True when the request carries a valid, fresh Slack signature (see `slack_signature_problem` for why not)."""
    return slack_signature_problem(signing_secret, timestamp, body, signature, now, window) is None


def build(cfg: SlackConfig, deps: NotifierDeps) -> Notifier:
    return SlackNotifier(cfg, deps)
