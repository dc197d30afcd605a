"""The durable outbox: every notification is persisted before its first attempt and kept until a channel took it.

The notification pipeline decides *what* to send (dedup against the notification log) and hands it here. The
outbox then owns delivery: attempts with exponential backoff and jitter (honouring a service's Retry-After), a
circuit breaker and a rate limit per endpoint, no deadline (a ten-minute Slack outage only delays), and a dead
letter with the service's answer for permanent failures. A newer notification for the same group and integration
replaces one still waiting, so a recovering channel gets the group's current state, not a backlog. Pending
entries survive restarts; finished ones are the delivery history.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import random
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from tocsin.alerting.nflog import NotificationLog
from tocsin.model.ack import Acknowledgement
from tocsin.model.alert import Alert
from tocsin.model.clock import Clock, cancel_and_wait, sleep_or_wake
from tocsin.model.notification import OutboxEntry
from tocsin.notify.breaker import CircuitBreaker, CircuitState
from tocsin.notify.context import ACKNOWLEDGE, NOTIFY, NotifyContext
from tocsin.notify.dedup import needs_update
from tocsin.notify.integration import Integration, NotifyError
from tocsin.notify.ratelimit import TokenBucket, bucket_for
from tocsin.storage.repository import Repository
from tocsin.storage.timeconv import from_micros, from_micros_opt, to_micros, to_micros_opt
from tocsin.storage.writer import WriteBehind
from tocsin.telemetry.metrics import Metrics

log = logging.getLogger(__name__)

PENDING, DELIVERED, DEAD, SUPERSEDED = "pending", "delivered", "dead", "superseded"
FINISHED = (DELIVERED, DEAD, SUPERSEDED)

Endpoint = tuple[str, str, int]  # receiver, integration, index
Target = tuple[str, str, str, int]  # group key + endpoint
FindIntegration = Callable[[str, str, int], Integration | None]


def retry_delay(attempts: int, rng: random.Random) -> float:
    """Alertmanager's backoff (0.5 s, x1.5, capped at 60 s) with ±50 % jitter, for the n-th failed attempt."""
    base = min(0.5 * 1.5 ** max(0, attempts - 1), 60.0)
    return base * (0.5 + rng.random())


def _encode_ack(ack: Acknowledgement) -> dict[str, Any]:
    return {
        "by": ack.acked_by,
        "at": to_micros(ack.acked_at),
        "comment": ack.comment,
        "source": ack.source,
        "fingerprints": [f"{fp:016x}" for fp in sorted(ack.fingerprints)],
    }


def _decode_ack(raw: dict[str, Any], ctx: NotifyContext, tenant: str) -> Acknowledgement:
    return Acknowledgement(
        group_key=ctx.group_key,
        receiver=ctx.receiver,
        acked_by=raw["by"],
        acked_at=from_micros(raw["at"]),
        comment=raw["comment"],
        fingerprints=frozenset(int(fp, 16) for fp in raw["fingerprints"]),
        source=raw["source"],
        tenant=tenant,
    )


def encode_payload(ctx: NotifyContext, alerts: Sequence[Alert], firing: set[int], resolved: set[int]) -> dict[str, Any]:
    c: dict[str, Any] = {
        "group_key": ctx.group_key,
        "group_labels": ctx.group_labels,
        "receiver": ctx.receiver,
        "now": to_micros(ctx.now),
        "repeat_interval": ctx.repeat_interval,
        "external_url": ctx.external_url,
    }
    if ctx.event != NOTIFY:
        c["event"] = ctx.event
    if ctx.ack is not None:
        c["ack"] = _encode_ack(ctx.ack)
    return {
        "ctx": c,
        "alerts": [
            {
                "labels": a.labels,
                "annotations": a.annotations,
                "starts_at": to_micros(a.starts_at),
                "ends_at": to_micros_opt(a.ends_at),
                "updated_at": to_micros(a.updated_at),
                "generator_url": a.generator_url,
                "timeout": a.timeout,
                "fingerprint": f"{a.fingerprint:016x}",
            }
            for a in alerts
        ],
        "firing": [f"{fp:016x}" for fp in sorted(firing)],
        "resolved": [f"{fp:016x}" for fp in sorted(resolved)],
    }


