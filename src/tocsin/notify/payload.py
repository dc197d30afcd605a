"""Alertmanager's template data and the webhook payload built from it (version "4")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tocsin.model.alert import Alert
from tocsin.model.gostrings import quote_meta
from tocsin.model.labels import fingerprint_hex

GO_ZERO_TIME = "0001-01-01T00:00:00Z"


def go_time(t: datetime | None) -> str:
    """Go's time.Time JSON form (RFC 3339 with trailing fractional zeros removed)."""
    if t is None:
        return GO_ZERO_TIME
    t = t.astimezone(UTC)
    base = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        base += ("." + f"{t.microsecond:06d}").rstrip("0")
    return base + "Z"


def _common(maps: Sequence[dict[str, str]]) -> dict[str, str]:
    if not maps:
        return {}
    common = dict(maps[0])
    for m in maps[1:]:
        for k in list(common):
            if m.get(k) != common[k]:
                del common[k]
    return common


def template_data(
    receiver: str,
    group_labels: dict[str, str],
    alerts: Sequence[Alert],
    external_url: str,
    now: datetime,
) -> dict[str, Any]:
    items = []
    firing = False
    for a in alerts:
        status = a.status_at(now)
        firing = firing or status == "firing"
        items.append(
            {
                "status": status,
                "labels": a.labels,
                "annotations": a.annotations,
                "startsAt": go_time(a.starts_at),
                "endsAt": go_time(a.ends_at),
                "generatorURL": a.generator_url,
                "fingerprint": fingerprint_hex(a.fingerprint),
            }
        )
    return {
        "receiver": quote_meta(receiver),  # as Alertmanager's template.Data does
        "status": "firing" if firing else "resolved",
        "alerts": items,
        "groupLabels": group_labels,
        "commonLabels": _common([a.labels for a in alerts]),
        "commonAnnotations": _common([a.annotations for a in alerts]),
        "externalURL": external_url,
    }
