"""Alertmanager label matchers (`name="value"`, `name!="value"`, `name=~"re"`, `name!~"re"`).

Parsing, printing and matching follow Alertmanager 0.25's `pkg/labels` exactly, because the same strings
appear in routing trees, inhibit rules, silences and amtool command lines, and a matcher that Alertmanager
accepts must select the same alerts here. Regular expressions are evaluated by RE2 (the engine whose syntax
Go's `regexp` implements) rather than Python's `re`, so backreferences and lookarounds are rejected just as
Alertmanager rejects them and no pattern can backtrack catastrophically.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import re2  # type: ignore[import-untyped]

__all__ = [
    "MatchType",
    "Matcher",
    "MatcherError",
    "format_matchers",
    "matches_all",
    "parse_matcher",
    "parse_matchers",
]


class MatchType(enum.Enum):
    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"

    def __str__(self) -> str:
        return self.value

    @property
    def is_regex(self) -> bool:
        return self is MatchType.REGEX or self is MatchType.NOT_REGEX

    @property
    def is_negative(self) -> bool:
        return self is MatchType.NOT_EQUAL or self is MatchType.NOT_REGEX


# Go's `regexp` order of MatchType constants; used to sort matchers the way Alertmanager does.
_TYPE_ORDER = {MatchType.EQUAL: 0, MatchType.NOT_EQUAL: 1, MatchType.REGEX: 2, MatchType.NOT_REGEX: 3}


class MatcherError(ValueError):
    """A matcher string or regular expression that Alertmanager would refuse.

    `text` is the input being parsed and `position` the character offset in it where the bad part starts
    (None when the whole input is at fault), so callers can point at it.
    """

    def __init__(self, message: str, text: str = "", position: int | None = None) -> None:
        self.message = message
        self.text = text
        self.position = position
        where = f" at offset {position}" if position is not None else ""
        super().__init__(f"{message} (in {text!r}{where})" if text else message)


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # errors become MatcherError; RE2's own stderr logging is noise
_RE2_OPTIONS.never_capture = True  # only match/no-match is needed
_UNANCHORED = re2._re2.RE2.Anchor.UNANCHORED


def _re2_message(raw: Any) -> str:
    if isinstance(raw, bytes):
        return raw.decode("utf-8", "replace")
    return str(raw)


class CompiledRegex:
    """An anchored RE2 program plus a bounded memo of recent answers.

    A call into RE2 costs close to a microsecond of binding overhead, while the same label values are matched
    again and again (Prometheus re-sends every alert each evaluation), so answers are remembered per value.
    """

    __slots__ = ("_memo", "_program", "pattern")

    MEMO_SIZE = 4096

    def __init__(self, pattern: str, program: Any) -> None:
        self.pattern = pattern
        self._program = program
        self._memo: dict[str, bool] = {}

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (_compile, (self.pattern,))

    def __deepcopy__(self, memo: dict[int, Any]) -> CompiledRegex:
        return self  # the program never changes; copies of a matcher can share it

    def matches(self, text: str) -> bool:
        hit = self._memo.get(text)
        if hit is not None:
            return hit
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            # Lone surrogates cannot come from JSON/YAML input; such a value matches nothing.
            return False
        result: bool = self._program.Match(_UNANCHORED, data, 0, len(data))[0][0] != -1
        if len(self._memo) >= self.MEMO_SIZE:
            self._memo.clear()
        self._memo[text] = result
        return result


@functools.lru_cache(maxsize=8192)
def _compile(pattern: str) -> CompiledRegex:
    """Compile `pattern` anchored like Go's NewMatcher (`^(?:re)$`), once per distinct pattern."""
    try:
        pattern.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MatcherError("regular expression is not valid UTF-8", pattern, exc.start) from None
    # RE2 in C++ accepts \C (any byte); Go's regexp does not, and it makes no sense on text.
    pos = _find_unescaped_backslash_c(pattern)
    if pos is not None:
        raise MatcherError("invalid regular expression: \\C is not supported", pattern, pos)
    program = re2._re2.RE2(("^(?:" + pattern + ")$").encode("utf-8"), _RE2_OPTIONS)
    if not program.ok():
        raise MatcherError(f"invalid regular expression: {_re2_message(program.error())}", pattern)
    return CompiledRegex(pattern, program)


def _find_unescaped_backslash_c(pattern: str) -> int | None:
    i = 0
    while i < len(pattern) - 1:
        if pattern[i] == "\\":
            if pattern[i + 1] == "C":
                return i
            i += 2
            continue
        i += 1
    return None