def slot_of(entry: OutboxEntry) -> Target:
    """The queue slot an entry occupies: the group's notification slot, its event slot, or one of its own (tests
    and re-queued dead letters). Derived from the entry, so it is the same when queued and after a restart."""
    endpoint = (entry.receiver, entry.integration, entry.idx)
    if entry.payload.get("test"):
        return (f"test:{entry.id}", *endpoint)
    if entry.payload.get("retried"):
        return (f"retry:{entry.id}", *endpoint)
    event = entry.payload.get("ctx", {}).get("event")
    if event:
        return (f"{event}:{entry.group_key}", *endpoint)
    return (entry.group_key, *endpoint)


def is_event(payload: dict[str, Any]) -> bool:
    """A test notification or an event (acknowledgement): delivered outside the notification log's dedup."""
    return "test" in payload or "event" in payload["ctx"]


def decode_payload(
    payload: dict[str, Any], tenant: str = "default"
) -> tuple[NotifyContext, list[Alert], set[int], set[int]]:
    c = payload["ctx"]
    ctx = NotifyContext(
        group_key=c["group_key"],
        group_labels=dict(c["group_labels"]),
        receiver=c["receiver"],
        now=from_micros(c["now"]),
        repeat_interval=float(c["repeat_interval"]),
        external_url=c["external_url"],
        event=c.get("event", NOTIFY),
    )
    if "ack" in c:
        ctx.ack = _decode_ack(c["ack"], ctx, tenant)
    alerts = [
        Alert(
            labels=a["labels"],
            annotations=a["annotations"],
            starts_at=from_micros(a["starts_at"]),
            ends_at=from_micros_opt(a["ends_at"]),
            updated_at=from_micros(a["updated_at"]),
            generator_url=a["generator_url"],
            timeout=bool(a["timeout"]),
            fingerprint=int(a["fingerprint"], 16),
        )
        for a in payload["alerts"]
    ]
    return ctx, alerts, {int(x, 16) for x in payload["firing"]}, {int(x, 16) for x in payload["resolved"]}


