"""Text helpers every channel needs: Alertmanager's group-key hash and truncation at a service's limits."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

TRUNCATION_MARKER = "…"


def group_key_hash(group_key: str) -> str:
    """Alertmanager's notify.Key.Hash: services cap their dedup keys and aliases, group keys are unbounded."""
    return hashlib.sha256(group_key.encode()).hexdigest()


GROUP_ID_CHARS = 16


def group_id(group_key: str) -> str:
    """A short, stable handle for a group in URLs and buttons (its key holds the route path and all its labels)."""
    return group_key_hash(group_key)[:GROUP_ID_CHARS]


def truncate_runes(text: str, limit: int) -> tuple[str, bool]:
    """Alertmanager's TruncateInRunes: at most `limit` characters, the last one being the marker."""
    if len(text) <= limit:
        return text, False
    if limit <= 3:
        return text[:limit], True
    return text[: limit - 1] + TRUNCATION_MARKER, True


def truncate_chars(text: str, limit: int) -> str:
    return truncate_runes(text, limit)[0]


def truncate_bytes(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes without splitting a character, ending with the marker when cut."""
    raw = text.encode()
    if len(raw) <= limit:
        return text
    marker = TRUNCATION_MARKER.encode()
    if limit < len(marker):
        return "." * limit
    return raw[: limit - len(marker)].decode(errors="ignore") + TRUNCATION_MARKER


def omit_empty(obj: Mapping[str, Any]) -> dict[str, Any]:
    """Drop unset fields (Go's `omitempty`): services reject or mis-render empty strings and lists."""
    return {k: v for k, v in obj.items() if v not in ("", None, [], False)}
