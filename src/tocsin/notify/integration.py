"""The contract between the notification pipeline and a channel.

A channel (webhook, Slack, email, ...) implements `Notifier`: it turns a group of alerts into one request to its
service and says, by raising `NotifyError(retry=...)`, whether a failure is worth retrying. Everything around it
(dedup, retries with backoff, the notification log, metrics) is the pipeline's job, so a new channel is one small
module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from tocsin.model.alert import Alert
from tocsin.model.clock import Clock
from tocsin.notify.context import NotifyContext

if TYPE_CHECKING:
    # Only for the annotation: the template engine is imported when a channel that renders templates is built,
    # keeping it off `tocsin serve`'s start-up path.
    from tocsin.notify.template import Templates


class NotifyError(Exception):
    """A failed send. `retry` says whether trying again can help; `retry_after` is the service's own wait
    (HTTP 429/503 Retry-After), which the pipeline honours instead of its backoff when it is longer."""

    def __init__(self, message: str, retry: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry = retry
        self.retry_after = retry_after


class Notifier(Protocol):
    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None: ...

    async def close(self) -> None: ...


@dataclass
class Integration:
    """One configured channel of a receiver: `webhook_configs[1]` of receiver "ops" is ("webhook", 1)."""

    name: str
    index: int
    receiver: str
    send_resolved: bool
    notifier: Notifier

    def __str__(self) -> str:
        return f"{self.name}[{self.index}]"


class NotifierDeps:
    """What every channel may need, handed in by the registry (no module-level clients or singletons).

    `templates` may be given as a factory: it is then built on first use, so configurations whose channels
    render no templates (webhooks) never load the template engine.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        templates: Templates | Callable[[], Templates],
        clock: Clock,
        external_url: str = "",
        clients: dict[str, httpx.AsyncClient] | None = None,
    ) -> None:
        self.http = http
        self.clock = clock
        self.external_url = external_url
        self._templates = templates
        # Clients built for distinct http_configs, shared by every deps derived from the same root.
        self._clients: dict[str, httpx.AsyncClient] = clients if clients is not None else {}

    def for_http_config(self, http_config: Any) -> NotifierDeps:
        """Deps whose client applies this integration's `http_config` (self when it has nothing to apply).

        ValueError when the configuration cannot be used (an unreadable CA file, say): the registry reports it
        as a misconfigured integration.
        """
        from tocsin.notify.http import new_http_client
        from tocsin.notify.http_settings import client_settings, settings_key

        if http_config is None:
            return self
        key = settings_key(http_config)
        client = self._clients.get(key)
        if client is None:
            settings = client_settings(http_config)  # only on a miss: it may load certificates
            if settings is None:
                return self
            agent = self.http.headers.get("User-Agent", "Tocsin")
            client = self._clients[key] = new_http_client(agent, settings)
        return NotifierDeps(client, lambda: self.templates, self.clock, self.external_url, self._clients)

    async def close_clients(self) -> None:
        """Close the clients built for http_configs (the shared default client belongs to the server)."""
        clients, self._clients = list(self._clients.values()), {}
        for c in clients:
            await c.aclose()

    @property
    def templates(self) -> Templates:
        if callable(self._templates):
            self._templates = self._templates()
        return self._templates


def supports_event(notifier: Notifier, event: str) -> bool:
    """Whether a channel does something with an event other than a notification (`events` on the notifier)."""
    events: frozenset[str] = getattr(notifier, "events", frozenset())
    return event in events
