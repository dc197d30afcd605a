"""Silences: validation, Alertmanager's update-in-place rules, expiry, retention, and the Silencer stage."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from tocsin.alerting.marker import Marker
from tocsin.alerting.periodic import Periodic
from tocsin.model.clock import Clock
from tocsin.model.labels import is_valid_label_name
from tocsin.model.matchers import Matcher, MatchType, matches_all
from tocsin.model.silence import Silence, SilenceState
from tocsin.storage.writer import WriteBehind
from tocsin.telemetry.metrics import Metrics

log = logging.getLogger(__name__)


class SilenceError(ValueError):
    """A silence that cannot be stored; the message is shown to the API client."""


class SilenceNotFound(KeyError):
    def __str__(self) -> str:
        return "not found"


def validate_silence(s: Silence) -> None:
    if not s.matchers:
        raise SilenceError("at least one matcher required")
    all_match_empty = True
    for i, m in enumerate(s.matchers):
        if not is_valid_label_name(m.name):
            raise SilenceError(f'invalid label matcher {i}: invalid label name "{m.name}"')
        can_match_empty = m.type in (MatchType.EQUAL, MatchType.REGEX) and m.matches("")
        all_match_empty = all_match_empty and can_match_empty
    if all_match_empty:
        raise SilenceError("at least one matcher must not match the empty string")
    if s.ends_at < s.starts_at:
        raise SilenceError("end time must not be before start time")


def _can_update(prev: Silence, new: Silence, now: datetime) -> bool:
    if prev.matchers != new.matchers:
        return False
    state = prev.state_at(now)
    if state is SilenceState.ACTIVE:
        return new.starts_at == prev.starts_at and not new.ends_at < now
    if state is SilenceState.PENDING:
        return not new.starts_at < now
    return False


class Silences:
    def __init__(
        self,
        clock: Clock,
        writer: WriteBehind | None,
        metrics: Metrics | None = None,
        retention: float = 120 * 3600.0,
        maintenance_interval: float = 900.0,
        tenant: str = "default",
    ) -> None:
        self._clock = clock
        self._writer = writer
        self._metrics = metrics
        self._retention = timedelta(seconds=retention)
        self._maintenance = Periodic(clock, maintenance_interval, self.gc, "silence-gc")
        self._silences: dict[str, Silence] = {}
        self._version = 0
        self.tenant = tenant

    @property
    def version(self) -> int:
        """Bumped on every change so silencers know when their cached matches are stale."""
        return self._version

    def load(self, silences: Iterable[Silence]) -> None:
        for s in silences:
            self._silences[s.id] = s
        self._version += 1

    def get(self, silence_id: str) -> Silence:
        s = self._silences.get(silence_id)
        if s is None:
            raise SilenceNotFound(silence_id)
        return s

    def set(self, sil: Silence) -> str:
        """Create or update a silence with Alertmanager's rules; returns the (possibly new) ID."""
        now = self._clock.now()
        prev = self._silences.get(sil.id) if sil.id else None
        if sil.id and prev is None:
            raise SilenceNotFound(sil.id)
        sil = sil.copy()
        sil.tenant = self.tenant
        if prev is not None:
            if _can_update(prev, sil, now):
                self._store(sil, now)
                return sil.id
            validate_silence(sil)
            if prev.state_at(now) is not SilenceState.EXPIRED:
                self._expire(prev, now)
        sil.id = str(uuid.uuid4())
        if sil.starts_at < now:
            sil.starts_at = now
        self._store(sil, now)
        return sil.id

    def expire(self, silence_id: str) -> None:
        prev = self._silences.get(silence_id)
        if prev is None:
            raise SilenceNotFound(silence_id)
        now = self._clock.now()
        if prev.state_at(now) is SilenceState.EXPIRED:
            raise SilenceError(f"silence {silence_id} already expired")
        self._expire(prev, now)

    def _expire(self, prev: Silence, now: datetime) -> None:
        sil = prev.copy()
        if prev.state_at(now) is SilenceState.PENDING:
            sil.starts_at = now
        sil.ends_at = now
        self._store(sil, now)

    def _store(self, sil: Silence, now: datetime) -> None:
        validate_silence(sil)
        sil.updated_at = now
        self._silences[sil.id] = sil
        self._version += 1
        if self._writer is not None:
            self._writer.put_silence(sil)

    def query(
        self,
        ids: Sequence[str] | None = None,
        states: Sequence[SilenceState] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> list[Silence]:
        if self._metrics is not None:
            self._metrics.silences_queries.inc()
        now = self._clock.now()
        if ids is not None:
            candidates = [s for i in ids if (s := self._silences.get(i)) is not None]
        else:
            candidates = list(self._silences.values())
        out = []
        for s in candidates:
            if states is not None and s.state_at(now) not in states:
                continue
            if labels is not None and not matches_all(s.matchers, labels):
                continue
            out.append(s)
        out.sort(key=lambda s: s.id)
        return out

    def all(self) -> list[Silence]:
        return list(self._silences.values())

    def count_by_state(self) -> dict[SilenceState, int]:
        now = self._clock.now()
        counts = dict.fromkeys(SilenceState, 0)
        for s in self._silences.values():
            counts[s.state_at(now)] += 1
        return counts

    def gc(self) -> int:
        """Forget silences that expired longer ago than the retention period."""
        cutoff = self._clock.now() - self._retention
        dead = [s for s in self._silences.values() if s.ends_at < cutoff]
        for s in dead:
            del self._silences[s.id]
            if self._writer is not None:
                self._writer.delete_silence(s.tenant, s.id)
        if dead:
            self._version += 1
        return len(dead)

    def start(self) -> None:
        self._maintenance.start()

    async def stop(self) -> None:
        await self._maintenance.stop()


class Silencer:
    """Decides whether an alert is silenced and records the answer in the marker."""

    def __init__(self, silences: Silences, marker: Marker, clock: Clock) -> None:
        self._silences = silences
        self._marker = marker
        self._clock = clock

    def mutes(self, fp: int, labels: Mapping[str, str]) -> bool:
        status = self._marker.status(fp)
        version = self._silences.version
        if status.silences_version == version:
            known = [*status.silenced_by, *status.pending_silences]
            if not known:
                return False
            sils = self._silences.query(
                ids=known, states=(SilenceState.ACTIVE, SilenceState.PENDING)
            )
        else:
            sils = self._silences.query(states=(SilenceState.ACTIVE, SilenceState.PENDING), labels=labels)
        now = self._clock.now()
        active: list[str] = []
        pending: list[str] = []
        for s in sils:
            st = s.state_at(now)
            if st is SilenceState.ACTIVE:
                active.append(s.id)
            elif st is SilenceState.PENDING:
                pending.append(s.id)
        active.sort()
        pending.sort()
        self._marker.set_silenced(fp, version, active, pending)
        return bool(active)


def silence_matches_filter(s: Silence, filters: Sequence[Matcher]) -> bool:
    """API filter on silences: each filter matcher must match the pattern of the silence's same-named matcher."""
    patterns = {m.name: m.value for m in s.matchers}
    for f in filters:
        v = patterns.get(f.name)
        if v is None or not f.matches(v):
            return False
    return True
