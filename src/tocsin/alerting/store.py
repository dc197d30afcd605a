"""The alert store: the current set of alerts, keyed by fingerprint.

Alerts are merged on arrival with Alertmanager's rules, kept in memory for the hot path (routing, API queries)
and handed to the write-behind queue so they survive restarts. Interested stages (dispatcher, inhibitor)
subscribe with a callback and first receive every alert already stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from tocsin.alerting.marker import Marker
from tocsin.alerting.periodic import Periodic
from tocsin.model.alert import Alert, merge_alerts, overlaps
from tocsin.model.clock import Clock
from tocsin.storage.writer import WriteBehind

log = logging.getLogger(__name__)

# Listeners get the alert and the time it was put (one clock reading per batch, not per alert and listener).
AlertListener = Callable[[Alert, datetime], None]


class AlertStore:
    def __init__(
        self,
        clock: Clock,
        marker: Marker,
        writer: WriteBehind | None,
        gc_interval: float = 1800.0,
        tenant: str = "default",
    ) -> None:
        self._clock = clock
        self._marker = marker
        self._writer = writer
        self._alerts: dict[int, Alert] = {}
        self._listeners: list[AlertListener] = []
        self._gc = Periodic(clock, gc_interval, self.gc, "alert-gc")
        self.tenant = tenant

    def load(self, alerts: Iterable[Alert]) -> None:
        """Restore persisted alerts at start-up (before any subscriber exists)."""
        for a in alerts:
            self._alerts[a.fingerprint] = a

    def put(self, alerts: Sequence[Alert]) -> None:
        now = self._clock.now()
        stored = self._alerts
        listeners = self._listeners
        changed: list[Alert] = []
        for alert in alerts:
            old = stored.get(alert.fingerprint)
            if old is not None and overlaps(old, alert):
                alert = merge_alerts(old, alert, now)
            stored[alert.fingerprint] = alert
            changed.append(alert)
            for listener in listeners:
                listener(alert, now)
        if self._writer is not None and changed:
            self._writer.put_alerts(changed)

    def get(self, fp: int) -> Alert | None:
        return self._alerts.get(fp)

    def all(self) -> list[Alert]:
        return list(self._alerts.values())

    def __len__(self) -> int:
        return len(self._alerts)

    def subscribe(self, listener: AlertListener) -> Callable[[], None]:
        """Feed `listener` every stored alert now and every future one; returns an unsubscribe function."""
        now = self._clock.now()
        for a in list(self._alerts.values()):
            listener(a, now)
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def gc(self) -> list[Alert]:
        """Drop resolved alerts (Alertmanager keeps them until the next GC so the API can still show them)."""
        now = self._clock.now()
        dead = [a for a in self._alerts.values() if a.resolved_at(now)]
        for a in dead:
            del self._alerts[a.fingerprint]
            self._marker.delete(a.fingerprint)
            if self._writer is not None:
                self._writer.delete_alert(a.tenant, a.fingerprint)
        return dead

    def start(self) -> None:
        self._gc.start()

    async def stop(self) -> None:
        await self._gc.stop()
