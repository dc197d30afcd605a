"""A loopback webhook receiver that records what a notifier sends and when.

The end-to-end tests judge a server only by what arrives here, so every request is
kept with its arrival time (monotonic clock) and the answer it got.  Each receiver
name is a URL path on one shared HTTP server; a test can make a path fail (500) or
hang (answer only after a delay longer than the sender's timeout) for its next
requests, which is how retry and timeout behaviour is observed from outside.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Outcome(Enum):
    """How the receiver answered one request."""

    OK = "ok"
    FAIL = "fail"
    HANG = "hang"


@dataclass(frozen=True)
class Delivery:
    """One request as seen by the receiver."""

    name: str
    at: float
    payload: dict[str, Any]
    outcome: Outcome
    headers: dict[str, str] = field(default_factory=dict)

    def alert_names(self) -> list[str]:
        """Alert names in the payload, sorted: the usual thing a scenario asserts on."""
        return sorted(a["labels"].get("alertname", "") for a in self.payload["alerts"])

    def alerts_by_name(self) -> dict[str, dict[str, Any]]:
        return {a["labels"].get("alertname", ""): a for a in self.payload["alerts"]}


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops bursts of parallel notifications, and the
    # sender's SYN retransmit then adds a full second to the observed timing.
    request_queue_size = 256
    daemon_threads = True


class WebhookReceiver:
    """Threaded HTTP server on 127.0.0.1 with a free port; use as a context manager."""

    def __init__(self, hang_seconds: float = 3.0) -> None:
        self.hang_seconds = hang_seconds
        self._lock = threading.Condition()
        self._deliveries: list[Delivery] = []
        self._plans: dict[str, list[Outcome]] = {}
        self._release = threading.Event()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook", daemon=True)

    # -- lifecycle -----------------------------------------------------------------
    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    # -- behaviour -----------------------------------------------------------------
    def plan(self, name: str, *outcomes: Outcome) -> None:
        """Answer the next requests to `name` with these outcomes, then succeed again."""
        with self._lock:
            self._plans[name] = list(outcomes)

    def fail_next(self, name: str, count: int) -> None:
        self.plan(name, *([Outcome.FAIL] * count))

    def hang_next(self, name: str, count: int) -> None:
        self.plan(name, *([Outcome.HANG] * count))

    def _next_outcome(self, name: str) -> Outcome:
        with self._lock:
            plan = self._plans.get(name)
            if plan:
                return plan.pop(0)
            return Outcome.OK

    # -- observations --------------------------------------------------------------
    def _record(self, delivery: Delivery) -> None:
        with self._lock:
            self._deliveries.append(delivery)
            self._lock.notify_all()

    def attempts(self, name: str | None = None) -> list[Delivery]:
        """Every request, including the ones answered with a failure or a hang."""
        with self._lock:
            return [d for d in self._deliveries if name is None or d.name == name]

    def deliveries(self, name: str | None = None) -> list[Delivery]:
        """Requests that were answered with success: what the sender counts as delivered."""
        return [d for d in self.attempts(name) if d.outcome is Outcome.OK]

    def wait_for(self, name: str, count: int, timeout: float, *, attempts: bool = False) -> list[Delivery]:
        """Block until `count` successful deliveries (or attempts) to `name` were seen."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                seen = [d for d in self._deliveries if d.name == name and (attempts or d.outcome is Outcome.OK)]
                if len(seen) >= count:
                    return seen
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    kind = "attempts" if attempts else "deliveries"
                    raise AssertionError(
                        f"webhook {name!r}: expected {count} {kind} within {timeout:.1f}s, got {len(seen)}: "
                        f"{[summarise(d) for d in seen]}"
                    )
                self._lock.wait(remaining)

    def wait_until(self, name: str, predicate: Any, timeout: float) -> Delivery:
        """Block until a successful delivery to `name` satisfies `predicate`; return it."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for d in self._deliveries:
                    if d.name == name and d.outcome is Outcome.OK and predicate(d):
                        return d
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [summarise(d) for d in self._deliveries if d.name == name]
                    raise AssertionError(f"webhook {name!r}: no matching delivery within {timeout:.1f}s: {seen}")
                self._lock.wait(remaining)

    # -- HTTP plumbing ---------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                arrived = time.monotonic()
                name = self.path.strip("/")
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = {"_unparsable": body.decode("utf-8", "replace")}
                outcome = receiver._next_outcome(name)
                receiver._record(
                    Delivery(name, arrived, payload, outcome, {k.lower(): v for k, v in self.headers.items()})
                )
                if outcome is Outcome.HANG:
                    receiver._release.wait(receiver.hang_seconds)
                status = 500 if outcome is Outcome.FAIL else 200
                reply = b"planned failure" if outcome is Outcome.FAIL else b"ok"
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:
                    pass  # the sender gave up waiting (a hang): nothing to answer.

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


def summarise(d: Delivery) -> str:
    """Short text of a delivery for assertion messages."""
    alerts = d.payload.get("alerts", [])
    names = ",".join(f"{a['labels'].get('alertname')}:{a.get('status')}" for a in alerts)
    return f"<{d.name} {d.outcome.value} at={d.at:.2f} status={d.payload.get('status')} [{names}]>"
