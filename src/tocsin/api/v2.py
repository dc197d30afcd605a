"""Alertmanager API v2: the nine operations of its OpenAPI spec, same JSON shapes and status codes."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import msgspec
import orjson
import re2  # type: ignore[import-untyped]
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from tocsin.alerting.dispatch import alert_sort_key
from tocsin.alerting.marker import AlertState, AlertStatus
from tocsin.alerting.silences import SilenceError, SilenceNotFound, silence_matches_filter
from tocsin.api import schema
from tocsin.api.codec import (
    api_time,
    format_api_time,
    gettable_alert,
    gettable_silence,
    silence_decoder,
)
from tocsin.ingest.alerts import alerts_decoder, normalise_alerts
from tocsin.model.alert import Alert
from tocsin.model.labels import label_set_before
from tocsin.model.matchers import Matcher, MatcherError, matches_all, parse_matcher
from tocsin.model.silence import Silence, SilenceState

if TYPE_CHECKING:
    from tocsin.app import Tocsin

_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SILENCE_ORDER = {SilenceState.ACTIVE: 0, SilenceState.PENDING: 1, SilenceState.EXPIRED: 2}


class BodyTooLarge(Exception):
    pass


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def error_response(message: str, status: int = 400) -> Response:
    """Alertmanager's handlers answer errors with a bare JSON string."""
    return json_response(message, status)


def validation_error(message: str, status: int = 400) -> Response:
    """go-swagger's shape for a request that fails schema validation."""
    return json_response({"code": status, "message": message}, status)


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _bool_param(request: Request, name: str, default: bool = True) -> bool:
    v = request.query_params.get(name)
    if v is None:
        return default
    lv = v.lower()
    if lv in ("true", "1", "t"):
        return True
    if lv in ("false", "0", "f"):
        return False
    raise ValueError(f"{name} in query must be of type boolean: {v!r}")


def _filters(request: Request) -> list[Matcher]:
    return [parse_matcher(f) for f in request.query_params.getlist("filter")]


def _receiver_filter(request: Request) -> Callable[[str], bool] | None:
    r = request.query_params.get("receiver")
    if r is None:
        return None
    try:
        rx = re2.compile("^(?:" + r + ")$")
    except re2.error as exc:
        raise ValueError(f"failed to parse receiver param: {exc}") from None
    return lambda name: rx.search(name) is not None


async def _json_array(
    selected: list[tuple[Alert, list[str]]], statuses: list[AlertStatus]
) -> AsyncIterator[bytes]:
    """Encode alerts in chunks: a full listing of tens of thousands of alerts never exists as one object tree.

    Statuses are taken before streaming starts, so the answer is one consistent snapshot.
    """
    yield b"["
    chunk: list[bytes] = []
    for i, ((a, receivers), status) in enumerate(zip(selected, statuses, strict=True)):
        chunk.append(orjson.dumps(gettable_alert(a, status, receivers)))
        if len(chunk) == 500:
            yield (b"," if i >= 500 else b"") + b",".join(chunk)
            chunk = []
    if chunk:
        yield (b"," if len(selected) > len(chunk) else b"") + b",".join(chunk)
    yield b"]"


STORAGE_SLOW = (
    "accepted, but the database did not confirm the write in time; the change is kept in memory and retried, "
    "and is applied to what the API shows"
)


async def durable(core: Tocsin) -> bool:
    """Wait until everything queued so far is committed; False when the database is too slow or down.

    The change itself is already applied in memory and stays queued for writing, so a 503 here never loses it;
    it tells the client that durability is not yet confirmed (Prometheus re-sends on its next evaluation).
    """
    if core.writer is None:
        return True
    try:
        await asyncio.wait_for(core.writer.flushed(), timeout=core.write_timeout)
    except TimeoutError:
        return False
    return True


def too_large(core: Tocsin) -> tuple[int, bytes]:
    return 413, orjson.dumps({"code": 413, "message": f"request body larger than {core.max_request_bytes} bytes"})


