"""Silences: a set of matchers muting alerts for a time range."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from tocsin.model.matchers import Matcher


class SilenceState(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    EXPIRED = "expired"


@dataclass(slots=True)
class Silence:
    id: str
    matchers: list[Matcher]
    starts_at: datetime
    ends_at: datetime
    updated_at: datetime
    created_by: str
    comment: str
    tenant: str = field(default="default")

    def state_at(self, t: datetime) -> SilenceState:
        """Alertmanager's getState: the end instant itself still counts as active."""
        if t < self.starts_at:
            return SilenceState.PENDING
        if t > self.ends_at:
            return SilenceState.EXPIRED
        return SilenceState.ACTIVE

    def copy(self) -> Silence:
        return dataclasses.replace(self, matchers=list(self.matchers))
