"""Slack's interactivity callback: the buttons of Tocsin's Block Kit messages land here.

Slack posts `application/x-www-form-urlencoded` with one `payload` field (JSON) and signs the raw body with the
app's signing secret (`X-Slack-Signature`, `X-Slack-Request-Timestamp`; five-minute replay window). Only a
request that verifies against one of the configured `signing_secret`s does anything. Slack wants its answer
within three seconds, so the endpoint answers 200 at once and reports the outcome to the message's
`response_url` from a background task.

Buttons (see `notify.slack_blocks`): Acknowledge acknowledges the alert group as the clicking Slack user,
Silence creates a silence over the group's labels for the configured duration, Run workflow hands the group to
the workflow engine (not part of this build: the click is answered with that explanation and logged).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from tocsin.alerting.silences import SilenceError
from tocsin.api.v2 import error_response
from tocsin.escalation.acknowledge import find_group
from tocsin.escalation.acks import AckError
from tocsin.model.matchers import Matcher, MatchType
from tocsin.model.silence import Silence
from tocsin.notify.http import send
from tocsin.notify.integration import NotifyError
from tocsin.notify.secrets import secret_value
from tocsin.notify.slack import slack_signature_problem
from tocsin.notify.slack_blocks import ACTION_ACK, ACTION_SILENCE, ACTION_WORKFLOW

if TYPE_CHECKING:
    from tocsin.app import Tocsin

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
MAX_SILENCE = 7 * 86400.0  # a button must not be able to mute a group for longer than a week


def signing_secrets(core: Tocsin) -> dict[str, set[str]]:
    """Every distinct signing secret of the running configuration's Slack integrations, with the receivers that
    use it: a request signed by one Slack app may act only on those receivers' alert groups."""
    out: dict[str, set[str]] = {}
    if core.config is None:
        return out
    for r in core.config.receivers:
        for cfg in r.slack_configs:
            if cfg.signing_secret is None and not cfg.signing_secret_file:
                continue
            try:
                s = secret_value(cfg.signing_secret, cfg.signing_secret_file, what="slack signing_secret")
            except NotifyError as exc:
                log.error("slack signing secret unavailable", extra={"receiver": r.name, "err": str(exc)})
                continue
            if s:
                out.setdefault(s, set()).add(r.name)
    return out


