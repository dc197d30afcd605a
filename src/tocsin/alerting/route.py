"""The routing tree: which receivers (and grouping options) an alert goes to.

Built from the configuration's `route` section with Alertmanager's inheritance: a child route copies its
parent's options and overrides what it sets itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from tocsin.model.matchers import Matcher, MatchType, matches_all

DEFAULT_GROUP_WAIT = 30.0
DEFAULT_GROUP_INTERVAL = 300.0
DEFAULT_REPEAT_INTERVAL = 4 * 3600.0

_TYPE_ORDER = {MatchType.EQUAL: 0, MatchType.NOT_EQUAL: 1, MatchType.REGEX: 2, MatchType.NOT_REGEX: 3}


class RouteConfig(Protocol):
    """What the routing tree needs from a configured route (tocsin.config's Route satisfies it)."""

    receiver: str | None
    group_by: list[str] | None
    group_by_all: bool
    matchers: list[Matcher]
    continue_: bool
    group_wait: float | None
    group_interval: float | None
    repeat_interval: float | None
    mute_time_intervals: list[str]
    active_time_intervals: list[str]

    @property
    def routes(self) -> Sequence[Any]: ...


@dataclass(frozen=True)
class RouteOpts:
    receiver: str
    group_by: frozenset[str]
    group_by_all: bool
    group_wait: float
    group_interval: float
    repeat_interval: float
    mute_time_intervals: tuple[str, ...]
    active_time_intervals: tuple[str, ...]


def matchers_string(matchers: Sequence[Matcher]) -> str:
    return "{" + ",".join(str(m) for m in matchers) + "}"


class RouteNode:
    def __init__(
        self,
        opts: RouteOpts,
        matchers: Sequence[Matcher],
        continue_: bool,
        parent: RouteNode | None,
        index: int,
    ) -> None:
        self.opts = opts
        self.matchers = sorted(matchers, key=lambda m: (m.name, m.value, _TYPE_ORDER[m.type]))
        self.continue_ = continue_
        self.parent = parent
        self.index = index
        self.routes: list[RouteNode] = []
        self._key = (parent.key() + "/" if parent is not None else "") + matchers_string(self.matchers)
        self._id = (parent.id() + "/" if parent is not None else "") + matchers_string(self.matchers)
        if parent is not None:
            self._id += f"/{index}"

    @property
    def receiver(self) -> str:
        return self.opts.receiver

    @property
    def group_by(self) -> frozenset[str]:
        return self.opts.group_by

    def key(self) -> str:
        """Alertmanager's Route.Key(): the prefix of every group key of this route."""
        return self._key

    def id(self) -> str:
        """Unique even for siblings with identical matchers (the key is not)."""
        return self._id

    def match(self, labels: Mapping[str, str]) -> list[RouteNode]:
        if not matches_all(self.matchers, labels):
            return []
        found: list[RouteNode] = []
        for child in self.routes:
            m = child.match(labels)
            found.extend(m)
            if m and not child.continue_:
                break
        return found or [self]

    def walk(self) -> Iterator[RouteNode]:
        yield self
        for c in self.routes:
            yield from c.walk()

    def group_labels(self, labels: Mapping[str, str]) -> dict[str, str]:
        if self.opts.group_by_all:
            return dict(labels)
        gb = self.opts.group_by
        return {k: v for k, v in labels.items() if k in gb}


def build_route_tree(cfg: RouteConfig) -> RouteNode:
    root_opts = RouteOpts(
        receiver=cfg.receiver or "",
        group_by=frozenset(),
        group_by_all=False,
        group_wait=DEFAULT_GROUP_WAIT,
        group_interval=DEFAULT_GROUP_INTERVAL,
        repeat_interval=DEFAULT_REPEAT_INTERVAL,
        mute_time_intervals=(),
        active_time_intervals=(),
    )
    return _build(cfg, root_opts, None, 0)


def _build(cfg: RouteConfig, inherited: RouteOpts, parent: RouteNode | None, index: int) -> RouteNode:
    opts = inherited
    if cfg.receiver:
        opts = replace(opts, receiver=cfg.receiver)
    if cfg.group_by_all:
        opts = replace(opts, group_by=frozenset(), group_by_all=True)
    elif cfg.group_by is not None:
        opts = replace(opts, group_by=frozenset(g for g in cfg.group_by if g != "..."), group_by_all=False)
    if cfg.group_wait is not None:
        opts = replace(opts, group_wait=cfg.group_wait)
    if cfg.group_interval is not None:
        opts = replace(opts, group_interval=cfg.group_interval)
    if cfg.repeat_interval is not None:
        opts = replace(opts, repeat_interval=cfg.repeat_interval)
    # Time intervals are not inherited in Alertmanager: each route states its own.
    opts = replace(
        opts,
        mute_time_intervals=tuple(cfg.mute_time_intervals or ()),
        active_time_intervals=tuple(cfg.active_time_intervals or ()),
    )
    node = RouteNode(opts, list(cfg.matchers or ()), bool(cfg.continue_), parent, index)
    node.routes = [_build(c, opts, node, i) for i, c in enumerate(cfg.routes or ())]
    return node
