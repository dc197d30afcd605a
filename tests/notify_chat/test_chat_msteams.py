from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.notify.loopback import LoopbackService, Reply
from tests.notify_chat.chatkit import ShortTimeout, alert, context, validate

from tocsin.config.notifiers import MSTeamsConfig, MSTeamsV2Config
from tocsin.notify.integration import NotifierDeps, NotifyError
from tocsin.notify.msteams import MAX_MESSAGE_BYTES, build, build_v2
from tocsin.notify.template import Templates

# learn.microsoft.com/outlook/actionable-messages/message-card-reference: @type and @context are required, and a
# card needs a summary unless it has text.
MESSAGE_CARD = {
    "type": "object",
    "required": ["@type", "@context"],
    "properties": {
        "@type": {"const": "MessageCard"},
        "@context": {"enum": ["http://schema.org/extensions", "https://schema.org/extensions"]},
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "text": {"type": "string"},
        "themeColor": {"type": "string", "pattern": "^[0-9A-Fa-f]{6}$"},
    },
    "anyOf": [
        {"required": ["summary"], "properties": {"summary": {"minLength": 1}}},
        {"required": ["text"], "properties": {"text": {"minLength": 1}}},
    ],
}

# learn.microsoft.com/connectors/teams (Workflows "post card" request body) and the Adaptive Card 1.2 TextBlock.
TEXT_BLOCK = {
    "type": "object",
    "required": ["type", "text"],
    "properties": {
        "type": {"const": "TextBlock"},
        "text": {"type": "string"},
        "wrap": {"type": "boolean"},
        "color": {"enum": ["Default", "Dark", "Light", "Accent", "Good", "Warning", "Attention"]},
        "weight": {"enum": ["Default", "Lighter", "Bolder"]},
        "size": {"enum": ["Default", "Small", "Medium", "Large", "ExtraLarge"]},
        "style": {"enum": ["default", "heading"]},
    },
}
WORKFLOW_MESSAGE = {
    "type": "object",
    "required": ["type", "attachments"],
    "properties": {
        "type": {"const": "message"},
        "attachments": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["contentType", "content"],
                "properties": {
                    "contentType": {"const": "application/vnd.microsoft.card.adaptive"},
                    "contentUrl": {"type": ["string", "null"]},
                    "content": {
                        "type": "object",
                        "required": ["type", "version", "body"],
                        "properties": {
                            "$schema": {"const": "http://adaptivecards.io/schemas/adaptive-card.json"},
                            "type": {"const": "AdaptiveCard"},
                            "version": {"type": "string", "pattern": "^1\\.[0-6]$"},
                            "body": {"type": "array", "minItems": 1, "items": TEXT_BLOCK},
                            "msteams": {"type": "object", "properties": {"width": {"enum": ["full"]}}},
                        },
                    },
                },
            },
        },
    },
}

ALERT_LIST = (
    "\nLabels:\n  - alertname = HighLatency\n  - severity = critical\n"
    "\nAnnotations:\n  - summary = HighLatency is bad\n"
    "\nSource: http://prom.example/graph\n\n"
)
# What Alertmanager's msteams(v2).default.text renders for one firing alert, and for one resolved alert.
FIRING_TEXT = "\n\n# Alerts Firing:\n" + ALERT_LIST + "\n\n\n"
RESOLVED_TEXT = "\n\n\n# Alerts Resolved:\n" + ALERT_LIST + "\n\n"


def v1(service: LoopbackService, **over: Any) -> MSTeamsConfig:
    return MSTeamsConfig.model_validate({"webhook_url": f"{service.url}/webhookb2/secret-part", **over})


def v2(service: LoopbackService, **over: Any) -> MSTeamsV2Config:
    return MSTeamsV2Config.model_validate({"webhook_url": f"{service.url}/workflows/secret-part", **over})


