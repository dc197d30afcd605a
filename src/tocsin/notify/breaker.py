"""Per-endpoint circuit breaker: stop hammering a channel that keeps failing, probe it again later.

Closed: every delivery is attempted. After `threshold` consecutive failures it opens: nothing is attempted until
`cooldown` seconds have passed; then it is half-open and one delivery probes the endpoint: success closes the
circuit, failure opens it for another cooldown.
"""

from __future__ import annotations

from enum import IntEnum

from tocsin.model.clock import Clock


class CircuitState(IntEnum):
    CLOSED = 0
    OPEN = 1
    HALF_OPEN = 2


class CircuitBreaker:
    def __init__(self, clock: Clock, threshold: int = 5, cooldown: float = 60.0) -> None:
        self._clock = clock
        self._threshold = threshold
        self._cooldown = cooldown
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> CircuitState:
        if self._opened_at is None:
            return CircuitState.CLOSED
        if self._clock.monotonic() - self._opened_at >= self._cooldown:
            return CircuitState.HALF_OPEN
        return CircuitState.OPEN

    def wait_time(self) -> float:
        """Seconds until an attempt may be made (0 when allowed now)."""
        state = self.state
        if state is CircuitState.CLOSED:
            return 0.0
        if state is CircuitState.HALF_OPEN:
            return 0.0 if not self._probing else 1.0
        assert self._opened_at is not None
        return self._cooldown - (self._clock.monotonic() - self._opened_at)

    def attempt(self) -> None:
        if self.state is CircuitState.HALF_OPEN:
            self._probing = True

    def success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def failure(self) -> None:
        self._failures += 1
        self._probing = False
        if self.state is CircuitState.HALF_OPEN or self._failures >= self._threshold:
            self._opened_at = self._clock.monotonic()
