"""HMAC-SHA256 signatures on Tocsin's outgoing webhooks, so a receiver can check a request came from Tocsin.

Scheme (documented in docs/notifications.md): Tocsin sends `X-Tocsin-Timestamp: <unix seconds>` and
`X-Tocsin-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. Signing the timestamp with the body
lets a receiver refuse replays older than a few minutes; the version prefix leaves room for a new scheme (or a
second secret during rotation) without breaking receivers.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

TIMESTAMP_HEADER = "X-Tocsin-Timestamp"
SIGNATURE_HEADER = "X-Tocsin-Signature"
VERSION = "v1"


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"{VERSION}={mac}"


def signature_headers(secret: str, now: datetime, body: bytes) -> dict[str, str]:
    ts = str(int(now.timestamp()))
    return {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: webhook_signature(secret, ts, body)}


def webhook_signature_problem(
    secret: str, timestamp: str | None, body: bytes, signature: str | None, now: float, window: float = 300
) -> str | None:
    """Why a received webhook fails verification (None when it is authentic and fresh); for receivers' code."""
    if not timestamp or not timestamp.strip().isdigit():
        return f"missing or malformed {TIMESTAMP_HEADER} header"
    if abs(now - int(timestamp)) > window:
        return f"{TIMESTAMP_HEADER} is more than {window:g}s away from the current time"
    if not signature:
        return f"missing {SIGNATURE_HEADER} header"
    # Several signatures may be sent comma-separated (secret rotation): one match is enough.
    expected = webhook_signature(secret, timestamp.strip(), body)
    for candidate in signature.split(","):
        if hmac.compare_digest(candidate.strip().encode(), expected.encode()):
            return None
    return f"{SIGNATURE_HEADER} does not match the body"
