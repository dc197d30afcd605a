"""Alerts, flush contexts and a small schema checker shared by the incident-channel tests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from tocsin.model.alert import Alert
from tocsin.model.labels import fingerprint
from tocsin.notify.context import NotifyContext

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EXTERNAL_URL = "http://tocsin.example:9093"
GROUP_KEY = '{}:{alertname="DiskFull"}'
# sha256 of GROUP_KEY, computed with `printf '%s' '{}:{alertname="DiskFull"}' | sha256sum`.
GROUP_KEY_SHA256 = "17c4e445d234645c9e547ff6d32a864af0ebdadcd1902771c24c8d366637ff41"


def alert(
    instance: str = "db1",
    *,
    resolved: bool = False,
    annotations: Mapping[str, str] | None = None,
    **labels: str,
) -> Alert:
    lbls = {"alertname": "DiskFull", "instance": instance, "severity": "critical"} | labels
    return Alert(
        labels=lbls,
        annotations=dict(annotations if annotations is not None else {"summary": f"disk full on {instance}"}),
        starts_at=NOW - timedelta(minutes=10),
        ends_at=NOW - timedelta(minutes=1) if resolved else None,
        updated_at=NOW,
        generator_url="http://prometheus.example/graph",
        fingerprint=fingerprint(lbls),
    )


def context(receiver: str = "ops", group_key: str = GROUP_KEY) -> NotifyContext:
    return NotifyContext(
        group_key=group_key,
        group_labels={"alertname": "DiskFull"},
        receiver=receiver,
        now=NOW,
        repeat_interval=3600.0,
        external_url=EXTERNAL_URL,
    )


_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "object": dict,
    "array": list,
    "integer": int,
    "number": (int, float),
}


def schema_errors(value: Any, schema: Mapping[str, Any], path: str = "$") -> list[str]:
    """The ways `value` breaks a JSON-schema-like dict (type, enum, required, properties, items, maxLength,
    maxItems, minLength, additionalProperties as a schema). Written out here so each test states the service's
    documented contract next to the payload it checks."""
    errors: list[str] = []
    kind = schema.get("type")
    if kind is not None and not isinstance(value, _TYPES[kind]):
        return [f"{path}: expected {kind}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not one of {schema['enum']}")
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{path}: longer than {schema['maxLength']}")
        if "minLength" in schema and len(value) < schema["minLength"]:
            errors.append(f"{path}: shorter than {schema['minLength']}")
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{path}: more than {schema['maxItems']} items")
        for i, item in enumerate(value):
            errors += schema_errors(item, schema.get("items", {}), f"{path}[{i}]")
    if isinstance(value, dict):
        for name in schema.get("required", ()):
            if name not in value:
                errors.append(f"{path}: missing required {name!r}")
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in props:
                errors += schema_errors(item, props[name], f"{path}.{name}")
            elif extra is False:
                errors.append(f"{path}: unexpected property {name!r}")
            elif isinstance(extra, dict):
                errors += schema_errors(item, extra, f"{path}.{name}")
    return errors
