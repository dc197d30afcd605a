"""The essentials of Slack's Block Kit reference (https://api.slack.com/reference/block-kit), as a JSON schema.

Limits and enums Slack enforces with `invalid_blocks`: block types, text objects, 150-character headers,
3,000-character section texts, at most 10 fields of 2,000, 50 blocks, buttons with 75-character labels,
2,000-character values, action ids of 255 and styles primary/danger; confirm dialogs with plain-text parts.
"""

from __future__ import annotations

from typing import Any

from tests.notify_chat.chatkit import validate


def _text(kind: str | None, limit: int) -> dict[str, Any]:
    t: dict[str, Any] = {
        "type": "object",
        "required": ["type", "text"],
        "properties": {
            "type": {"enum": [kind] if kind else ["plain_text", "mrkdwn"]},
            "text": {"type": "string", "minLength": 1, "maxLength": limit},
            "emoji": {"type": "boolean"},
        },
        "additionalProperties": False,
    }
    return t


_BUTTON = {
    "type": "object",
    "required": ["type", "text", "action_id"],
    "properties": {
        "type": {"const": "button"},
        "text": _text("plain_text", 75),
        "action_id": {"type": "string", "maxLength": 255},
        "value": {"type": "string", "maxLength": 2000},
        "url": {"type": "string", "maxLength": 3000},
        "style": {"enum": ["primary", "danger"]},
        "confirm": {
            "type": "object",
            "required": ["title", "text", "confirm", "deny"],
            "properties": {
                "title": _text("plain_text", 100),
                "text": _text(None, 300),
                "confirm": _text("plain_text", 30),
                "deny": _text("plain_text", 30),
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}

_BLOCK = {
    "oneOf": [
        {
            "type": "object",
            "required": ["type", "text"],
            "properties": {"type": {"const": "header"}, "text": _text("plain_text", 150), "block_id": {}},
            "additionalProperties": False,
        },
        {
            "type": "object",
            "required": ["type"],
            "anyOf": [{"required": ["text"]}, {"required": ["fields"]}],
            "properties": {
                "type": {"const": "section"},
                "text": _text(None, 3000),
                "fields": {"type": "array", "minItems": 1, "maxItems": 10, "items": _text(None, 2000)},
                "block_id": {"type": "string", "maxLength": 255},
            },
            "additionalProperties": False,
        },
        {"type": "object", "required": ["type"], "properties": {"type": {"const": "divider"}},
         "additionalProperties": False},
        {
            "type": "object",
            "required": ["type", "elements"],
            "properties": {
                "type": {"const": "context"},
                "elements": {"type": "array", "minItems": 1, "maxItems": 10, "items": _text(None, 3000)},
            },
            "additionalProperties": False,
        },
        {
            "type": "object",
            "required": ["type", "elements"],
            "properties": {
                "type": {"const": "actions"},
                "block_id": {"type": "string", "maxLength": 255},
                "elements": {"type": "array", "minItems": 1, "maxItems": 25, "items": _BUTTON},
            },
            "additionalProperties": False,
        },
    ]
}

BLOCK_KIT_MESSAGE = {
    "type": "object",
    "required": ["text", "attachments"],
    "properties": {
        "text": {"type": "string", "minLength": 1},
        "channel": {"type": "string"},
        "attachments": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["color", "blocks"],
                "properties": {
                    "color": {"type": "string", "pattern": "^#[0-9A-F]{6}$"},
                    "fallback": {"type": "string"},
                    "blocks": {"type": "array", "minItems": 1, "maxItems": 50, "items": _BLOCK},
                },
            },
        },
    },
}


def validate_block_kit(message: dict[str, Any]) -> None:
    validate(message, BLOCK_KIT_MESSAGE)
    for att in message["attachments"]:
        ids = [e["action_id"] for b in att["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert len(ids) == len(set(ids)), f"action_id must be unique in a message: {ids}"


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The message's buttons by action_id."""
    return {
        e["action_id"]: e
        for att in message["attachments"]
        for b in att["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }
