"""Validation and normalisation of alerts posted to API v2, with Alertmanager's rules.

Start and end times are filled in (a missing end becomes now + resolve_timeout and is marked as a timeout),
empty label values are dropped, and each invalid alert is reported by its index and the offending field.

Senders re-post the same alerts on every evaluation, so the label and annotation objects are kept as raw JSON
and looked up in a cache of already validated sets: a known label set costs one dictionary look-up instead of
decoding, validation, sorting and fingerprinting, and all sightings of an alert share one labels dict.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import msgspec

from tocsin.model.alert import Alert
from tocsin.model.labels import fingerprint_of_sorted, is_valid_label_name

_GO_ZERO_YEAR = 1
intern = sys.intern
_EMPTY: dict[str, str] = {}


class PostableAlert(msgspec.Struct):
    labels: msgspec.Raw
    annotations: msgspec.Raw = msgspec.Raw(b"null")
    startsAt: datetime | None = None
    endsAt: datetime | None = None
    generatorURL: str | None = None


alerts_decoder = msgspec.json.Decoder(list[PostableAlert])
_label_map_decoder = msgspec.json.Decoder(dict[str, str] | None)


def api_time_opt(t: datetime | None) -> datetime | None:
    """Go's zero time from a client means "not set"; naive times are taken as UTC."""
    if t is None or t.year == _GO_ZERO_YEAR:
        return None
    if t.tzinfo is None:
        return t.replace(tzinfo=UTC)
    return t.astimezone(UTC)


@dataclass
class IngestResult:
    valid: list[Alert]
    errors: list[str]
    firing: int
    resolved: int


def _utf8_problem(s: str) -> bool:
    if s.isascii():
        return False
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _label_problem(kind: str, labels: dict[str, str]) -> str | None:
    for name, value in labels.items():
        if not is_valid_label_name(name):
            return f"invalid {kind} name {name!r}" if name else f"empty {kind} name (value {value!r})"
        if _utf8_problem(value):
            return f"invalid {kind} value for {name!r}: not valid UTF-8"
    return None


def decode_annotations(raw: bytes) -> dict[str, str] | str:
    try:
        decoded = _label_map_decoder.decode(raw)
    except msgspec.DecodeError as exc:
        return f"annotations: {exc}"
    except UnicodeDecodeError:
        return "annotations: not valid UTF-8"
    annotations = decoded if decoded else {}  # msgspec returns a fresh dict; null gets a new empty one
    problem = _label_problem("annotation", annotations)
    return problem if problem is not None else annotations


# A validated label set: (labels without empty values, fingerprint) or the reason it is invalid.
_Labels = tuple[dict[str, str], int] | str


class LabelSetCache:
    """Raw JSON of label (and annotation) objects -> their validated form; bounded, cleared when full."""

    def __init__(self, max_size: int = 200_000) -> None:
        self._labels: dict[bytes, _Labels] = {}
        self._annotations: dict[bytes, dict[str, str] | str] = {}
        self._max = max_size

    def labels(self, raw: bytes) -> _Labels:
        hit = self._labels.get(raw)
        if hit is not None:
            return hit
        result: _Labels
        try:
            decoded = _label_map_decoder.decode(raw)
        except msgspec.DecodeError as exc:
            result = f"labels: {exc}"
        except UnicodeDecodeError:
            result = "labels: not valid UTF-8"
        else:
            # Interned: label names and common values (job, severity, ...) repeat across thousands of alerts.
            labels = {intern(k): intern(v) for k, v in (decoded or _EMPTY).items() if v != ""}
            problem = _label_problem("label", labels)
            if problem is None and not labels:
                problem = "at least one label pair required"
            result = problem if problem is not None else (labels, fingerprint_of_sorted(sorted(labels.items())))
        if len(self._labels) >= self._max:
            self._labels.clear()
        self._labels[raw] = result
        return result



    def annotations(self, raw: bytes) -> dict[str, str] | str:
        """Validated annotations; re-sent alerts usually repeat them verbatim, so they are cached too."""
        hit = self._annotations.get(raw)
        if hit is None:
            hit = decode_annotations(raw)
            if len(self._annotations) >= self._max:
                self._annotations.clear()
            self._annotations[raw] = hit
        return hit


def normalise_alerts(
    posted: Sequence[PostableAlert],
    now: datetime,
    resolve_timeout: float,
    cache: LabelSetCache,
    tenant: str = "default",
) -> IngestResult:
    timeout_end = now + timedelta(seconds=resolve_timeout)
    valid: list[Alert] = []
    errors: list[str] = []
    firing = resolved = 0
    for i, p in enumerate(posted):
        starts = api_time_opt(p.startsAt) if p.startsAt is not None else None
        ends = api_time_opt(p.endsAt) if p.endsAt is not None else None
        if starts is None:
            starts = ends if ends is not None else now
        timeout = False
        if ends is None:
            timeout = True
            ends = timeout_end
        if ends > now:
            firing += 1
        else:
            resolved += 1
        checked = cache.labels(bytes(p.labels))
        annotations = cache.annotations(bytes(p.annotations))
        problem: str | None = None
        if isinstance(checked, str):
            problem = checked
        elif isinstance(annotations, str):
            problem = annotations
        elif ends < starts:
            problem = "start time must be before end time"
        elif p.generatorURL and _utf8_problem(p.generatorURL):
            problem = "generatorURL is not valid UTF-8"
        if problem is not None or isinstance(checked, str) or isinstance(annotations, str):
            errors.append(f"alerts[{i}]: {problem}")
            continue
        labels, fp = checked
        valid.append(
            Alert(labels, annotations, starts, ends, now, p.generatorURL or "", timeout, fp, tenant)
        )
    return IngestResult(valid, errors, firing, resolved)
