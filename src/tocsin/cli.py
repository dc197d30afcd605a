"""The `tocsin` command line: a thin layer that parses flags and hands over to the packages."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from tocsin.model.duration import parse_duration

_GROUPS = ("ml", "template", "alert", "silence", "config", "notify")
_LOCAL_COMMANDS = ("serve", "check")

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Tocsin alerting engine.")


def _duration(flag: str, value: str) -> float:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=flag) from None


@app.command(context_settings={"allow_extra_args": False})
def serve(
    config_file: str = typer.Option("tocsin.yml", "--config.file", help="Configuration file (Alertmanager's format)."),
    storage_path: str = typer.Option("data/", "--storage.path", help="Directory for the embedded SQLite database."),
    storage_url: str = typer.Option(
        "", "--storage.url", help="SQLAlchemy URL of the database (e.g. postgresql+asyncpg://...); overrides the path."
    ),
    listen_address: str = typer.Option(":9093", "--web.listen-address", help="Address to listen on."),
    external_url: str = typer.Option("", "--web.external-url", help="URL under which Tocsin is reachable."),
    route_prefix: str = typer.Option(None, "--web.route-prefix", help="Prefix for the HTTP routes."),
    data_retention: str = typer.Option("120h", "--data.retention", help="How long to keep silences and nflog."),
    gc_interval: str = typer.Option("30m", "--alerts.gc-interval", help="Interval between alert GC runs."),
    dispatch_start_delay: str = typer.Option("0s", "--dispatch.start-delay", help="Delay before dispatching."),
    max_request_bytes: int = typer.Option(10 * 1024 * 1024, "--web.max-request-bytes", help="Largest request body."),
    log_level: str = typer.Option("info", "--log.level", help="debug, info, warn or error."),
    log_format: str = typer.Option("logfmt", "--log.format", help="logfmt or json."),
    cluster_listen_address: str = typer.Option(
        "", "--cluster.listen-address", help="Accepted for compatibility; empty means a single node."
    ),
    cluster_peer: list[str] = typer.Option([], "--cluster.peer", help="Accepted for compatibility (ignored)."),
    cluster_advertise_address: str = typer.Option("", "--cluster.advertise-address", hidden=True),
    cluster_gossip_interval: str = typer.Option("", "--cluster.gossip-interval", hidden=True),
    cluster_pushpull_interval: str = typer.Option("", "--cluster.pushpull-interval", hidden=True),
    cluster_peer_timeout: str = typer.Option("", "--cluster.peer-timeout", hidden=True),
    cluster_settle_timeout: str = typer.Option("", "--cluster.settle-timeout", hidden=True),
    cluster_reconnect_interval: str = typer.Option("", "--cluster.reconnect-interval", hidden=True),
    cluster_reconnect_timeout: str = typer.Option("", "--cluster.reconnect-timeout", hidden=True),
    cluster_tcp_timeout: str = typer.Option("", "--cluster.tcp-timeout", hidden=True),
    cluster_probe_timeout: str = typer.Option("", "--cluster.probe-timeout", hidden=True),
    cluster_probe_interval: str = typer.Option("", "--cluster.probe-interval", hidden=True),
    cluster_label: str = typer.Option("", "--cluster.label", hidden=True),
    cluster_tls_config: str = typer.Option("", "--cluster.tls-config", hidden=True),
    cluster_allow_insecure: bool = typer.Option(
        False, "--cluster.allow-insecure-public-advertise-address-discovery", hidden=True
    ),
    data_maintenance_interval: str = typer.Option(
        "15m", "--data.maintenance-interval", help="Interval between silence and notification-log GC runs."
    ),
    web_get_concurrency: int = typer.Option(0, "--web.get-concurrency", hidden=True, help="Accepted, unused."),
    web_timeout: str = typer.Option("0s", "--web.timeout", hidden=True, help="Accepted, unused."),
    web_ui_path: str = typer.Option("", "--web.ui-path", hidden=True, help="Accepted, unused."),
    web_config_file: str = typer.Option(
        "", "--web.config.file", help="TLS/basic-auth web config: not supported yet, refused when set."
    ),
    web_systemd_socket: bool = typer.Option(False, "--web.systemd-socket", hidden=True),
) -> None:
    """Run the Tocsin server (flags as Alertmanager's)."""
    import socket as _socket

    if web_config_file:
        raise typer.BadParameter(
            "TLS and basic auth for the web server are not supported yet; terminate TLS in a proxy",
            param_hint="--web.config.file",
        )

    # Listen before the heavy imports: clients that connect during start-up wait for the answer instead of
    # being refused (Alertmanager's acceptance framework polls the status endpoint on a short schedule).
    host, _, port = listen_address.rpartition(":")
    try:
        sock = _socket.create_server((host.strip("[]") or "", int(port)), backlog=4096, reuse_port=False)
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(
            f"cannot listen on {listen_address!r}: {exc}", param_hint="--web.listen-address"
        ) from None

    # The imports below allocate heavily and create no garbage worth collecting; collections during them cost
    # ~100 ms of start-up. `tune_gc` turns the collector back on once the server is up.
    import gc

    gc.disable()
    from tocsin.app import ServeOptions
    from tocsin.serve import run
    from tocsin.telemetry.logging import configure_logging

    try:
        configure_logging(log_level, log_format)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    opts = ServeOptions(
        config_file=config_file,
        storage_path=storage_path,
        storage_url=storage_url or None,
        listen_address=listen_address,
        external_url=external_url,
        route_prefix=route_prefix,
        data_retention=_duration("--data.retention", data_retention),
        gc_interval=_duration("--alerts.gc-interval", gc_interval),
        dispatch_start_delay=_duration("--dispatch.start-delay", dispatch_start_delay),
        maintenance_interval=_duration("--data.maintenance-interval", data_maintenance_interval),
        max_request_bytes=max_request_bytes,
        cluster_listen_address=cluster_listen_address,
    )
    raise typer.Exit(run(opts, sock))


@app.command()
def check(files: list[Path] = typer.Argument(..., help="Configuration files to validate.")) -> None:
    """Validate configuration files; prints every problem with file:line and exits non-zero on any."""
    from tocsin.config.commands import check as run_check

    raise typer.Exit(run_check(files, extra_checks=_runtime_checks))


def _runtime_checks(config: Any) -> list[str]:
    """What only the running parts can judge: templates parse, every configured channel can be built."""
    import asyncio

    import httpx

    from tocsin.model.clock import SystemClock
    from tocsin.notify.inline_templates import inline_template_problems
    from tocsin.notify.integration import NotifierDeps
    from tocsin.notify.registry import integration_problems
    from tocsin.notify.template import TemplateError, Templates

    problems = []
    try:
        templates = Templates.from_globs(list(config.templates))
    except TemplateError as exc:
        problems.append(f"templates: {exc}")
        templates = Templates.from_globs([])

    async def channels() -> list[str]:
        async with httpx.AsyncClient() as http:
            return integration_problems(config.receivers, NotifierDeps(http, templates, SystemClock()))

    problems += inline_template_problems(config.original, templates, config)
    problems += [f"receivers: {p}" for p in asyncio.run(channels())]
    return problems


def _register(command: str | None) -> None:
    """Attach the command groups; only the one being run is imported, so `tocsin serve` starts fast."""
    if command in (None, "ml"):
        from tocsin.ml.commands import ml_app

        app.add_typer(ml_app, name="ml", help="Anomaly detection and forecasting tools.")
    if command in (None, "alert", "silence", "config"):
        from tocsin.api.commands import alert_app, config_app, silence_app

        app.add_typer(alert_app, name="alert", help="Add and query alerts (like amtool alert).")
        app.add_typer(silence_app, name="silence", help="Manage silences (like amtool silence).")
        app.add_typer(config_app, name="config", help="Show the running configuration and routes.")
    if command in (None, "notify"):
        from tocsin.api.notify_commands import notify_app

        app.add_typer(notify_app, name="notify", help="Notification delivery: history, retry, test.")
    if command in (None, "group"):
        from tocsin.api.group_commands import group_app

        app.add_typer(group_app, name="group", help="Alert groups: list, acknowledge, withdraw an acknowledgement.")
    if command in (None, "template"):
        from tocsin.notify.template.commands import template_app

        app.add_typer(template_app, name="template", help="Notification template tools (like amtool's).")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    command = args[0] if args and args[0] in _GROUPS else None
    if args and args[0] in _LOCAL_COMMANDS:
        command = args[0]
    _register(command)
    app()


if __name__ == "__main__":
    main()