async def test_message_card_shape_and_default_templates(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(200, "1")
    notifier = build(v1(service), deps)
    await notifier.notify(context(), [alert()])
    await notifier.notify(context(), [alert(resolved=True)])
    firing, resolved = (r.json() for r in service.requests)
    for body in (firing, resolved):
        validate(body, MESSAGE_CARD)
    assert service.requests[0].headers["content-type"] == "application/json"
    assert firing["title"] == firing["summary"] == "[FIRING:1] HighLatency (critical)"
    assert firing["text"] == FIRING_TEXT
    assert firing["themeColor"] == "8C1A1A"
    assert resolved["title"] == "[RESOLVED] HighLatency (critical)"
    assert resolved["text"] == RESOLVED_TEXT
    assert resolved["themeColor"] == "2DC72D"


async def test_adaptive_card_shape_and_default_templates(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(202, "")
    notifier = build_v2(v2(service), deps)
    await notifier.notify(context(), [alert()])
    await notifier.notify(context(), [alert(resolved=True)])
    firing, resolved = (r.json() for r in service.requests)
    for body in (firing, resolved):
        validate(body, WORKFLOW_MESSAGE)
    title, text = firing["attachments"][0]["content"]["body"]
    assert title["text"] == "[FIRING:1] HighLatency (critical)" and title["color"] == "Attention"
    assert title["weight"] == "Bolder" and title["style"] == "heading"
    assert text == {"type": "TextBlock", "text": FIRING_TEXT, "wrap": True}
    assert firing["attachments"][0]["contentUrl"] is None
    r_title, r_text = resolved["attachments"][0]["content"]["body"]
    assert r_title["color"] == "Good" and r_text["text"] == RESOLVED_TEXT


async def test_custom_templates_and_user_definitions_win(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(200, "1")
    cfg = v2(service, title="{{ .CommonLabels.severity | toUpper }}", text="{{ len .Alerts }} alerts")
    await build_v2(cfg, deps).notify(context(), [alert(), alert(instance="b")])
    title, text = service.requests[0].json()["attachments"][0]["content"]["body"]
    assert title["text"] == "CRITICAL" and text["text"] == "2 alerts"


async def test_oversized_text_is_cut_to_the_teams_limit(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(200, "1")
    big = alert()
    big.annotations = {"summary": 'é"' * 20000}
    cfg = v1(service, text="{{ range .Alerts }}{{ .Annotations.summary }}{{ end }}")
    await build(cfg, deps).notify(context(), [big])
    req = service.requests[0]
    assert MAX_MESSAGE_BYTES - 8 <= len(req.body) <= MAX_MESSAGE_BYTES
    body = req.json()
    validate(body, MESSAGE_CARD)
    assert body["text"].endswith("…") and body["text"].startswith('é"é"')


@pytest.mark.parametrize("which", ["v1", "v2"])
async def test_server_error_is_retried(service: LoopbackService, deps: NotifierDeps, which: str) -> None:
    service.default = Reply(503, "busy")
    notifier = build(v1(service), deps) if which == "v1" else build_v2(v2(service), deps)
    with pytest.raises(NotifyError) as err:
        await notifier.notify(context(), [alert()])
    assert err.value.retry is True and "503" in str(err.value)
    assert "secret-part" not in str(err.value)


@pytest.mark.parametrize("which", ["v1", "v2"])
async def test_client_error_is_permanent(service: LoopbackService, deps: NotifierDeps, which: str) -> None:
    service.default = Reply(400, "Bad payload received by generic incoming webhook.")
    notifier = build(v1(service), deps) if which == "v1" else build_v2(v2(service), deps)
    with pytest.raises(NotifyError) as err:
        await notifier.notify(context(), [alert()])
    assert err.value.retry is False and "400" in str(err.value)


@pytest.mark.parametrize("which", ["v1", "v2"])
async def test_429_sets_retry_after(service: LoopbackService, deps: NotifierDeps, which: str) -> None:
    service.default = Reply(429, "Too many requests", {"Retry-After": "4"})
    notifier = build(v1(service), deps) if which == "v1" else build_v2(v2(service), deps)
    with pytest.raises(NotifyError) as err:
        await notifier.notify(context(), [alert()])
    assert err.value.retry is True and err.value.retry_after == 4.0


@pytest.mark.parametrize("which", ["v1", "v2"])
async def test_hanging_service_times_out(service: LoopbackService, deps: NotifierDeps, which: str) -> None:
    service.default = Reply(200, "1", delay=1.0)
    async with httpx.AsyncClient(transport=ShortTimeout(0.2)) as client:
        short = NotifierDeps(http=client, templates=deps.templates, clock=deps.clock)
        notifier = build(v1(service), short) if which == "v1" else build_v2(v2(service), short)
        with pytest.raises(NotifyError) as err:
            await notifier.notify(context(), [alert()])
    assert err.value.retry is True and "timed out" in str(err.value)


async def test_template_error_is_permanent_and_names_the_field(service: LoopbackService, deps: NotifierDeps) -> None:
    with pytest.raises(NotifyError) as err:
        await build(v1(service, summary="{{ .Nope.Deeper }}"), deps).notify(context(), [alert()])
    assert err.value.retry is False and "summary" in str(err.value)
    assert service.requests == []


async def test_user_template_of_a_default_name_is_not_replaced(
    service: LoopbackService, deps: NotifierDeps, tmp_path: Path
) -> None:
    service.default = Reply(200, "1")
    (tmp_path / "mine.tmpl").write_text('{{ define "msteams.default.title" }}Mine: {{ .Status }}{{ end }}')
    templates = Templates.from_globs([str(tmp_path / "*.tmpl")], include_defaults=True)
    own = NotifierDeps(http=deps.http, templates=templates, clock=deps.clock)
    await build(v1(service), own).notify(context(), [alert()])
    body = service.requests[0].json()
    assert body["title"] == "Mine: firing"
    assert body["summary"] == "[FIRING:1] HighLatency (critical)"  # the missing defaults were still added


def test_one_build_serves_both_config_kinds(service: LoopbackService, deps: NotifierDeps) -> None:
    assert type(build(v2(service), deps)).__name__ == "MSTeamsV2Notifier"
    assert type(build(v1(service), deps)).__name__ == "MSTeamsNotifier"
