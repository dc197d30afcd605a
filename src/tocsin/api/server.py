"""The HTTP server: API v2 under the route prefix, health, readiness, reload, metrics and the OpenAPI document."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Receive, Scope, Send

from tocsin import __version__
from tocsin.api.slack_interactions import build_slack_router
from tocsin.api.tocsin_v1 import build_tocsin_router
from tocsin.api.v2 import build_router, error_response, ingest_alerts, too_large

if TYPE_CHECKING:
    from tocsin.app import Tocsin

_INDEX = """<!doctype html>
<html><head><meta charset="utf-8"><title>Tocsin</title></head>
<body><h1>Tocsin {version}</h1>
<p>Alertmanager-compatible API: <a href="{prefix}/api/v2/alerts">alerts</a>,
<a href="{prefix}/api/v2/alerts/groups">alert groups</a>, <a href="{prefix}/api/v2/silences">silences</a>,
<a href="{prefix}/api/v2/status">status</a>, <a href="{prefix}/api/v2/docs">OpenAPI</a>,
<a href="{prefix}/metrics">metrics</a>.</p></body></html>
"""


class IngestFastPath:
    """Serves POST /api/v2/alerts straight from ASGI, in front of FastAPI.

    Ingestion is the one endpoint that sees sustained load (every Prometheus evaluation re-sends every alert);
    skipping the framework's middleware and routing layers saves a large share of its per-request cost. The
    FastAPI route of the same path stays for the OpenAPI document and behaves identically.
    """

    def __init__(self, app: ASGIApp, core: Tocsin, path: str) -> None:
        self.app = app
        self._core = core
        self._path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self._path:
            await self.app(scope, receive, send)
            return
        status, payload = await self._handle(receive)
        headers = [(b"content-length", str(len(payload)).encode())]
        if payload:
            headers.append((b"content-type", b"application/json"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def _handle(self, receive: Receive) -> tuple[int, bytes]:
        limit = self._core.max_request_bytes
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return 400, b""
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return too_large(self._core)
            chunks.append(chunk)
            more = message.get("more_body", False)
        return await ingest_alerts(self._core, b"".join(chunks))


def create_app(core: Tocsin, route_prefix: str = "/") -> ASGIApp:
    prefix = "/" + route_prefix.strip("/") if route_prefix.strip("/") else ""
    app = FastAPI(
        title="Tocsin",
        version=__version__,
        description="Alertmanager-compatible API v2 served by Tocsin.",
        openapi_url=f"{prefix}/api/v2/openapi.json",
        docs_url=f"{prefix}/api/v2/docs",
        redoc_url=None,
    )
    app.include_router(build_router(core), prefix=f"{prefix}/api/v2")
    app.include_router(build_tocsin_router(core), prefix=f"{prefix}/api/tocsin/v1", tags=["tocsin"])
    app.include_router(build_slack_router(core), prefix=f"{prefix}/api/tocsin/v1", tags=["tocsin"])

    @app.get(f"{prefix}/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> str:
        return _INDEX.format(prefix=prefix, version=__version__)

    @app.get(f"{prefix}/-/healthy", response_class=PlainTextResponse)
    @app.head(f"{prefix}/-/healthy", response_class=PlainTextResponse)
    async def healthy() -> str:
        return "OK"

    @app.get(f"{prefix}/-/ready", response_class=PlainTextResponse)
    @app.head(f"{prefix}/-/ready", response_class=PlainTextResponse)
    async def ready() -> Response:
        if core.ready:
            return PlainTextResponse("OK")
        return PlainTextResponse("not ready", status_code=503)

    @app.post(f"{prefix}/-/reload")
    async def reload() -> Response:
        err = await core.reload()
        if err is not None:
            return PlainTextResponse(f"failed to reload config: {err}", status_code=500)
        return Response(status_code=200)

    @app.get(f"{prefix}/metrics")
    async def metrics() -> Response:
        core.update_gauges()
        return Response(generate_latest(core.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    if prefix:

        @app.get("/-/healthy", include_in_schema=False)
        async def healthy_root() -> str:
            return "OK"

    @app.exception_handler(404)
    async def not_found(_request: object, _exc: object) -> Response:
        return error_response("not found", 404)

    return IngestFastPath(app, core, f"{prefix}/api/v2/alerts")
