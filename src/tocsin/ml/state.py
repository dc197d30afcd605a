"""JSON-compatible encoding of detector state.

Detectors keep their learned state in plain containers (floats, lists, deques, dicts and small helper
objects registered here), so one generic codec serves all of them and a restart restores exactly the
same behaviour: the next score after a restore equals the score without the restart.
"""

from __future__ import annotations

import json
from array import array
from collections import deque
from typing import Any, TypeVar

_T = TypeVar("_T", bound=type)

_REGISTRY: dict[str, type] = {}


def register(cls: _T) -> _T:
    """Allow instances of `cls` (plain attribute bags) inside detector state."""
    _REGISTRY[cls.__name__] = cls
    return cls


def encode(obj: Any) -> Any:
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, list):
        return [encode(x) for x in obj]
    if isinstance(obj, tuple):
        return {"__tuple__": [encode(x) for x in obj]}
    if isinstance(obj, set):
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in obj):
            raise TypeError("only sets of integers can be encoded")
        return {"__iset__": sorted(obj)}
    if isinstance(obj, array):
        if obj.typecode != "d":
            raise TypeError(f"only float64 arrays can be encoded, not {obj.typecode!r}")
        return {"__array_d__": obj.tolist()}
    if isinstance(obj, deque):
        return {"__deque__": [encode(x) for x in obj], "maxlen": obj.maxlen}
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj):
            return {"__dict__": {k: encode(v) for k, v in obj.items()}}
        if all(isinstance(k, int) and not isinstance(k, bool) for k in obj):
            return {"__idict__": [[k, encode(v)] for k, v in obj.items()]}
        raise TypeError("state dict keys must be all strings or all integers")
    name = type(obj).__name__
    if _REGISTRY.get(name) is type(obj):
        return {"__obj__": name, "d": encode(vars(obj))}
    raise TypeError(f"cannot encode {type(obj).__name__} in detector state")


def decode(obj: Any) -> Any:
    if isinstance(obj, list):
        return [decode(x) for x in obj]
    if not isinstance(obj, dict):
        return obj
    if "__tuple__" in obj:
        return tuple(decode(x) for x in obj["__tuple__"])
    if "__iset__" in obj:
        return {int(v) for v in obj["__iset__"]}
    if "__array_d__" in obj:
        return array("d", (float(v) for v in obj["__array_d__"]))
    if "__deque__" in obj:
        return deque((decode(x) for x in obj["__deque__"]), maxlen=obj.get("maxlen"))
    if "__idict__" in obj:
        return {int(k): decode(v) for k, v in obj["__idict__"]}
    if "__dict__" in obj:
        return {k: decode(v) for k, v in obj["__dict__"].items()}
    if "__obj__" in obj:
        cls = _REGISTRY.get(obj["__obj__"])
        if cls is None:
            raise ValueError(f"unknown state object type {obj['__obj__']!r}")
        inst: Any = object.__new__(cls)
        inst.__dict__.update(decode(obj["d"]))
        return inst
    raise ValueError(f"unrecognised state node with keys {sorted(obj)}")


def dumps(state: dict[str, Any]) -> str:
    return json.dumps(state, separators=(",", ":"))


def loads(text: str) -> dict[str, Any]:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("detector state must be a JSON object")
    return data
