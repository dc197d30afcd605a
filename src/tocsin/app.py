"""Wiring: builds Tocsin's object graph from the options and the configuration, and rebuilds on reload.

Long-lived state (alert store, silences, notification log, storage) survives reloads; the config-scoped parts
(routing tree, inhibitor, receivers' pipelines, dispatcher) are replaced as a whole, as in Alertmanager.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import platform
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx

from tocsin import __version__
from tocsin.alerting.dispatch import Dispatcher
from tocsin.alerting.inhibit import Inhibitor, InhibitRule
from tocsin.alerting.marker import AlertState, Marker
from tocsin.alerting.nflog import NotificationLog
from tocsin.alerting.route import RouteNode, build_route_tree
from tocsin.alerting.silences import Silencer, Silences
from tocsin.alerting.store import AlertStore
from tocsin.alerting.timeinterval import TimeInterval
from tocsin.config import Config, ConfigError, load_config_file
from tocsin.escalation.acknowledge import GroupAcknowledger
from tocsin.escalation.acks import AckStore
from tocsin.ingest.alerts import LabelSetCache
from tocsin.model.clock import Clock, SystemClock
from tocsin.notify.http import new_http_client
from tocsin.notify.integration import NotifierDeps
from tocsin.notify.outbox import DEAD, PENDING, Outbox
from tocsin.notify.pipeline import Pipeline, ReceiverPipeline
from tocsin.notify.registry import build_integrations
from tocsin.notify.webhook import USER_AGENT
from tocsin.storage.sql import SqlRepository, sqlite_url_for_dir
from tocsin.storage.writer import WriteBehind
from tocsin.telemetry.metrics import Metrics

if TYPE_CHECKING:
    from tocsin.notify.template import Templates

log = logging.getLogger(__name__)

ALERTMANAGER_API_VERSION = "0.25.0"


@dataclass
class ServeOptions:
    config_file: str
    storage_path: str = "data/"
    storage_url: str | None = None
    listen_address: str = ":9093"
    external_url: str = ""
    route_prefix: str | None = None
    data_retention: float = 120 * 3600.0
    gc_interval: float = 1800.0
    maintenance_interval: float = 900.0
    dispatch_start_delay: float = 0.0
    max_request_bytes: int = 10 * 1024 * 1024
    # Accepted for drop-in compatibility; Tocsin runs as a cluster of one (see cluster_status()).
    cluster_listen_address: str = ""


# Old http_config clients outlive a reload by the outbox's longest attempt (60 s) plus a margin.
RETIRED_CLIENT_GRACE = 90.0


def default_external_url(listen_address: str) -> str:
    host, _, port = listen_address.rpartition(":")
    if not host or host in ("0.0.0.0", "::", "[::]"):
        host = socket.gethostname()
    return f"http://{host}:{port or '9093'}"


class Tocsin:
    """The running server's state, shared by the API and the background tasks."""

    def __init__(self, opts: ServeOptions, clock: Clock | None = None) -> None:
        self.opts = opts
        self.clock: Clock = clock or SystemClock()
        self.metrics = Metrics()
        self.marker = Marker()
        self.label_sets = LabelSetCache()
        self.max_request_bytes = opts.max_request_bytes
        # How long an API write waits for the database before answering 503 (the change stays queued).
        self.write_timeout = 10.0
        self.external_url = (opts.external_url or default_external_url(opts.listen_address)).rstrip("/")
        self.repo: SqlRepository | None = None
        self.writer: WriteBehind | None = None
        # Created in start(), once storage is open.
        self.store: AlertStore
        self.silences: Silences
        self.nflog: NotificationLog
        self.silencer: Silencer
        self.outbox: Outbox
        self.config: Config | None = None
        self.config_text_redacted = ""
        self.receiver_names: list[str] = []
        self.resolve_timeout = 300.0
        self.started_at: datetime = self.clock.now()
        self.ready = False
        self.node_name = uuid.uuid4().hex[:26].upper()
        self._http = new_http_client(USER_AGENT)
        self._reload_lock = asyncio.Lock()
        self._retired_deps: list[NotifierDeps] = []
        self._background: set[asyncio.Task[None]] = set()
        self._unsubscribe: list[Any] = []
        self._time_intervals: dict[str, list[TimeInterval]] = {}
        self._dispatch_task: asyncio.Task[None] | None = None
        # Set by the first successful configuration load.
        self.route: RouteNode
        self.inhibitor: Inhibitor
        self.dispatcher: Dispatcher
        self.pipeline: Pipeline
        self.acks: AckStore
        self.acknowledger: GroupAcknowledger
        self._deps: NotifierDeps

    # -- lifecycle ----------------------------------------------------------------------------------------

    async def start(self) -> None:
        config = load_config_file(self.opts.config_file)  # raises ConfigError: the caller reports it
        url = self.opts.storage_url or os.environ.get("TOCSIN_STORAGE_URL") or sqlite_url_for_dir(
            self.opts.storage_path
        )
        self.repo = await SqlRepository.open(url)
        self.writer = WriteBehind(self.repo, self.metrics)
        self.writer.start()
        opts = self.opts
        self.store = AlertStore(self.clock, self.marker, self.writer, gc_interval=opts.gc_interval)
        self.silences = Silences(
            self.clock, self.writer, self.metrics, opts.data_retention, opts.maintenance_interval
        )
        self.nflog = NotificationLog(
            self.clock, self.writer, self.metrics, opts.data_retention, opts.maintenance_interval
        )
        self.silencer = Silencer(self.silences, self.marker, self.clock)
        self.acks = AckStore(self.clock, self.writer)
        self.outbox = Outbox(
            self.clock,
            self.writer,
            self.nflog,
            lambda receiver, integration, idx: self.pipeline.find(receiver, integration, idx),
            self.metrics,
            self.repo,
            retention=opts.data_retention,
        )
        self.store.load(await self.repo.load_alerts())
        self.silences.load(await self.repo.load_silences())
        self.nflog.load(await self.repo.load_nflog())
        self.outbox.load(await self.repo.load_outbox([PENDING, DEAD]))
        self.acks.load(await self.repo.load_acks())
        log.info(
            "state restored",
            extra={"alerts": len(self.store), "silences": len(self.silences.all()),
                   "nflog_entries": len(self.nflog.entries())},
        )
        self.started_at = self.clock.now()
        self._apply_config(config)
        self.store.start()
        self.silences.start()
        self.nflog.start()
        self.outbox.start()
        self.metrics.cluster_enabled.set(0)
        self.metrics.build_info.labels(__version__, "", "", platform.python_version()).set(1)
        if self.opts.dispatch_start_delay > 0:
            self._dispatch_task = asyncio.create_task(self._delayed_dispatch())
        else:
            self.dispatcher.start()
        self.ready = True

    async def _delayed_dispatch(self) -> None:
        await self.clock.sleep(self.opts.dispatch_start_delay)
        self.dispatcher.start()

    async def stop(self) -> None:
        self.ready = False
        if self._dispatch_task is not None:
            self._dispatch_task.cancel()
        if hasattr(self, "dispatcher"):
            await self.dispatcher.stop()
        if hasattr(self, "store"):
            for component in (self.store, self.silences, self.nflog, self.outbox):
                await component.stop()
        if hasattr(self, "pipeline"):
            await self.pipeline.close()
            await self._deps.close_clients()
        for task in list(self._background):
            task.cancel()
        for deps in self._retired_deps:
            await deps.close_clients()
        self._retired_deps.clear()
        await self._http.aclose()
        if self.writer is not None:
            await self.writer.stop()
        if self.repo is not None:
            await self.repo.close()

    # -- configuration ------------------------------------------------------------------------------------

    async def reload(self) -> str | None:
        """Re-read the configuration file; on error keep the running configuration and report why."""
        async with self._reload_lock:
            try:
                config = load_config_file(self.opts.config_file)
            except ConfigError as exc:
                self.metrics.config_last_reload_successful.set(0)
                log.error("reload failed", extra={"err": str(exc)})
                return str(exc)
            old_dispatcher = self.dispatcher
            for unsub in self._unsubscribe:
                unsub()
            await old_dispatcher.stop()
            await self.pipeline.close()
            # Deliveries in flight may still use the old http_config clients: closing them now could fail a
            # request the service already accepted (sent again on retry). They are closed after the longest attempt.
            self._retired_deps.append(self._deps)
            task = asyncio.create_task(self._close_retired_later(self._deps))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            self._apply_config(config)
            self.dispatcher.start()
            log.info("configuration reloaded", extra={"file": self.opts.config_file})
            return None

    def _apply_config(self, config: Config) -> None:
        self.config = config
        self.resolve_timeout = float(config.global_.resolve_timeout)
        self.config_text_redacted = config.to_yaml_redacted()
        self.receiver_names = [r.name for r in config.receivers]
        self._time_intervals = {ti.name: [s.to_interval() for s in ti.time_intervals] for ti in config.time_intervals}
        self.route = build_route_tree(config.route)
        rules = [
            InhibitRule(list(r.source_matchers), list(r.target_matchers), list(r.equal))
            for r in config.inhibit_rules
        ]
        self.inhibitor = Inhibitor(rules, self.marker, self.clock)
        receivers = {}
        n_integrations = 0
        def templates() -> Templates:
            from tocsin.notify.template import Templates

            return Templates.from_globs(list(config.templates), clock=self.clock)

        deps = self._deps = NotifierDeps(self._http, templates, self.clock, self.external_url)
        for r in config.receivers:
            integrations = build_integrations(r, deps)
            n_integrations += len(integrations)
            receivers[r.name] = ReceiverPipeline(integrations, self.nflog, self.outbox, self.acks)
        self.pipeline = Pipeline(receivers, self.inhibitor, self.silencer, self._interval_active, self.marker)
        self.acknowledger = GroupAcknowledger(
            self.clock, self.acks, self.nflog, self.outbox, self.pipeline, self.external_url
        )
        self.dispatcher = Dispatcher(
            self.route, self.clock, self.pipeline.exec, self.metrics, external_url=self.external_url
        )
        self._unsubscribe = [
            self.store.subscribe(self.inhibitor.observe),
            self.store.subscribe(self.dispatcher.process),
        ]
        m = self.metrics
        m.receivers.set(len(receivers))
        m.integrations.set(n_integrations)
        m.config_hash.set(int(hashlib.sha256(config.original.encode()).hexdigest()[:12], 16))
        m.config_last_reload_successful.set(1)
        m.config_last_reload_success_timestamp.set(self.clock.now().timestamp())

    async def _close_retired_later(self, deps: NotifierDeps) -> None:
        await self.clock.sleep(RETIRED_CLIENT_GRACE)
        await deps.close_clients()
        if deps in self._retired_deps:
            self._retired_deps.remove(deps)

    @property
    def http(self) -> httpx.AsyncClient:
        """The shared HTTP client (channels, Slack interaction replies)."""
        return self._http

    def _interval_active(self, name: str, now: datetime) -> bool:
        return any(ti.contains(now) for ti in self._time_intervals.get(name, ()))

    # -- reporting ----------------------------------------------------------------------------------------

    def cluster_status(self) -> dict[str, Any]:
        """Alertmanager's cluster block: "disabled" without --cluster.listen-address, else a ready cluster of one.

        Replicas share state through the database rather than gossip, so this node is its only peer.
        """
        if not self.opts.cluster_listen_address:
            return {"status": "disabled", "peers": []}
        return {
            "name": self.node_name,
            "status": "ready",
            "peers": [{"name": self.node_name, "address": self.opts.cluster_listen_address}],
        }

    def version_info(self) -> dict[str, str]:
        # `version` is the Alertmanager API level Tocsin implements, so amtool's version check stays quiet;
        # Tocsin's own version is in `revision`.
        return {
            "branch": "tocsin",
            "buildDate": "",
            "buildUser": "",
            "goVersion": f"python{platform.python_version()}",
            "revision": f"tocsin-{__version__}",
            "version": ALERTMANAGER_API_VERSION,
        }

    def update_gauges(self) -> None:
        m = self.metrics
        now = self.clock.now()
        counts = dict.fromkeys(AlertState, 0)
        for a in self.store.all():
            if a.resolved_at(now):
                continue
            counts[self.marker.status(a.fingerprint).state] += 1
        for state in (AlertState.ACTIVE, AlertState.SUPPRESSED, AlertState.UNPROCESSED):
            m.alerts.labels(state.value).set(counts[state])
            m.marked_alerts.labels(state.value).set(counts[state])
        for sstate, n in self.silences.count_by_state().items():
            m.silences.labels(sstate.value).set(n)
        if self.writer is not None:
            m.write_queue_depth.set(self.writer.depth())