@dataclass(frozen=True, slots=True)
class Matcher:
    """One label matcher. Regex matchers are validated on construction (the compiled form is cached)."""

    name: str
    type: MatchType
    value: str
    _regex: Any = field(default=None, init=False, repr=False, compare=False, hash=False)  # CompiledRegex

    def __post_init__(self) -> None:
        if self.type.is_regex:
            object.__setattr__(self, "_regex", _compile(self.value))

    @classmethod
    def from_flags(cls, name: str, value: str, is_regex: bool, is_equal: bool = True) -> Matcher:
        """Build a matcher from the API's `isRegex`/`isEqual` booleans."""
        if is_regex:
            kind = MatchType.REGEX if is_equal else MatchType.NOT_REGEX
        else:
            kind = MatchType.EQUAL if is_equal else MatchType.NOT_EQUAL
        return cls(name, kind, value)

    @property
    def is_regex(self) -> bool:
        return self.type.is_regex

    @property
    def is_equal(self) -> bool:
        return not self.type.is_negative

    def matches(self, value: str) -> bool:
        """Whether a label value satisfies this matcher; pass "" for an absent label, as Alertmanager does."""
        kind = self.type
        if kind is MatchType.EQUAL:
            return value == self.value
        if kind is MatchType.NOT_EQUAL:
            return value != self.value
        regex: CompiledRegex = self._regex
        if kind is MatchType.REGEX:
            return regex.matches(value)
        return not regex.matches(value)

    def sort_key(self) -> tuple[str, str, int]:
        """Alertmanager's ordering of matchers: name, then value, then type."""
        return (self.name, self.value, _TYPE_ORDER[self.type])

    def __str__(self) -> str:
        return f'{self.name}{self.type.value}"{_escape(self.value)}"'


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


# Go's \s is ASCII whitespace only: [\t\n\f\r ].
_WS = "[\\t\\n\\f\\r ]"
_MATCHER_RE = re.compile(
    rf"\A{_WS}*([a-zA-Z_:][a-zA-Z0-9_:]*){_WS}*(=~|=|!=|!~){_WS}*(.*?){_WS}*\Z",
    re.DOTALL,
)


def parse_matcher(text: str) -> Matcher:
    """Parse one matcher such as `severity=~"critical|page"` or `job = api`.

    The value may be quoted (OpenMetrics escapes `\\"`, `\\n`, `\\\\` apply) or bare; surrounding whitespace
    is ignored; an empty value is allowed.
    """
    return _parse_matcher_at(text, text, 0)


def _parse_matcher_at(text: str, whole: str, offset: int) -> Matcher:
    m = _MATCHER_RE.match(text)
    if m is None:
        raise MatcherError(f"bad matcher format: {text}", whole, offset)
    name, op, raw = m.group(1), m.group(2), m.group(3)
    raw_start = offset + m.start(3)
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MatcherError(f"matcher value not valid UTF-8: {raw}", whole, raw_start + exc.start) from None

    expect_trailing_quote = False
    body = raw
    body_start = raw_start
    if body.startswith('"'):
        body = body[1:]
        body_start += 1
        expect_trailing_quote = True

    out: list[str] = []
    escaped = False
    last = len(body) - 1
    for i, ch in enumerate(body):
        if escaped:
            escaped = False
            if ch == "n":
                out.append("\n")
            elif ch in ('"', "\\"):
                out.append(ch)
            else:
                # A spurious escape keeps its backslash, as in Alertmanager.
                out.append("\\")
                out.append(ch)
            continue
        if ch == "\\":
            if i < last:
                escaped = True
                continue
            out.append("\\")
        elif ch == '"':
            if not expect_trailing_quote or i < last:
                raise MatcherError(f"matcher value contains unescaped double quote: {raw}", whole, body_start + i)
            expect_trailing_quote = False
        else:
            out.append(ch)
    if expect_trailing_quote:
        raise MatcherError(f"matcher value contains unescaped double quote: {raw}", whole, raw_start)

    try:
        return Matcher(name, MatchType(op), "".join(out))
    except MatcherError as exc:
        raise MatcherError(f"{exc.message} in matcher {text.strip()}", whole, raw_start) from None


def parse_matchers(text: str) -> list[Matcher]:
    """Parse a comma-separated list like `{a="b", c=~"d.*"}` or `a=b,c=~d` (braces optional).

    Commas inside double quotes do not split; a trailing comma is allowed; an empty input gives [].
    """
    start = 0
    body = text
    if body.startswith("{"):
        body = body[1:]
        start = 1
    if body.endswith("}"):
        body = body[:-1]

    tokens: list[tuple[str, int]] = []
    inside_quotes = False
    escaped = False
    token_start = 0
    for i, ch in enumerate(body):
        if ch == ",":
            if not inside_quotes:
                tokens.append((body[token_start:i], start + token_start))
                token_start = i + 1
                continue
        elif ch == '"':
            if not escaped:
                inside_quotes = not inside_quotes
            else:
                escaped = False
        elif ch == "\\":
            escaped = not escaped
        else:
            escaped = False
    rest = body[token_start:]
    if rest.strip():
        tokens.append((rest, start + token_start))

    return [_parse_matcher_at(tok, text, pos) for tok, pos in tokens]


def format_matchers(matchers: Sequence[Matcher]) -> str:
    """Alertmanager's `Matchers.String()`: `{a="b",c=~"d"}`."""
    return "{" + ",".join(str(m) for m in matchers) + "}"


def matches_all(matchers: Sequence[Matcher], labels: Mapping[str, str]) -> bool:
    """Whether every matcher accepts `labels` (absent labels count as ""); an empty list matches all."""
    return all(m.matches(labels.get(m.name, "")) for m in matchers)
