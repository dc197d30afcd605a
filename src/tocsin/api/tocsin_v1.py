"""Tocsin's own API (beyond Alertmanager's): delivery history, dead-letter retry, test notifications, alert
groups and their acknowledgements."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from tocsin.api.codec import format_api_time
from tocsin.api.v2 import error_response, json_response
from tocsin.escalation.acknowledge import GroupRef, find_group, group_refs
from tocsin.escalation.acks import AckError, NothingToAcknowledge
from tocsin.model.ack import Acknowledgement
from tocsin.model.alert import Alert
from tocsin.model.labels import fingerprint
from tocsin.model.notification import OutboxEntry
from tocsin.notify.context import NotifyContext
from tocsin.notify.outbox import FINISHED, PENDING

if TYPE_CHECKING:
    from tocsin.app import Tocsin

_STATUSES = (PENDING, *FINISHED)


def entry_json(e: OutboxEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "groupKey": e.group_key,
        "receiver": e.receiver,
        "integration": f"{e.integration}[{e.idx}]",
        "status": e.status,
        "attempts": e.attempts,
        "lastError": e.last_error,
        "createdAt": format_api_time(e.created_at),
        "updatedAt": format_api_time(e.updated_at),
        "nextAttemptAt": format_api_time(e.next_attempt_at) if e.status == PENDING else None,
        "alerts": len(e.payload.get("alerts", [])),
        "firing": len(e.payload.get("firing", [])),
        "resolved": len(e.payload.get("resolved", [])),
        "test": bool(e.payload.get("test")),
        "event": e.payload.get("ctx", {}).get("event", "notify"),
    }


def ack_json(a: Acknowledgement | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {
        "ackedBy": a.acked_by,
        "ackedAt": format_api_time(a.acked_at),
        "comment": a.comment,
        "source": a.source,
        "alerts": len(a.fingerprints),
    }


def group_json(core: Tocsin, g: GroupRef) -> dict[str, Any]:
    now = core.clock.now()
    firing = sum(1 for a in g.alerts if not a.resolved_at(now))
    return {
        "id": g.id,
        "groupKey": g.group_key,
        "receiver": g.receiver,
        "labels": g.labels,
        "alerts": len(g.alerts),
        "firing": firing,
        "acknowledgement": ack_json(core.acks.get(g.group_key, g.receiver)),
    }


async def _ack_body(request: Request) -> tuple[str, str]:
    """`ackedBy` and `comment` from a JSON body; ValueError names the field that is wrong."""
    raw = await request.body()
    if len(raw) > 64 * 1024:
        raise ValueError("request body: larger than 64 KiB")
    try:
        body = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"request body: not valid JSON ({exc})") from None
    if not isinstance(body, dict):
        raise ValueError("request body: must be a JSON object with ackedBy and optional comment")
    unknown = sorted(set(body) - {"ackedBy", "comment"})
    if unknown:
        raise ValueError(f"request body: unknown field {unknown[0]!r} (expected ackedBy, comment)")
    by, comment = body.get("ackedBy", ""), body.get("comment", "")
    if not isinstance(by, str):
        raise ValueError(f"ackedBy: must be a string, got {type(by).__name__}")
    if not isinstance(comment, str):
        raise ValueError(f"comment: must be a string, got {type(comment).__name__}")
    return by, comment


def build_tocsin_router(core: Tocsin) -> APIRouter:
    router = APIRouter()

    @router.get("/groups")
    async def groups(receiver: str | None = None, acknowledged: bool | None = None) -> Response:
        """Alert groups with their ids (for acknowledging) and acknowledgement state."""
        out = []
        for g in group_refs(core.dispatcher.groups()):
            if receiver is not None and g.receiver != receiver:
                continue
            item = group_json(core, g)
            if acknowledged is not None and (item["acknowledgement"] is not None) != acknowledged:
                continue
            out.append(item)
        out.sort(key=lambda x: (x["receiver"], x["groupKey"]))
        return json_response(out)

    @router.post("/groups/{ref}/ack")
    async def acknowledge(ref: str, request: Request) -> Response:
        """Acknowledge a group: no more repeat notifications until something new fires; channels are told."""
        try:
            by, comment = await _ack_body(request)
        except ValueError as exc:
            return error_response(str(exc))
        g = find_group(core.dispatcher.groups(), ref)
        if g is None:
            return error_response(f"no alert group with id {ref!r}", 404)
        try:
            await core.acknowledger.acknowledge(g, by, comment, source="api")
        except AckError as exc:
            return error_response(str(exc), 409 if isinstance(exc, NothingToAcknowledge) else 400)
        return json_response(group_json(core, g))

    @router.delete("/groups/{ref}/ack")
    async def unacknowledge(ref: str) -> Response:
        g = find_group(core.dispatcher.groups(), ref)
        if g is None:
            return error_response(f"no alert group with id {ref!r}", 404)
        if await core.acknowledger.unacknowledge(g) is None:
            return error_response(f"group {g.id} is not acknowledged", 404)
        return json_response(group_json(core, g))

    @router.get("/notifications")
    async def notifications(
        group_key: str | None = None,
        status: str | None = None,
        limit: int = Query(100, ge=1, le=10_000),
    ) -> Response:
        """Delivery history: pending notifications first, then delivered, dead and superseded ones."""
        if status is not None and status not in _STATUSES:
            return error_response(f"status must be one of {', '.join(_STATUSES)}, not {status!r}")
        entries = await core.outbox.history(group_key, status, limit)
        return json_response([entry_json(e) for e in entries])

    @router.post("/notifications/{entry_id}/retry")
    async def retry(entry_id: str) -> Response:
        """Queue a dead letter again."""
        try:
            entry = await core.outbox.retry_dead(entry_id)
        except KeyError:
            return error_response(f"no dead letter with id {entry_id!r}", 404)
        return json_response(entry_json(entry))

    @router.post("/receivers/{name}/test")
    async def test_receiver(name: str) -> Response:
        """Send a test notification through every integration of a receiver (no dedup, no grouping)."""
        rp = core.pipeline.receivers.get(name)
        if rp is None:
            return error_response(f"no receiver named {name!r}", 404)
        now = core.clock.now()
        labels = {"alertname": "TocsinTestNotification", "receiver": name, "severity": "none"}
        alert = Alert(
            labels,
            {"summary": f"Test notification for receiver {name} sent by Tocsin", "description": "No action needed."},
            now,
            now + timedelta(minutes=5),
            now,
            fingerprint=fingerprint(labels),
        )
        ctx = NotifyContext(
            group_key=f"{{}}:{{test={name!r}}}",
            group_labels={"alertname": "TocsinTestNotification"},
            receiver=name,
            now=now,
            repeat_interval=0,
            external_url=core.external_url,
        )
        ids = []
        for integ in rp.integrations:
            entry = await core.outbox.enqueue(ctx, integ, [alert], {alert.fingerprint}, set(), bypass_dedup=True)
            ids.append(entry_json(entry))
        return json_response(ids)

    return router
