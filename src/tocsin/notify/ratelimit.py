"""Token-bucket rate limits per endpoint, so a burst of groups does not get a channel's webhook banned.

Defaults follow the services' documented limits where they publish one (Slack incoming webhooks: about one
message per second; Telegram bots: about one per second per chat; Discord webhooks: 5 per 2 s).
"""

from __future__ import annotations

from tocsin.model.clock import Clock

# integration -> (messages per second, burst)
DEFAULT_RATES: dict[str, tuple[float, float]] = {
    "slack": (1.0, 3.0),
    "telegram": (1.0, 3.0),
    "discord": (2.5, 5.0),
    "mattermost": (2.0, 5.0),
    "rocketchat": (2.0, 5.0),
    "msteams": (2.0, 4.0),
    "msteamsv2": (2.0, 4.0),
    "pushover": (2.0, 5.0),
}


class TokenBucket:
    def __init__(self, clock: Clock, rate: float, burst: float) -> None:
        self._clock = clock
        self._rate = rate
        self._burst = burst
        self._tokens = burst
        self._at = clock.monotonic()

    def _refill(self) -> None:
        now = self._clock.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now

    def wait_time(self) -> float:
        """Seconds until a token is available (0 when one is)."""
        self._refill()
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self._rate

    def take(self) -> None:
        self._refill()
        self._tokens -= 1


def bucket_for(integration: str, clock: Clock) -> TokenBucket | None:
    rate = DEFAULT_RATES.get(integration)
    return None if rate is None else TokenBucket(clock, *rate)
