"""Decoding API v2 requests and encoding responses in Alertmanager's JSON shapes.

Request bodies are decoded with msgspec (the ingestion hot path) into structs whose field names are the API's;
every decoding error names the JSON path of the bad value.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from tocsin.alerting.marker import AlertStatus
from tocsin.ingest.alerts import PostableAlert, alerts_decoder, api_time_opt
from tocsin.model.alert import Alert
from tocsin.model.labels import fingerprint_hex
from tocsin.model.silence import Silence

__all__ = ["PostableAlert", "alerts_decoder", "api_time_opt"]

class PostableMatcher(msgspec.Struct):
    name: str
    value: str
    isRegex: bool
    isEqual: bool = True


class PostableSilence(msgspec.Struct):
    matchers: list[PostableMatcher]
    startsAt: datetime
    endsAt: datetime
    createdBy: str
    comment: str
    id: str | None = None


silence_decoder = msgspec.json.Decoder(PostableSilence)


def api_time(t: datetime) -> datetime:
    if t.tzinfo is None:
        return t.replace(tzinfo=UTC)
    return t.astimezone(UTC)


def format_api_time(t: datetime | None) -> str:
    """go-openapi's strfmt.DateTime: RFC 3339 with exactly three fractional digits."""
    if t is None:
        return "0001-01-01T00:00:00.000Z"
    t = t.astimezone(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def gettable_alert(a: Alert, status: AlertStatus, receivers: list[str]) -> dict[str, Any]:
    return {
        "annotations": a.annotations,
        "endsAt": format_api_time(a.ends_at),
        "fingerprint": fingerprint_hex(a.fingerprint),
        "receivers": [{"name": r} for r in receivers],
        "startsAt": format_api_time(a.starts_at),
        "status": {
            "inhibitedBy": list(status.inhibited_by),
            "silencedBy": list(status.silenced_by),
            "mutedBy": list(status.muted_by),
            "state": status.state.value,
        },
        "updatedAt": format_api_time(a.updated_at),
        "generatorURL": a.generator_url,
        "labels": a.labels,
    }


def gettable_silence(s: Silence, now: datetime) -> dict[str, Any]:
    return {
        "id": s.id,
        "status": {"state": s.state_at(now).value},
        "updatedAt": format_api_time(s.updated_at),
        "comment": s.comment,
        "createdBy": s.created_by,
        "endsAt": format_api_time(s.ends_at),
        "matchers": [
            {"isEqual": m.is_equal, "isRegex": m.is_regex, "name": m.name, "value": m.value} for m in s.matchers
        ],
        "startsAt": format_api_time(s.starts_at),
    }
