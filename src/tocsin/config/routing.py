"""The routing tree (`route`) and `inhibit_rules`.

The deprecated `match`/`match_re` maps are folded into `matchers` the way Alertmanager's dispatcher and
inhibitor build them, so the rest of Tocsin only ever sees one matcher list per route or rule side.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from tocsin.config.types import ConfigModel, LabelName, OptDuration, is_valid_label_name
from tocsin.model.matchers import Matcher, MatcherError, MatchType, parse_matchers

__all__ = ["InhibitRule", "MatcherList", "Route"]


def _matcher_lines(value: Any) -> Any:
    """A YAML list of matcher strings, each of which may hold several comma-separated matchers.

    Errors start with "@<index>: " so the loader can point at the offending list item.
    """
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"matchers must be a list of strings, got {type(value).__name__}")
    out: list[Matcher] = []
    for i, line in enumerate(value):
        if isinstance(line, Matcher):
            out.append(line)
            continue
        if not isinstance(line, str):
            raise ValueError(f"@{i}: matcher must be a string, got {line!r}")
        try:
            out.extend(parse_matchers(line))
        except MatcherError as exc:
            raise ValueError(f"@{i}: {exc.message}") from None
    out.sort(key=Matcher.sort_key)
    return out


MatcherList = Annotated[list[Matcher], BeforeValidator(_matcher_lines)]


def _regex_map(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"expected a map of label name to regular expression, got {type(value).__name__}")
    for name, regex in value.items():
        if regex is None:
            raise ValueError(f"invalid regexp value for {name!r}")
        try:
            Matcher(str(name), MatchType.REGEX, str(regex))
        except MatcherError as exc:
            raise ValueError(f"{name}: {exc.message}") from None
    return {str(k): str(v) for k, v in value.items()}


RegexMap = Annotated[dict[LabelName, str] | None, BeforeValidator(_regex_map)]


def _equal_map(value: Any) -> Any:
    # `name: null` in a match map is the empty string, as Go decodes it.
    if isinstance(value, dict):
        return {k: "" if v is None else v for k, v in value.items()}
    return value


EqualMap = Annotated[dict[LabelName, str] | None, BeforeValidator(_equal_map)]


def _legacy_matchers(match: dict[str, str] | None, match_re: dict[str, str] | None) -> list[Matcher]:
    out = [Matcher(k, MatchType.EQUAL, v) for k, v in sorted((match or {}).items())]
    # Alertmanager builds these from the compiled regexp's String(), i.e. anchored as ^(?:v)$; the anchored text
    # is part of the route key and so of every group key (webhook `groupKey`), and must match.
    out += [Matcher(k, MatchType.REGEX, f"^(?:{v})$") for k, v in sorted((match_re or {}).items())]
    return out


class Route(ConfigModel):
    """One node of the routing tree. Unset timing/grouping fields (None) are inherited from the parent."""

    receiver: str | None = None
    group_by: list[str] | None = None
    match: EqualMap = None
    match_re: RegexMap = None
    matchers: MatcherList = Field(default_factory=list)
    mute_time_intervals: list[str] = Field(default_factory=list)
    active_time_intervals: list[str] = Field(default_factory=list)
    continue_: bool = Field(False, alias="continue")
    routes: list[Route] = Field(default_factory=list)
    group_wait: OptDuration = None
    group_interval: OptDuration = None
    repeat_interval: OptDuration = None

    group_by_all: bool = Field(False, exclude=True)
    """True when `group_by: ['...']`: every label is a grouping label. Derived, not a configuration key."""

    _group_by_raw: list[str] | None = PrivateAttr(None)
    _own_matchers: list[Matcher] = PrivateAttr(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _derived_keys_are_not_input(cls, data: Any) -> Any:
        if isinstance(data, dict) and "group_by_all" in data:
            raise ValueError("group_by_all is not a configuration key (write group_by: ['...'])")
        return data

    @property
    def group_by_raw(self) -> list[str] | None:
        """`group_by` as written, including '...'."""
        return self._group_by_raw

    @property
    def own_matchers(self) -> list[Matcher]:
        """Only the `matchers:` entries, without the folded-in match/match_re (for dumping)."""
        return self._own_matchers

    @field_validator("group_by", mode="before")
    @classmethod
    def _group_by_strings(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in value]
        return value

    @field_validator("group_by")
    @classmethod
    def _group_by_labels(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        seen: set[str] = set()
        for name in value:
            if name == "...":
                continue
            if not is_valid_label_name(name):
                raise ValueError(f"invalid label name {name!r} in group_by list")
            if name in seen:
                raise ValueError(f"duplicated label {name!r} in group_by")
            seen.add(name)
        if seen and "..." in value:
            raise ValueError("cannot have wildcard group_by (`...`) and other labels at the same time")
        return value

    @field_validator("group_interval", "repeat_interval")
    @classmethod
    def _not_zero(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value == 0:
            raise ValueError(f"{info.field_name} cannot be zero")
        return value

    @model_validator(mode="after")
    def _normalise(self) -> Route:
        raw = self.group_by
        if raw is not None and self._group_by_raw is None:
            self._group_by_raw = list(raw)
            self.group_by_all = "..." in raw
            # Alertmanager 0.25 leaves GroupBy nil (inherit from the parent) unless a real label is listed.
            self.group_by = [name for name in raw if name != "..."] or None
        self._own_matchers = list(self.matchers) if not self._own_matchers else self._own_matchers
        merged = _legacy_matchers(self.match, self.match_re) + self._own_matchers
        merged.sort(key=Matcher.sort_key)
        self.matchers = merged
        return self

    def walk(self) -> list[tuple[tuple[str | int, ...], Route]]:
        """Every node with its path relative to this one (("routes", 0, "routes", 1), node), depth-first."""
        out: list[tuple[tuple[str | int, ...], Route]] = [((), self)]
        for i, child in enumerate(self.routes):
            out += [(("routes", i, *p), node) for p, node in child.walk()]
        return out


class InhibitRule(ConfigModel):
    """Mute alerts matching `target_matchers` while an alert matching `source_matchers` fires, when the
    labels listed in `equal` have the same values in both."""

    name: str | None = None
    source_match: EqualMap = None
    source_match_re: RegexMap = None
    source_matchers: MatcherList = Field(default_factory=list)
    target_match: EqualMap = None
    target_match_re: RegexMap = None
    target_matchers: MatcherList = Field(default_factory=list)
    equal: list[LabelName] = Field(default_factory=list)

    _own_source: list[Matcher] = PrivateAttr(default_factory=list)
    _own_target: list[Matcher] = PrivateAttr(default_factory=list)

    @property
    def own_source_matchers(self) -> list[Matcher]:
        return self._own_source

    @property
    def own_target_matchers(self) -> list[Matcher]:
        return self._own_target

    @model_validator(mode="after")
    def _merge(self) -> InhibitRule:
        self._own_source = list(self.source_matchers)
        self._own_target = list(self.target_matchers)
        self.source_matchers = _legacy_matchers(self.source_match, self.source_match_re) + self._own_source
        self.target_matchers = _legacy_matchers(self.target_match, self.target_match_re) + self._own_target
        return self
