"""Log set-up: logfmt-style lines by default, one JSON object per line with --log.format=json.

Modules log through the standard library (`logging.getLogger(__name__)` with `extra={...}` fields); structlog
renders the records, so third-party libraries' logs come out in the same format.
"""

from __future__ import annotations

import logging
import sys

import structlog

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING, "error": logging.ERROR}


def configure_logging(level: str = "info", fmt: str = "logfmt") -> None:
    if level not in _LEVELS:
        raise ValueError(f"--log.level must be one of {', '.join(_LEVELS)}, not {level!r}")
    if fmt not in ("logfmt", "json"):
        raise ValueError(f"--log.format must be logfmt or json, not {fmt!r}")
    renderer: structlog.types.Processor
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.processors.LogfmtRenderer(key_order=["ts", "level", "logger", "event"])
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(_LEVELS[level])
    for noisy in ("uvicorn.access", "httpx", "httpcore", "alembic", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
