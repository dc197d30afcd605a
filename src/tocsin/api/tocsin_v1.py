"""Tocsin's own API (beyond Alertmanager's): delivery history, dead-letter retry, test notifications."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from tocsin.api.codec import format_api_time
from tocsin.api.v2 import error_response, json_response
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
    }


def build_tocsin_router(core: Tocsin) -> APIRouter:
    router = APIRouter()

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
