"""Tocsin's Block Kit layout for Slack: shape and limits per Slack's reference, buttons, acknowledgements."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from tests.notify.loopback import LoopbackService, Reply
from tests.notify_chat.blockkit import buttons, validate_block_kit
from tests.notify_chat.chatkit import NOW, alert, context

from tocsin.config.notifiers import SlackConfig
from tocsin.model.ack import Acknowledgement
from tocsin.notify.context import ACKNOWLEDGE
from tocsin.notify.integration import NotifierDeps
from tocsin.notify.slack import build
from tocsin.notify.slack_blocks import MAX_LISTED_ALERTS, RESOLVED_COLOUR
from tocsin.notify.text import group_id

SECRET = "s1gn1ng"


def cfg(service: LoopbackService, **over: Any) -> SlackConfig:
    base = {
        "api_url": f"{service.url}/services/T0/B0/XXX",
        "block_kit": True,
        "buttons": ["acknowledge", "silence"],
        "signing_secret": SECRET,
    }
    return SlackConfig.model_validate({**base, **over})


async def send(service: LoopbackService, deps: NotifierDeps, config: SlackConfig, **kw: Any) -> dict[str, Any]:
    service.default = Reply(200, "ok")
    ctx = kw.pop("ctx", None) or context()
    await build(config, deps).notify(ctx, kw.pop("alerts", None) or [alert()])
    body: dict[str, Any] = service.requests[-1].json()
    return body


async def test_block_kit_message_shape(service: LoopbackService, deps: NotifierDeps) -> None:
    a = replace(alert(), annotations={"summary": "p99 > 2s", "description": "checkout <slow> & sad",
                                      "runbook_url": "https://rb.example/latency"})
    body = await send(service, deps, cfg(service, channel="#ops"), alerts=[a])
    validate_block_kit(body)
    att = body["attachments"][0]
    assert att["color"] == "#E01E5A"
    blocks = att["blocks"]
    assert blocks[0]["type"] == "header" and "[FIRING:1] HighLatency" in blocks[0]["text"]["text"]
    facts = [f["text"] for f in blocks[1]["fields"]]
    assert "*Severity*\ncritical" in facts and "*Receiver*\nteam-chat" in facts
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    alert_text = next(t for t in sections if "p99" in t)
    assert "checkout &lt;slow&gt; &amp; sad" in alert_text  # Slack's control characters escaped
    assert "<https://rb.example/latency|Runbook>" in alert_text and "|Source>" in alert_text
    btn = buttons(body)
    assert set(btn) == {"tocsin_ack", "tocsin_silence"}
    assert btn["tocsin_silence"]["text"]["text"] == "Silence 1h"
    value = json.loads(btn["tocsin_silence"]["value"])
    assert value == {"g": group_id(context().group_key), "r": "team-chat", "d": 3600, "m": {"alertname": "HighLatency"}}
    assert body["text"] == att["fallback"] and body["channel"] == "#ops"


async def test_many_long_alerts_stay_within_slack_limits(service: LoopbackService, deps: NotifierDeps) -> None:
    alerts = [
        replace(alert(f"A{i}", instance="x" * 500), annotations={"summary": "s" * 5000, "description": "d" * 9000})
        for i in range(80)
    ]
    ctx = context()
    ctx.group_labels = {f"label{i}": "v" * 3000 for i in range(15)}  # more and longer than fields allow
    body = await send(service, deps, cfg(service, title="T" * 400), ctx=ctx, alerts=alerts)
    validate_block_kit(body)
    blocks = body["attachments"][0]["blocks"]
    listed = [b for b in blocks if b["type"] == "section" and "text" in b and "Since <!date" in b["text"]["text"]]
    assert len(listed) == MAX_LISTED_ALERTS
    assert any(f"and {80 - MAX_LISTED_ALERTS} more alerts" in b["elements"][0]["text"]
               for b in blocks if b["type"] == "context")
    # a button value that would exceed 2,000 characters leaves the labels out (looked up by group id instead)
    assert "m" not in json.loads(buttons(body)["tocsin_silence"]["value"])


async def test_resolved_group_is_green_without_buttons(service: LoopbackService, deps: NotifierDeps) -> None:
    body = await send(service, deps, cfg(service, send_resolved=True), alerts=[alert(resolved=True)])
    validate_block_kit(body)
    assert body["attachments"][0]["color"] == RESOLVED_COLOUR
    assert buttons(body) == {}


async def test_acknowledged_group_shows_who_and_drops_the_ack_button(
    service: LoopbackService, deps: NotifierDeps
) -> None:
    ctx = context()
    ctx.ack = Acknowledgement(ctx.group_key, ctx.receiver, "alice <a@x>", NOW, "on it", frozenset({1}))
    body = await send(service, deps, cfg(service), ctx=ctx)
    validate_block_kit(body)
    notes = [b["elements"][0]["text"] for b in body["attachments"][0]["blocks"] if b["type"] == "context"]
    assert any("Acknowledged by *alice &lt;a@x&gt;*" in n and "on it" in n for n in notes)
    assert set(buttons(body)) == {"tocsin_silence"}


async def test_acknowledge_event_edits_the_message_with_the_web_api(
    service: LoopbackService, deps: NotifierDeps
) -> None:
    config = SlackConfig.model_validate(
        {"app_token": "xoxb-1", "app_url": f"{service.url}/api/chat.postMessage", "channel": "#ops",
         "block_kit": True, "buttons": ["acknowledge"], "signing_secret": SECRET}
    )
    notifier = build(config, deps)
    service.script(Reply(200, {"ok": True, "channel": "C1", "ts": "111.222"}), Reply(200, {"ok": True}))
    first = context()
    await notifier.notify(first, [alert()])
    assert first.receiver_data == {"slack_channel": "C1", "slack_ts": "111.222"}  # kept for the acknowledgement
    ack = context()
    ack.event, ack.receiver_data = ACKNOWLEDGE, dict(first.receiver_data)
    ack.ack = Acknowledgement(ack.group_key, ack.receiver, "bob", NOW + timedelta(minutes=1), "", frozenset({1}))
    await notifier.notify(ack, [alert()])
    update = service.requests[-1]
    assert update.path == "/api/chat.update"
    body = update.json()
    assert body["channel"] == "C1" and body["ts"] == "111.222"
    validate_block_kit(body)
    assert buttons(body) == {}


async def test_acknowledge_event_via_incoming_webhook_posts_a_note(
    service: LoopbackService, deps: NotifierDeps
) -> None:
    ctx = context()
    ctx.event = ACKNOWLEDGE
    ctx.ack = Acknowledgement(ctx.group_key, ctx.receiver, "bob", NOW, "rolling back", frozenset({1}))
    body = await send(service, deps, cfg(service), ctx=ctx)
    assert body["text"].startswith(":white_check_mark: *[FIRING:1] HighLatency")
    assert "acknowledged by *bob*: rolling back" in body["text"]


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"block_kit": False}, "buttons need block_kit: true"),
        ({"signing_secret": None}, "buttons need signing_secret or signing_secret_file"),
        ({"buttons": ["acknowledge", "acknowledge"]}, "each button may appear only once"),
        ({"buttons": ["workflow"]}, "the workflow button needs workflow"),
        ({"buttons": ["page"]}, "buttons.0"),
        ({"silence_duration": "0s"}, "silence_duration must be positive"),
    ],
)
def test_button_configuration_errors_say_what_is_missing(over: dict[str, Any], message: str) -> None:
    data = {"api_url": "https://hooks.slack.com/x", "block_kit": True, "buttons": ["acknowledge"],
            "signing_secret": SECRET, **over}
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(ValidationError, match=message):
        SlackConfig.model_validate(data)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.slack.com/actions/T0/1/abc", True),
        ("https://slack.com/x", True),
        ("http://hooks.slack.com/actions/T0/1/abc", False),  # not https
        ("https://hooks.slack.com.evil.example/x", False),
        ("https://metadata.internal/latest", False),
        ("http://127.0.0.1:8080/respond", True),
        ("file:///etc/passwd", False),
    ],
)
def test_interaction_replies_only_go_to_slack_or_loopback(url: str, allowed: bool) -> None:
    from tocsin.api.slack_interactions import reply_url_allowed

    assert reply_url_allowed(url) is allowed
