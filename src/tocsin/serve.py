"""`tocsin serve`: runs the server until SIGTERM/SIGINT, reloading the configuration on SIGHUP."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import socket
import sys
from urllib.parse import urlparse

import uvicorn

from tocsin.api.server import create_app
from tocsin.app import ServeOptions, Tocsin
from tocsin.config import ConfigError
from tocsin.telemetry.gcpacer import GcPacer

log = logging.getLogger(__name__)


# Idle keep-alive connections are kept this long (Go's http.Transport drops its own after 90 s).
KEEP_ALIVE_SECONDS = 120


def _host_port(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    host = host.strip("[]") or "0.0.0.0"
    try:
        return host, int(port)
    except ValueError:
        raise SystemExit(f"--web.listen-address: invalid address {listen!r} (want host:port)") from None


async def serve(opts: ServeOptions, sock: socket.socket | None = None) -> int:
    core = Tocsin(opts)
    try:
        await core.start()
    except ConfigError as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        await core.stop()
        return 1
    prefix = opts.route_prefix if opts.route_prefix is not None else urlparse(core.external_url).path
    app = create_app(core, prefix or "/")
    tune_gc()
    host, port = _host_port(opts.listen_address)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            lifespan="off",
            http="httptools",
            loop="none",
            timeout_graceful_shutdown=5,
            limit_concurrency=4096,
            backlog=4096,
            # uvicorn closes idle connections after 5 s by default; Go clients (Prometheus, amtool, Grafana) reuse
            # them and a POST racing the close fails with "connection reset" (Go does not retry POSTs). Keep them
            # as long as clients typically do.
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            ws="none",
        )
    )
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(core.reload()))
    pacer = GcPacer(core.clock)
    pacer.start()
    log.info("listening", extra={"address": opts.listen_address, "external_url": core.external_url})
    try:
        await server.serve(sockets=[sock] if sock is not None else None)
    finally:
        await pacer.stop()
        await core.stop()
    return 0


def tune_gc() -> None:
    """Keep the cyclic garbage collector off the ingest and notification paths.

    Start-up objects are frozen out of collection, without a collection first: the collector is off while
    `tocsin serve` imports, so all ~185,000 start-up objects are in the youngest generation and collecting them
    would walk every one of them (50-60 ms before the server can answer). What that collection would free is the
    imports' cyclic garbage, ~4,000 objects (mostly temporary classes that pydantic and attrs build and discard,
    about 2 MB), which stays frozen instead. The youngest generation is collected every 2,000 allocations
    and the middle one every tenth time, so a middle-generation collection walks at most ~20,000 young survivors
    (a few ms; with the earlier 20,000 x 10 it was ~200,000 and 100 ms). Automatic full collections are off:
    `telemetry.gcpacer.GcPacer` runs one every ten minutes, because a full walk over tens of thousands of live
    alerts stops the event loop for 80-200 ms. Interleaved ingestion runs showed no throughput difference between
    2,000 x 10 and 5,000 x 4 (bench/RESULTS.md); 2,000 x 10 gave the lower notification p99.
    """
    gc.freeze()
    gc.set_threshold(2_000, 10, 1_000_000)
    gc.enable()  # `tocsin serve` turns it off while importing (a fifth of the start-up time goes to collections)


def run(opts: ServeOptions, sock: socket.socket | None = None) -> int:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(serve(opts, sock))
    return uvloop.run(serve(opts, sock))