class Outbox:
    def __init__(
        self,
        clock: Clock,
        writer: WriteBehind | None,
        nflog: NotificationLog,
        find: FindIntegration,
        metrics: Metrics | None = None,
        repo: Repository | None = None,
        retention: float = 120 * 3600.0,
        attempt_timeout: float = 60.0,
        tenant: str = "default",
        rng: random.Random | None = None,
        max_in_flight: int = 64,
        max_in_flight_per_endpoint: int = 8,
    ) -> None:
        self._clock = clock
        self._writer = writer
        self._nflog = nflog
        self._find = find
        self._metrics = metrics
        self._repo = repo
        self._retention = timedelta(seconds=retention)
        self._attempt_timeout = attempt_timeout
        self._tenant = tenant
        self._rng = rng or random.Random()
        self._pending: dict[Target, OutboxEntry] = {}
        self._timeline: list[tuple[float, int, Target]] = []  # (due, tiebreak, target) of pending entries
        self._ready: dict[Endpoint, deque[Target]] = {}
        self._blocked: set[Target] = set()
        self._seq = itertools.count()
        self._inflight: dict[Target, OutboxEntry] = {}
        self._dead: dict[str, OutboxEntry] = {}
        self._recent: dict[str, OutboxEntry] = {}  # finished entries, for history without a database
        self._breakers: dict[Endpoint, CircuitBreaker] = {}
        self._buckets: dict[Endpoint, TokenBucket | None] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[Any]] = set()
        self._last_gc = 0.0
        self._stop_grace = 10.0
        self._metric_children: dict[str, tuple[Any, Any, Any]] = {}
        # Bounded concurrency: beyond this, work waits here (cheap) rather than in the HTTP client's connection pool,
        # whose queueing cost grows with its length and starves ingestion on the same event loop.
        self.max_in_flight = max_in_flight
        self.max_in_flight_per_endpoint = max_in_flight_per_endpoint

    # -- state --------------------------------------------------------------------------------------------

    def load(self, entries: Sequence[OutboxEntry]) -> None:
        """Restore pending entries and dead letters at start-up."""
        for e in entries:
            if e.status == PENDING:
                target = slot_of(e)
                self._pending[target] = e
                self._schedule(target, e)
            elif e.status == DEAD:
                self._dead[e.id] = e
        self._update_gauges()

    def pending(self) -> list[OutboxEntry]:
        return [*self._inflight.values(), *self._pending.values()]

    def dead_letters(self) -> list[OutboxEntry]:
        return list(self._dead.values())

    def circuit_state(self, receiver: str, integration: str, idx: int) -> CircuitState:
        b = self._breakers.get((receiver, integration, idx))
        return CircuitState.CLOSED if b is None else b.state

    async def history(
        self, group_key: str | None = None, status: str | None = None, limit: int = 100
    ) -> list[OutboxEntry]:
        """Pending deliveries first, then finished ones (newest first)."""
        live = [e for e in self.pending() if group_key is None or e.group_key == group_key]
        if status is not None and status != PENDING:
            live = []
        if status == PENDING:
            return live[:limit]
        if self._repo is not None:
            statuses = [status] if status is not None else list(FINISHED)
            done = await self._repo.load_outbox(statuses, group_key, limit, self._tenant)
        else:
            done = [
                e
                for e in [*self._recent.values(), *self._dead.values()]
                if (group_key is None or e.group_key == group_key) and (status is None or e.status == status)
            ]
            done.sort(key=lambda e: e.updated_at, reverse=True)
        return [*live, *done][:limit]

    # -- producer -----------------------------------------------------------------------------------------

    async def enqueue(
        self,
        ctx: NotifyContext,
        integ: Integration,
        alerts: Sequence[Alert],
        firing: set[int],
        resolved: set[int],
        *,
        bypass_dedup: bool = False,
    ) -> OutboxEntry:
        """Accept a notification; returns once it is durable (then the worker delivers it)."""
        payload = encode_payload(ctx, alerts, firing, resolved)
        if bypass_dedup:
            payload["test"] = True  # a slot of its own: neither deduplicated nor replaced
        # One waiting entry per group and integration: the group's newest state replaces one still waiting.
        return await self._accept(ctx, integ, payload)

    async def enqueue_event(self, ctx: NotifyContext, integ: Integration, alerts: Sequence[Alert]) -> OutboxEntry:
        """Accept an event (ctx.event, e.g. an acknowledgement) for one integration; durable like a notification.

        Events have their own queue slot per group and integration, so they neither replace nor are replaced by
        the group's notifications; a newer event of the same kind replaces one still waiting.
        """
        firing = {a.fingerprint for a in alerts if not a.resolved_at(ctx.now)}
        return await self._accept(ctx, integ, encode_payload(ctx, alerts, firing, set()))

    async def _accept(self, ctx: NotifyContext, integ: Integration, payload: dict[str, Any]) -> OutboxEntry:
        """Queue a payload in its slot (`slot_of`), replacing an entry waiting there; persist it."""
        now = self._clock.now()
        entry = OutboxEntry(
            id=str(uuid.uuid4()),
            group_key=ctx.group_key,
            receiver=ctx.receiver,
            integration=integ.name,
            idx=integ.index,
            status=PENDING,
            created_at=now,
            updated_at=now,
            next_attempt_at=now,
            attempts=0,
            last_error="",
            payload=payload,
            tenant=self._tenant,
        )
        target = slot_of(entry)
        waiting = self._pending.get(target)
        if waiting is not None:
            waiting.payload = payload
            waiting.updated_at = now
            entry = waiting
        else:
            self._pending[target] = entry
            self._schedule(target, entry)
            if self._metrics is not None and ctx.event == NOTIFY:
                self._metrics.notifications.labels(integ.name).inc()
        await self._persist(entry)
        self._update_gauges()
        self._wake.set()
        return entry

    async def retry_dead(self, entry_id: str) -> OutboxEntry:
        """Put a dead letter back in the queue (after the cause was fixed)."""
        entry = self._dead.pop(entry_id, None)
        if entry is None:
            raise KeyError(entry_id)
        entry.status = PENDING
        entry.next_attempt_at = self._clock.now()
        entry.last_error = ""
        entry.payload["retried"] = True  # keeps its own slot after a restart too
        key = slot_of(entry)
        self._pending[key] = entry
        self._schedule(key, entry)
        await self._persist(entry)
        self._update_gauges()
        self._wake.set()
        return entry

    async def _persist(self, entry: OutboxEntry) -> None:
        if self._writer is not None:
            self._writer.put_outbox(entry)
            await self._writer.flushed()

    # -- worker -------------------------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        # Deliveries in flight finish (and record their outcome) unless they take too long: cancelling one between
        # the channel's acceptance and the notification-log commit would send it again after the restart.
        if self._deliveries:
            _, late = await asyncio.wait(set(self._deliveries), timeout=self._stop_grace)
            for t in late:
                t.cancel()
            for t in late:
                with contextlib.suppress(asyncio.CancelledError):
                    await t

    def _gates(self, endpoint: Endpoint) -> tuple[CircuitBreaker, TokenBucket | None]:
        breaker = self._breakers.get(endpoint)
        if breaker is None:
            breaker = self._breakers[endpoint] = CircuitBreaker(self._clock)
        if endpoint not in self._buckets:
            self._buckets[endpoint] = bucket_for(endpoint[1], self._clock)
        return breaker, self._buckets[endpoint]

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            wait = self._dispatch_due()
            self._maybe_gc()
            await sleep_or_wake(self._clock, min(wait, 60.0), self._wake)

    def _schedule(self, target: Target, entry: OutboxEntry) -> None:
        heapq.heappush(self._timeline, (entry.next_attempt_at.timestamp(), next(self._seq), target))

    def _dispatch_due(self) -> float:
        """Start the deliveries that may run now; return how long until the next one may.

        Due entries move from a time-ordered heap into a FIFO per endpoint, so each wake-up costs time in
        proportion to what becomes due, not to everything waiting (thousands during an outage).
        """
        now_ts = self._clock.now().timestamp()
        timeline = self._timeline
        while timeline and timeline[0][0] <= now_ts:
            _, _, target = heapq.heappop(timeline)
            entry = self._pending.get(target)
            if entry is None:
                continue  # delivered or superseded meanwhile
            if entry.next_attempt_at.timestamp() > now_ts:
                self._schedule(target, entry)  # rescheduled after this heap item was pushed
                continue
            self._ready.setdefault((entry.receiver, entry.integration, entry.idx), deque()).append(target)
        next_wait = timeline[0][0] - now_ts if timeline else 3600.0
        per_endpoint: dict[Endpoint, int] = {}
        for t in self._inflight:
            per_endpoint[(t[1], t[2], t[3])] = per_endpoint.get((t[1], t[2], t[3]), 0) + 1
        for endpoint, queue in list(self._ready.items()):
            breaker, bucket = self._gates(endpoint)
            while queue and len(self._inflight) < self.max_in_flight:
                target = queue[0]
                entry = self._pending.get(target)
                if entry is None:
                    queue.popleft()
                    continue
                if target in self._inflight:
                    queue.popleft()
                    self._blocked.add(target)  # re-queued when the delivery in flight finishes
                    continue
                if self._notification_first(target):
                    # An acknowledgement must not reach the service before the notification it acknowledges.
                    queue.popleft()
                    entry.next_attempt_at = self._clock.now() + timedelta(seconds=1)
                    self._schedule(target, entry)
                    next_wait = min(next_wait, 1.0)
                    continue
                busy = per_endpoint.get(endpoint, 0)
                if busy >= self.max_in_flight_per_endpoint:
                    break  # a finishing delivery of this endpoint wakes the loop
                gate = breaker.wait_time()
                if breaker.state is CircuitState.HALF_OPEN and busy:
                    gate = max(gate, 1.0)  # one probe at a time while half-open
                if bucket is not None:
                    gate = max(gate, bucket.wait_time())
                if gate > 0:
                    next_wait = min(next_wait, gate)
                    break
                queue.popleft()
                breaker.attempt()
                if bucket is not None:
                    bucket.take()
                del self._pending[target]
                self._inflight[target] = entry
                per_endpoint[endpoint] = busy + 1
                task = asyncio.create_task(self._deliver(target, entry))
                self._deliveries.add(task)
                task.add_done_callback(self._deliveries.discard)
            if not queue:
                del self._ready[endpoint]
        if len(self._inflight) >= self.max_in_flight:
            next_wait = min(next_wait, 1.0)  # a finishing delivery wakes the loop sooner
        return max(next_wait, 0.0)

    def has_waiting(self, group_key: str, receiver: str, integration: str, idx: int) -> bool:
        """Whether a notification of this group to this integration is pending or being delivered."""
        target = (group_key, receiver, integration, idx)
        return target in self._pending or target in self._inflight

    def _notification_first(self, target: Target) -> bool:
        prefix = f"{ACKNOWLEDGE}:"
        if not target[0].startswith(prefix):
            return False
        return self.has_waiting(target[0][len(prefix):], *target[1:])

    async def _deliver(self, target: Target, entry: OutboxEntry) -> None:
        endpoint: Endpoint = (entry.receiver, entry.integration, entry.idx)
        breaker, _ = self._gates(endpoint)
        m = self._metrics
        try:
            integ = self._find(*endpoint)
            if integ is None:
                await self._finish(entry, DEAD, "receiver or integration is no longer configured")
                return
            ctx, alerts, firing, resolved = decode_payload(entry.payload, entry.tenant)
            special = is_event(entry.payload)
            if not special and self._already_sent(entry, integ, ctx, firing, resolved):
                await self._finish(entry, SUPERSEDED, "already notified by a concurrent delivery")
                return
            logged = self._nflog.query(ctx.group_key, ctx.receiver, entry.integration, entry.idx)
            ctx.receiver_data = dict(logged.data) if logged is not None else {}
            entry.attempts += 1
            start = time.perf_counter()
            try:
                await asyncio.wait_for(integ.notifier.notify(ctx, alerts), timeout=self._attempt_timeout)
            except (NotifyError, TimeoutError) as exc:
                retry = exc.retry if isinstance(exc, NotifyError) else True
                retry_after = exc.retry_after if isinstance(exc, NotifyError) else None
                self._observe(entry.integration, start, failed=True)
                breaker.failure()
                await self._failed(target, entry, str(exc) or "timed out", retry, retry_after)
                return
            except Exception as exc:  # a bug in a channel must not kill the worker or lose the entry
                log.exception("notifier crashed", extra={"integration": entry.integration})
                self._observe(entry.integration, start, failed=True)
                breaker.failure()
                await self._failed(target, entry, f"internal error: {type(exc).__name__}", True, None)
                return
            self._observe(entry.integration, start, failed=False)
            breaker.success()
            if special:
                await self._finish(entry, DELIVERED, "")
            else:
                # One commit for both: the outbox row is queued first and the log entry's write waits for the
                # commit that carries both (the writer stores log entries before outbox rows, so a crash in
                # between can only repeat a notification, never lose one).
                await self._finish(entry, DELIVERED, "", wait=False)
                await self._nflog.log(
                    ctx.group_key, ctx.receiver, entry.integration, entry.idx, firing, resolved, ctx.receiver_data
                )
            log.debug("notification delivered", extra={"id": entry.id, "attempts": entry.attempts})
        finally:
            self._inflight.pop(target, None)
            if target in self._blocked:
                self._blocked.discard(target)
                waiting = self._pending.get(target)
                if waiting is not None:
                    self._schedule(target, waiting)
            self._update_gauges()
            self._wake.set()
            if m is not None:
                m.outbox_depth.set(len(self._pending) + len(self._inflight))

    def _already_sent(
        self, entry: OutboxEntry, integ: Integration, ctx: NotifyContext, firing: set[int], resolved: set[int]
    ) -> bool:
        """A delivery of the same group finished after this entry was queued and already said what it says."""
        logged = self._nflog.query(ctx.group_key, ctx.receiver, entry.integration, entry.idx)
        if logged is None or logged.timestamp < entry.created_at:
            return False
        return not needs_update(logged, firing, resolved, integ.send_resolved, ctx.repeat_interval, ctx)

    async def _failed(
        self, target: Target, entry: OutboxEntry, error: str, retry: bool, retry_after: float | None
    ) -> None:
        entry.last_error = error[:2000]
        if not retry:
            log.error(
                "notification failed permanently (dead letter)",
                extra={"id": entry.id, "receiver": entry.receiver, "integration": entry.integration, "err": error},
            )
            if self._metrics is not None:
                self._metrics.notifications_failed.labels(entry.integration).inc()
            await self._finish(entry, DEAD, entry.last_error)
            return
        log.warning(
            "notification attempt failed; will retry",
            extra={"id": entry.id, "integration": entry.integration, "attempt": entry.attempts, "err": error},
        )
        if target in self._pending:
            # A newer notification for this group is already waiting: it supersedes this one.
            await self._finish(entry, SUPERSEDED, entry.last_error)
            return
        delay = retry_delay(entry.attempts, self._rng)
        if retry_after is not None:
            delay = max(delay, retry_after)
        entry.next_attempt_at = self._clock.now() + timedelta(seconds=delay)
        entry.updated_at = self._clock.now()
        self._pending[target] = entry
        self._schedule(target, entry)
        await self._persist(entry)

    async def _finish(self, entry: OutboxEntry, status: str, error: str, wait: bool = True) -> None:
        entry.status = status
        entry.last_error = error
        entry.updated_at = self._clock.now()
        if status == DEAD:
            self._dead[entry.id] = entry
        else:
            self._recent[entry.id] = entry
            if len(self._recent) > 1000:
                self._recent.pop(next(iter(self._recent)))
        if wait:
            await self._persist(entry)
        elif self._writer is not None:
            self._writer.put_outbox(entry)

    def _observe(self, integration: str, start: float, failed: bool) -> None:
        m = self._metrics
        if m is None:
            return
        children = self._metric_children.get(integration)
        if children is None:  # labels() costs a lock and a dict lookup per call: once per integration is enough
            children = self._metric_children[integration] = (
                m.notification_latency.labels(integration),
                m.notification_requests.labels(integration),
                m.notification_requests_failed.labels(integration),
            )
        latency, requests, requests_failed = children
        latency.observe(time.perf_counter() - start)
        requests.inc()
        if failed:
            requests_failed.inc()

    def _update_gauges(self) -> None:
        m = self._metrics
        if m is None:
            return
        m.outbox_depth.set(len(self._pending) + len(self._inflight))
        m.dead_letters.set(len(self._dead))
        for (receiver, integration, idx), b in self._breakers.items():
            m.circuit_state.labels(receiver, f"{integration}[{idx}]").set(int(b.state))

    def _maybe_gc(self) -> None:
        """Forget finished entries older than the retention period (at most every 15 minutes)."""
        mono = self._clock.monotonic()
        if mono - self._last_gc < 900:
            return
        self._last_gc = mono
        cutoff = self._clock.now() - self._retention
        for store in (self._dead, self._recent):
            for key in [k for k, e in store.items() if e.updated_at < cutoff]:
                del store[key]
        if self._repo is not None:
            task = asyncio.create_task(self._repo.delete_outbox_before(cutoff, FINISHED))
            self._deliveries.add(task)
            task.add_done_callback(self._deliveries.discard)
