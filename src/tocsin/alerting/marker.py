"""Per-alert status: unprocessed / active / suppressed, and what suppresses it.

The API reports this status and the `alertmanager_alerts` gauge counts it. The silencer and inhibitor write it
every time they judge an alert, as in Alertmanager.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AlertState(StrEnum):
    UNPROCESSED = "unprocessed"
    ACTIVE = "active"
    SUPPRESSED = "suppressed"


@dataclass(slots=True)
class AlertStatus:
    """One alert's status; the ID lists are tuples so the common "nothing" case shares one empty object."""

    state: AlertState = AlertState.UNPROCESSED
    silenced_by: tuple[str, ...] = ()
    pending_silences: tuple[str, ...] = ()
    silences_version: int = -1
    inhibited_by: tuple[str, ...] = ()
    muted_by: tuple[str, ...] = ()

    def _recompute(self) -> None:
        if self.silenced_by or self.inhibited_by or self.muted_by:
            self.state = AlertState.SUPPRESSED
        else:
            self.state = AlertState.ACTIVE


class Marker:
    def __init__(self) -> None:
        self._status: dict[int, AlertStatus] = {}

    def status(self, fp: int) -> AlertStatus:
        return self._status.get(fp) or AlertStatus()

    def _get(self, fp: int) -> AlertStatus:
        s = self._status.get(fp)
        if s is None:
            s = self._status[fp] = AlertStatus()
        return s

    def set_silenced(self, fp: int, version: int, active: list[str], pending: list[str]) -> None:
        s = self._get(fp)
        s.silenced_by = tuple(active)
        s.pending_silences = tuple(pending)
        s.silences_version = version
        s._recompute()

    def set_inhibited(self, fp: int, ids: list[str]) -> None:
        s = self._get(fp)
        s.inhibited_by = tuple(ids)
        s._recompute()

    def set_muted(self, fp: int, intervals: list[str]) -> None:
        s = self._get(fp)
        s.muted_by = tuple(intervals)
        s._recompute()

    def delete(self, fp: int) -> None:
        self._status.pop(fp, None)

    def count(self, state: AlertState) -> int:
        return sum(1 for s in self._status.values() if s.state is state)