async def ingest_alerts(core: Tocsin, body: bytes) -> tuple[int, bytes]:
    """POST /api/v2/alerts: validate, store, and answer once the alerts are durable.

    Valid alerts of a batch are stored even when others are rejected (as Alertmanager does, so one bad alert
    does not lose a whole Prometheus batch); the 400 body names each rejected alert by index and field.
    """
    m = core.metrics
    try:
        posted = alerts_decoder.decode(body)
    except msgspec.ValidationError as exc:
        m.alerts_invalid.labels("v2").inc()
        return 400, orjson.dumps({"code": 400, "message": f"invalid alerts body: {exc}"})
    except msgspec.DecodeError as exc:
        m.alerts_invalid.labels("v2").inc()
        return 400, orjson.dumps({"code": 400, "message": f"parsing alerts body failed: {exc}"})
    except UnicodeDecodeError as exc:
        m.alerts_invalid.labels("v2").inc()
        return 400, orjson.dumps({"code": 400, "message": f"alerts body is not valid UTF-8 (byte {exc.start})"})
    result = normalise_alerts(posted, core.clock.now(), core.resolve_timeout, core.label_sets)
    if result.firing:
        m.alerts_received.labels("v2", "firing").inc(result.firing)
    if result.resolved:
        m.alerts_received.labels("v2", "resolved").inc(result.resolved)
    if result.errors:
        m.alerts_invalid.labels("v2").inc(len(result.errors))
    if result.valid:
        core.store.put(result.valid)
        if not await durable(core):
            return 503, orjson.dumps(STORAGE_SLOW)
    if result.errors:
        accepted = f"accepted {len(result.valid)} of {len(posted)} alerts; rejected "
        return 400, orjson.dumps(accepted + "; ".join(result.errors))
    return 200, b""


