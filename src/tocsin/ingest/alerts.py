"""Validation and normalisation of alerts posted to API v2, with Alertmanager's rules.

Start and end times are filled in (a missing end becomes now + resolve_timeout and is marked as a timeout),
empty label values are dropped, and each invalid alert is reported by its index and the offending field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import msgspec

from tocsin.model.alert import Alert
from tocsin.model.labels import FingerprintCache, is_valid_label_name

_GO_ZERO_YEAR = 1


class PostableAlert(msgspec.Struct, forbid_unknown_fields=False):
    labels: dict[str, str]
    annotations: dict[str, str] | None = None
    startsAt: datetime | None = None
    endsAt: datetime | None = None
    generatorURL: str | None = None


alerts_decoder = msgspec.json.Decoder(list[PostableAlert])


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


def normalise_alerts(
    posted: Sequence[PostableAlert],
    now: datetime,
    resolve_timeout: float,
    fingerprints: FingerprintCache,
    tenant: str = "default",
) -> IngestResult:
    timeout_end = now + timedelta(seconds=resolve_timeout)
    valid: list[Alert] = []
    errors: list[str] = []
    firing = resolved = 0
    for i, p in enumerate(posted):
        starts = api_time_opt(p.startsAt)
        ends = api_time_opt(p.endsAt)
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
        labels = {k: v for k, v in p.labels.items() if v != ""}
        annotations = dict(p.annotations) if p.annotations else {}
        problem = _label_problem("label", labels)
        if problem is None and not labels:
            problem = "at least one label pair required"
        if problem is None:
            problem = _label_problem("annotation", annotations)
        if problem is None and ends < starts:
            problem = "start time must be before end time"
        if problem is None and p.generatorURL and _utf8_problem(p.generatorURL):
            problem = "generatorURL is not valid UTF-8"
        if problem is not None:
            name = p.labels.get("alertname", "")
            who = f" (alertname={name!r})" if name else ""
            errors.append(f"alerts[{i}]{who}: {problem}")
            continue
        valid.append(
            Alert(
                labels=labels,
                annotations=annotations,
                starts_at=starts,
                ends_at=ends,
                updated_at=now,
                generator_url=p.generatorURL or "",
                timeout=timeout,
                fingerprint=fingerprints.fingerprint(labels),
                tenant=tenant,
            )
        )
    return IngestResult(valid, errors, firing, resolved)
