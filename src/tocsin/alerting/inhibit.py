"""Inhibition: a firing source alert mutes target alerts that share the `equal` labels.

Source alerts are indexed per rule by the values of their `equal` labels, so judging a target costs one dict
look-up instead of a scan over every source alert.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tocsin.alerting.marker import Marker
from tocsin.model.alert import Alert
from tocsin.model.clock import Clock
from tocsin.model.labels import fingerprint_hex
from tocsin.model.matchers import Matcher, matches_all


@dataclass
class InhibitRule:
    source_matchers: Sequence[Matcher]
    target_matchers: Sequence[Matcher]
    equal: Sequence[str]
    # equal-label values -> fingerprint -> source alert
    _sources: dict[tuple[str, ...], dict[int, Alert]] = field(default_factory=dict)

    def key(self, labels: Mapping[str, str]) -> tuple[str, ...]:
        return tuple(labels.get(n, "") for n in self.equal)

    def observe(self, alert: Alert) -> None:
        if matches_all(self.source_matchers, alert.labels):
            self._sources.setdefault(self.key(alert.labels), {})[alert.fingerprint] = alert

    def find_source(self, labels: Mapping[str, str], clock: Clock, exclude_two_sided: bool) -> Alert | None:
        bucket = self._sources.get(self.key(labels))
        if not bucket:
            return None
        now = clock.now()
        dead = []
        found = None
        for fp, a in bucket.items():
            if a.resolved_at(now):
                dead.append(fp)
                continue
            if exclude_two_sided and matches_all(self.target_matchers, a.labels):
                continue
            found = a
            break
        for fp in dead:
            del bucket[fp]
        return found


class Inhibitor:
    def __init__(self, rules: Sequence[InhibitRule], marker: Marker, clock: Clock) -> None:
        self.rules = list(rules)
        self._marker = marker
        self._clock = clock

    def observe(self, alert: Alert, now: datetime | None = None) -> None:
        """Alert-store listener: remember alerts that can act as sources."""
        for r in self.rules:
            r.observe(alert)

    def mutes(self, fp: int, labels: Mapping[str, str]) -> bool:
        for r in self.rules:
            if not matches_all(r.target_matchers, labels):
                continue
            src = r.find_source(labels, self._clock, matches_all(r.source_matchers, labels))
            if src is not None:
                self._marker.set_inhibited(fp, [fingerprint_hex(src.fingerprint)])
                return True
        self._marker.set_inhibited(fp, [])
        return False