def build_router(core: Tocsin) -> APIRouter:
    router = APIRouter()

    def alert_filter(
        matchers: list[Matcher], silenced: bool, inhibited: bool, active: bool
    ) -> Callable[[Alert], bool]:
        now = core.clock.now()
        marker = core.marker

        def keep(a: Alert) -> bool:
            if a.ends_at is not None and a.ends_at < now:
                return False
            core.inhibitor.mutes(a.fingerprint, a.labels)
            core.silencer.mutes(a.fingerprint, a.labels)
            status = marker.status(a.fingerprint)
            if not active and status.state is AlertState.ACTIVE:
                return False
            if not silenced and status.silenced_by:
                return False
            if not inhibited and status.inhibited_by:
                return False
            return matches_all(matchers, a.labels)

        return keep

    def parse_common(request: Request) -> tuple[list[Matcher], Callable[[str], bool] | None, bool, bool, bool]:
        return (
            _filters(request),
            _receiver_filter(request),
            _bool_param(request, "silenced"),
            _bool_param(request, "inhibited"),
            _bool_param(request, "active"),
        )

    @router.get("/status", responses=schema.responses(schema.AlertmanagerStatus, ()))
    async def get_status() -> Response:
        return json_response(
            {
                "cluster": core.cluster_status(),
                "versionInfo": core.version_info(),
                "config": {"original": core.config_text_redacted},
                "uptime": format_api_time(core.started_at),
            }
        )

    @router.get("/receivers", responses=schema.responses(list[schema.Receiver], ()))
    async def get_receivers() -> Response:
        return json_response([{"name": n} for n in core.receiver_names])

    @router.get("/alerts", responses=schema.responses(list[schema.GettableAlert]))
    async def get_alerts(request: Request) -> Response:
        try:
            matchers, rfilter, silenced, inhibited, active = parse_common(request)
            _bool_param(request, "unprocessed")
        except (MatcherError, ValueError) as exc:
            return error_response(str(exc))
        keep = alert_filter(matchers, silenced, inhibited, active)
        selected: list[tuple[Alert, list[str]]] = []
        for a in core.store.all():
            receivers = [r.receiver for r in core.dispatcher.routes_for(a)]
            if rfilter is not None and not any(rfilter(r) for r in receivers):
                continue
            if keep(a):
                selected.append((a, receivers))
        selected.sort(key=lambda x: x[0].fingerprint)
        statuses = [core.marker.status(a.fingerprint) for a, _ in selected]
        return StreamingResponse(_json_array(selected, statuses), media_type="application/json")

    @router.post(
        "/alerts",
        responses=schema.responses(None, (400, 413)),
        openapi_extra=schema.request_body(list[schema.PostableAlert]),
    )
    async def post_alerts(request: Request) -> Response:
        try:
            body = await read_body(request, core.max_request_bytes)
        except BodyTooLarge:
            status, payload = too_large(core)
        else:
            status, payload = await ingest_alerts(core, body)
        return Response(payload, status_code=status, media_type="application/json" if payload else None)

    @router.get("/alerts/groups", responses=schema.responses(list[schema.AlertGroup]))
    async def get_alert_groups(request: Request) -> Response:
        try:
            matchers, rfilter, silenced, inhibited, active = parse_common(request)
        except (MatcherError, ValueError) as exc:
            return error_response(str(exc))
        keep = alert_filter(matchers, silenced, inhibited, active)
        groups = []
        receivers_of: dict[int, list[str]] = {}
        for g in core.dispatcher.groups():
            receiver = g.route.receiver
            if rfilter is not None and not rfilter(receiver):
                continue
            alerts = [a for a in g.alerts.values() if keep(a)]
            if not alerts:
                continue
            for a in alerts:
                receivers_of.setdefault(a.fingerprint, []).append(receiver)
            groups.append((g.labels, receiver, alerts))
        groups.sort(key=_group_sort_key)
        out = []
        for labels, receiver, alerts in groups:
            alerts.sort(key=alert_sort_key)
            out.append(
                {
                    "alerts": [
                        gettable_alert(a, core.marker.status(a.fingerprint), sorted(receivers_of[a.fingerprint]))
                        for a in alerts
                    ],
                    "labels": labels,
                    "receiver": {"name": receiver},
                }
            )
        return json_response(out)

    @router.get("/silences", responses=schema.responses(list[schema.GettableSilence]))
    async def get_silences(request: Request) -> Response:
        try:
            matchers = _filters(request)
        except MatcherError as exc:
            return error_response(str(exc))
        now = core.clock.now()
        sils = [s for s in core.silences.query() if silence_matches_filter(s, matchers)]
        sils.sort(key=lambda s: _silence_sort_key(s, now))
        return json_response([gettable_silence(s, now) for s in sils])

    @router.post(
        "/silences",
        responses=schema.responses(schema.PostSilenceResponse, (400, 404, 413)),
        openapi_extra=schema.request_body(schema.PostableSilence),
    )
    async def post_silences(request: Request) -> Response:
        try:
            body = await read_body(request, core.max_request_bytes)
        except BodyTooLarge:
            return validation_error(f"request body larger than {core.max_request_bytes} bytes", 413)
        try:
            ps = silence_decoder.decode(body)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            return validation_error(f"invalid silence body: {exc}")
        except UnicodeDecodeError as exc:
            return validation_error(f"silence body is not valid UTF-8 (byte {exc.start})")
        try:
            matchers = [Matcher.from_flags(m.name, m.value, m.isRegex, m.isEqual) for m in ps.matchers]
        except MatcherError as exc:
            return error_response(f"invalid label matcher: {exc}")
        starts, ends = api_time(ps.startsAt), api_time(ps.endsAt)
        if starts >= ends:
            return error_response("Failed to create silence: start time must be before end time")
        now = core.clock.now()
        if ends < now:
            return error_response("Failed to create silence: end time can't be in the past")
        sil = Silence(
            id=ps.id or "",
            matchers=matchers,
            starts_at=starts,
            ends_at=ends,
            updated_at=now,
            created_by=ps.createdBy,
            comment=ps.comment,
        )
        try:
            sid = core.silences.set(sil)
        except SilenceNotFound:
            return error_response("not found", 404)
        except SilenceError as exc:
            return error_response(str(exc))
        if not await durable(core):
            return error_response(STORAGE_SLOW, 503)
        return json_response({"silenceID": sid})

    @router.get("/silence/{silence_id}", responses=schema.responses(schema.GettableSilence, (404, 422)))
    async def get_silence(silence_id: str) -> Response:
        if not _UUID_RE.match(silence_id):
            return validation_error(f"silenceID in path must be of type uuid: {silence_id!r}", 422)
        try:
            s = core.silences.get(silence_id)
        except SilenceNotFound:
            return Response(status_code=404)
        return json_response(gettable_silence(s, core.clock.now()))

    @router.delete("/silence/{silence_id}", responses=schema.responses(None, (404, 422, 500)))
    async def delete_silence(silence_id: str) -> Response:
        if not _UUID_RE.match(silence_id):
            return validation_error(f"silenceID in path must be of type uuid: {silence_id!r}", 422)
        try:
            core.silences.expire(silence_id)
        except SilenceNotFound:
            return Response(status_code=404)
        except SilenceError as exc:
            return error_response(str(exc), 500)
        if not await durable(core):
            return error_response(STORAGE_SLOW, 503)
        return Response(status_code=200)

    return router


def _silence_sort_key(s: Silence, now: Any) -> tuple[int, float]:
    st = s.state_at(now)
    if st is SilenceState.ACTIVE:
        return (0, s.ends_at.timestamp())
    if st is SilenceState.PENDING:
        return (1, s.starts_at.timestamp())
    return (2, -s.ends_at.timestamp())


class _LabelsKey:
    __slots__ = ("labels",)

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels

    def __lt__(self, other: _LabelsKey) -> bool:
        return label_set_before(self.labels, other.labels)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _LabelsKey) and self.labels == other.labels

    __hash__ = None  # type: ignore[assignment]


def _group_sort_key(g: tuple[dict[str, str], str, list[Alert]]) -> tuple[_LabelsKey, str]:
    return (_LabelsKey(g[0]), g[1])
