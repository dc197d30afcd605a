"""Documentation models for the OpenAPI document served at /api/v2/openapi.json.

The handlers encode and decode with msgspec/orjson on the hot path; these pydantic models only describe the
same JSON shapes (those of Alertmanager's OpenAPI spec, plus Tocsin's `mutedBy`) so clients can be generated
from Tocsin's document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, TypeAdapter


class Receiver(BaseModel):
    name: str


class AlertStatus(BaseModel):
    state: Literal["unprocessed", "active", "suppressed"]
    silencedBy: list[str]
    inhibitedBy: list[str]
    mutedBy: list[str] = Field(default_factory=list, description="Time intervals muting the alert (Tocsin).")


class PostableAlert(BaseModel):
    labels: dict[str, str] = Field(description="At least one label; empty values are dropped.")
    annotations: dict[str, str] | None = None
    startsAt: datetime | None = Field(None, description="Defaults to now (or endsAt when only that is set).")
    endsAt: datetime | None = Field(None, description="Defaults to now + resolve_timeout.")
    generatorURL: str | None = None


class GettableAlert(BaseModel):
    labels: dict[str, str]
    annotations: dict[str, str]
    startsAt: datetime
    endsAt: datetime
    updatedAt: datetime
    generatorURL: str
    fingerprint: str
    receivers: list[Receiver]
    status: AlertStatus


class AlertGroup(BaseModel):
    labels: dict[str, str]
    receiver: Receiver
    alerts: list[GettableAlert]


class Matcher(BaseModel):
    name: str
    value: str
    isRegex: bool
    isEqual: bool = True


class PostableSilence(BaseModel):
    id: str | None = Field(None, description="Set to update an existing silence.")
    matchers: list[Matcher]
    startsAt: datetime
    endsAt: datetime
    createdBy: str
    comment: str


class SilenceStatus(BaseModel):
    state: Literal["expired", "active", "pending"]


class GettableSilence(PostableSilence):
    id: str
    status: SilenceStatus
    updatedAt: datetime


class PostSilenceResponse(BaseModel):
    silenceID: str


class PeerStatus(BaseModel):
    name: str
    address: str


class ClusterStatus(BaseModel):
    name: str | None = None
    status: Literal["ready", "settling", "disabled"]
    peers: list[PeerStatus]


class VersionInfo(BaseModel):
    version: str
    revision: str
    branch: str
    buildUser: str
    buildDate: str
    goVersion: str


class AlertmanagerConfig(BaseModel):
    original: str


class AlertmanagerStatus(BaseModel):
    cluster: ClusterStatus
    versionInfo: VersionInfo
    config: AlertmanagerConfig
    uptime: datetime


class ValidationError(BaseModel):
    code: int
    message: str


def request_body(model: Any) -> dict[str, Any]:
    """An `openapi_extra` entry documenting a JSON request body the handler reads itself."""
    schema = TypeAdapter(model).json_schema()
    defs = schema.pop("$defs", {})
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": _inline(schema, defs)}}}}


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """Replace local `$ref`s by the definitions they name (the body schema must stand on its own)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def responses(ok: Any = None, errors: tuple[int, ...] = (400,)) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {}
    if ok is not None:
        out[200] = {"model": ok}
    else:
        out[200] = {"description": "OK"}
    for code in errors:
        out[code] = {"description": "Bad request: the body names the offending field or value."}
    return out
