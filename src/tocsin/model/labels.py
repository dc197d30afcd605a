"""Label sets: fingerprints, names and Alertmanager's string forms.

Fingerprints must equal Alertmanager's (FNV-1a 64 over sorted name/value pairs, 0xff separated) because they
appear in API responses and webhook payloads that users compare across the two systems.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from tocsin.model.gostrings import go_quote

LabelSet = Mapping[str, str]

_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_MASK = 0xFFFFFFFFFFFFFFFF
_SEP = 0xFF

# Alertmanager 0.25 validates label names with Prometheus' legacy charset.
_LABEL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_valid_names: set[str] = set()


def _fnv1a_update(h: int, data: bytes) -> int:
    for byte in data:
        h = ((h ^ byte) * _FNV_PRIME) & _MASK
    return h


class FingerprintCache:
    """Memoises fingerprints of label sets.

    Pure-Python FNV over every byte costs microseconds per alert; the same label sets arrive again and again
    (every Prometheus evaluation re-sends them), so a bounded cache keeps ingestion cheap.
    """

    def __init__(self, max_size: int = 200_000) -> None:
        self._max = max_size
        self._cache: dict[tuple[tuple[str, str], ...], int] = {}

    def fingerprint(self, labels: LabelSet) -> int:
        key = tuple(sorted(labels.items()))
        fp = self._cache.get(key)
        if fp is None:
            fp = fingerprint_of_sorted(key)
            if len(self._cache) >= self._max:
                self._cache.clear()
            self._cache[key] = fp
        return fp


def fingerprint_of_sorted(items: Iterable[tuple[str, str]]) -> int:
    h = _FNV_OFFSET
    for name, value in items:
        h = _fnv1a_update(h, name.encode())
        h = ((h ^ _SEP) * _FNV_PRIME) & _MASK
        h = _fnv1a_update(h, value.encode())
        h = ((h ^ _SEP) * _FNV_PRIME) & _MASK
    return h


_default_cache = FingerprintCache()


def fingerprint(labels: LabelSet) -> int:
    """Alertmanager-compatible 64-bit fingerprint of a label set."""
    return _default_cache.fingerprint(labels)


def fingerprint_hex(fp: int) -> str:
    return f"{fp:016x}"


def is_valid_label_name(name: str) -> bool:
    if name in _valid_names:
        return True
    if _LABEL_NAME_RE.match(name) is None:
        return False
    if len(_valid_names) < 100_000:
        _valid_names.add(name)
    return True


def labels_to_string(labels: LabelSet) -> str:
    """Alertmanager's LabelSet.String(): `{a="1", b="2"}` with names sorted."""
    return "{" + ", ".join(f"{k}={go_quote(v)}" for k, v in sorted(labels.items())) + "}"


def label_set_before(a: LabelSet, b: LabelSet) -> bool:
    """Prometheus' LabelSet.Before ordering, used to sort alerts in a notification."""
    if len(a) != len(b):
        return len(a) < len(b)
    for name in sorted(set(a) | set(b)):
        if name not in a:
            return True
        if name not in b:
            return False
        if a[name] != b[name]:
            return a[name] < b[name]
    return False