def reply_url_allowed(url: str) -> bool:
    """Replies go to Slack (https, *.slack.com) or to a loopback address (tests, a local Slack-compatible relay);
    a response_url elsewhere is ignored, so a signed payload cannot make Tocsin post to arbitrary hosts."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and (host == "slack.com" or host.endswith(".slack.com")):
        return True
    return parts.scheme in ("http", "https") and host in ("127.0.0.1", "localhost", "::1")


def _user(payload: dict[str, Any]) -> str:
    u = payload.get("user")
    if isinstance(u, dict):
        for key in ("username", "name", "id"):
            v = u.get(key)
            if isinstance(v, str) and v:
                return f"{v} (Slack)"
    return "unknown Slack user"


def _value(action: dict[str, Any]) -> dict[str, Any]:
    raw = action.get("value")
    if not isinstance(raw, str):
        raise ValueError("button has no value")
    try:
        v = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ValueError("button value is not Tocsin's JSON") from None
    if not isinstance(v, dict) or not isinstance(v.get("g"), str):
        raise ValueError("button value names no alert group")
    return v


class InteractionHandler:
    def __init__(self, core: Tocsin) -> None:
        self._core = core

    async def handle(self, payload: dict[str, Any], receivers: set[str]) -> list[tuple[bool, str]]:
        """Carry out every Tocsin button in the payload for groups of `receivers` (those of the Slack app whose
        secret signed the request); (ok, message for Slack) per button."""
        user = _user(payload)
        out = []
        for action in payload.get("actions") or []:
            if not isinstance(action, dict):
                continue
            aid = action.get("action_id")
            try:
                if aid in (ACTION_ACK, ACTION_SILENCE, ACTION_WORKFLOW):
                    receiver = _value(action).get("r")
                    if receiver not in receivers:
                        raise ValueError(f"this Slack app may not act on alert groups of receiver {receiver!r}")
                if aid == ACTION_ACK:
                    out.append((True, await self._ack(_value(action), user)))
                elif aid == ACTION_SILENCE:
                    out.append((True, await self._silence(_value(action), user)))
                elif aid == ACTION_WORKFLOW:
                    out.append(self._workflow(_value(action), user))
            except (ValueError, KeyError) as exc:
                out.append((False, f":warning: {exc}"))
        return out

    async def _ack(self, value: dict[str, Any], user: str) -> str:
        core = self._core
        g = find_group(core.dispatcher.groups(), value["g"])
        if g is None:
            raise ValueError("this alert group is no longer active (resolved or expired), nothing to acknowledge")
        try:
            await core.acknowledger.acknowledge(g, user, "acknowledged from Slack", source="slack")
        except AckError as exc:
            raise ValueError(str(exc)) from None
        return f":white_check_mark: Alert group acknowledged by {user}; repeat notifications stop until it changes."

    async def _silence(self, value: dict[str, Any], user: str) -> str:
        core = self._core
        labels = value.get("m")
        if not isinstance(labels, dict):
            g = find_group(core.dispatcher.groups(), value["g"])
            if g is None:
                raise ValueError("this alert group is no longer active, and the button does not carry its labels")
            labels = g.labels
        if not labels or not all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items()):
            raise ValueError(
                "this group has no labels to match (route without group_by): a silence would mute every alert; "
                "create one in the UI or with `tocsin silence add` instead"
            )
        duration = value.get("d", 3600)
        if not isinstance(duration, int | float) or not 0 < duration <= MAX_SILENCE:
            raise ValueError(f"silence duration {duration!r} is not between 1 s and 7 days")
        now = core.clock.now()
        sil = Silence(
            id="",
            matchers=[Matcher(k, MatchType.EQUAL, v) for k, v in sorted(labels.items())],
            starts_at=now,
            ends_at=now + timedelta(seconds=float(duration)),
            updated_at=now,
            created_by=user,
            comment=f"Silenced from Slack by {user}",
        )
        try:
            sid = core.silences.set(sil)
        except SilenceError as exc:
            raise ValueError(f"silence rejected: {exc}") from None
        if core.writer is not None:
            await core.writer.flushed()
        matchers = ", ".join(f"{k}={v!r}" for k, v in sorted(labels.items()))
        return f":mute: Silenced {{{matchers}}} for {int(duration) // 60} minutes by {user} (silence {sid})."

    def _workflow(self, value: dict[str, Any], user: str) -> tuple[bool, str]:
        name = value.get("w", "")
        log.warning(
            "workflow button clicked but no workflow engine is configured",
            extra={"workflow": name, "group": value.get("g"), "user": user},
        )
        return False, f":warning: Workflow {name!r} was not started: this Tocsin has no workflow engine yet."


def build_slack_router(core: Tocsin) -> APIRouter:
    router = APIRouter()
    handler = InteractionHandler(core)
    background: set[asyncio.Task[None]] = set()

    async def reply(url: str, results: list[tuple[bool, str]]) -> None:
        ok = all(r[0] for r in results)
        body = {
            "response_type": "in_channel" if ok else "ephemeral",
            "replace_original": False,
            "text": "\n".join(r[1] for r in results),
        }
        try:
            await send(core.http, "slack", "POST", url, content=orjson.dumps(body),
                       headers={"Content-Type": "application/json"}, timeout=10.0)
        except NotifyError as exc:
            log.warning("could not answer a Slack interaction", extra={"err": str(exc)})

    @router.post("/slack/interactions")
    async def interactions(request: Request) -> Response:
        """Slack's Request URL for interactivity (block_actions of Tocsin's buttons)."""
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return error_response(f"request body larger than {MAX_BODY} bytes", 413)
        secrets = signing_secrets(core)
        if not secrets:
            return error_response(
                "Slack interactivity is not set up: no slack_configs entry has signing_secret or signing_secret_file",
                404,
            )
        ts = request.headers.get("x-slack-request-timestamp")
        sig = request.headers.get("x-slack-signature")
        now = core.clock.now()
        problems = {s: slack_signature_problem(s, ts, raw, sig, now) for s in secrets}
        allowed = {r for s, p in problems.items() if p is None for r in secrets[s]}
        if not allowed:
            first = next(iter(problems.values()))
            log.warning("rejected a Slack request", extra={"err": first})
            return error_response(f"Slack signature check failed: {first}", 401)
        try:
            form = parse_qs(raw.decode("utf-8"), strict_parsing=True)
            payload = orjson.loads(form["payload"][0])
        except (UnicodeDecodeError, ValueError, KeyError):
            return error_response("body must be form-encoded with a JSON `payload` field (Slack's interactivity)")
        if not isinstance(payload, dict):
            return error_response("payload: must be a JSON object")
        if payload.get("type") != "block_actions":
            return Response(status_code=200)  # other interaction types are not Tocsin's
        results = await handler.handle(payload, allowed)
        url = payload.get("response_url")
        if results and isinstance(url, str) and reply_url_allowed(url):
            task = asyncio.create_task(reply(url, results))
            background.add(task)
            task.add_done_callback(background.discard)
        return Response(status_code=200)

    return router
