"""A small model of Go's type system for template values.

Templates are dynamically evaluated, but Go checks every argument against the parameter type of
the function it is passed to and names the types in its errors ("wrong type for value; expected
string; got template.KV"). Values therefore carry a Go type name: Python scalars map to Go's basic
types and the data model classes declare theirs in ``go_type``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

# Named types and their underlying types; anything starting with "[" or "map[" is unnamed.
UNDERLYING: dict[str, str] = {
    "template.KV": "map[string]string",
    "template.Alerts": "[]template.Alert",
    "template.Pairs": "[]template.Pair",
    "template.HTML": "string",
    "time.Duration": "int64",
}

ANY = "interface {}"
REFLECT_VALUE = "reflect.Value"


def underlying(t: str) -> str:
    return UNDERLYING.get(t, t)


def is_named(t: str) -> bool:
    return not (t.startswith("[") or t.startswith("map[") or t.startswith("*") or t.startswith("func"))


def kind(t: str | None) -> str:
    """Go's reflect.Kind family of a type name: string/int/uint/float/complex/bool/slice/map/struct/..."""
    if t is None:
        return "invalid"
    u = underlying(t)
    if u == "string":
        return "string"
    if u in ("int", "int8", "int16", "int32", "int64"):
        return "int"
    if u in ("uint", "uint8", "uint16", "uint32", "uint64", "uintptr"):
        return "uint"
    if u in ("float32", "float64"):
        return "float"
    if u in ("complex64", "complex128"):
        return "complex"
    if u == "bool":
        return "bool"
    if u.startswith("[]"):
        return "slice"
    if u.startswith("map["):
        return "map"
    if u.startswith("func"):
        return "func"
    if u == ANY:
        return "interface"
    if u.startswith("*"):
        return "ptr"
    return "struct"


def elem_type(t: str) -> str:
    u = underlying(t)
    if u.startswith("[]"):
        return u[2:]
    if u.startswith("map["):
        depth = 0
        for i, c in enumerate(u):
            if c == "[":
                depth += 1
            elif c == "]":
                depth -= 1
                if depth == 0:
                    return u[i + 1 :]
    raise ValueError(t)


def key_type(t: str) -> str:
    u = underlying(t)
    return u[4 : len(u) - len(elem_type(t)) - 1]


def assignable(vt: str, t: str) -> bool:
    """Go's AssignableTo for the types templates meet."""
    if vt == t or t in (ANY, REFLECT_VALUE):
        return True
    return underlying(vt) == underlying(t) and (not is_named(vt) or not is_named(t))


class GoSlice(list[Any]):
    """A Go slice: a list that knows its Go type (``[]string``, ``template.Alerts``...)."""

    __slots__ = ("go_type",)

    def __init__(self, go_type: str, items: Sequence[Any] = ()) -> None:
        super().__init__(items)
        self.go_type = go_type


class GoMap(dict[str, Any]):
    """A Go map with string keys."""

    __slots__ = ("go_type",)

    def __init__(self, go_type: str, items: Any = ()) -> None:
        super().__init__(items)
        self.go_type = go_type


class HTML(str):
    """html/template's HTML type: content trusted not to need escaping (what safeHtml returns)."""

    __slots__ = ()
    go_type = "template.HTML"


@dataclass(frozen=True, slots=True)
class GoFunc:
    """A callable as Go sees it: parameter types, variadic flag, result type, and whether it can fail.

    ``impl`` raises ``GoCallError`` for Go's second (error) result.
    """

    name: str
    params: tuple[str, ...]
    result: str
    impl: Callable[..., Any]
    variadic: bool = False
    returns_error: bool = False

    @property
    def go_type(self) -> str:
        ps = list(self.params)
        if self.variadic and ps:
            ps[-1] = "..." + ps[-1][2:]
        res = f"({self.result}, error)" if self.returns_error else self.result
        return f"func({', '.join(ps)}) {res}"


class GoCallError(Exception):
    """The error result of a Go function; the template wraps it as ``error calling NAME: ...``."""


class GoStruct:
    """Base for data-model structs: exported fields in declaration order, plus methods."""

    go_type: ClassVar[str] = "struct"
    go_fields: ClassVar[tuple[str, ...]] = ()

    def go_field(self, name: str) -> Any:
        return getattr(self, "f_" + name)

    def go_method(self, name: str) -> GoFunc | None:
        return None

    def __eq__(self, other: object) -> bool:
        # Go's struct ==: same type, all fields equal
        return type(other) is type(self) and all(self.go_field(f) == other.go_field(f) for f in self.go_fields)

    def __hash__(self) -> int:
        return hash(self.go_type)


def go_type_of(v: Any) -> str | None:
    """The Go type name of a template value, or None for Go's invalid (missing) value."""
    if v is None:
        return None
    if v is True or v is False:
        return "bool"
    gt = getattr(v, "go_type", None)
    if isinstance(gt, str):
        return gt
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, complex):
        return "complex128"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "[]interface {}"
    if isinstance(v, dict):
        return "map[string]interface {}"
    return type(v).__name__


def methods_of(v: Any) -> Callable[[str], GoFunc | None] | None:
    m = getattr(v, "go_method", None)
    return m if callable(m) else None
