"""A minimal route configuration for unit tests that should not depend on the YAML loader."""

from __future__ import annotations

from dataclasses import dataclass, field

from tocsin.model.matchers import Matcher


@dataclass
class RouteCfg:
    receiver: str | None = "default"
    group_by: list[str] | None = None
    group_by_all: bool = False
    matchers: list[Matcher] = field(default_factory=list)
    continue_: bool = False
    group_wait: float | None = None
    group_interval: float | None = None
    repeat_interval: float | None = None
    mute_time_intervals: list[str] = field(default_factory=list)
    active_time_intervals: list[str] = field(default_factory=list)
    routes: list[RouteCfg] = field(default_factory=list)
