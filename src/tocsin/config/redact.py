"""YAML dump of a loaded configuration with secrets hidden, like Alertmanager's `Config.String()`.

The status API returns this text; it shows defaults that were filled in (so an operator sees the effective
configuration), prints durations and matchers in their configuration syntax, and replaces every secret value
with `<secret>`.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, SecretStr

from tocsin.config.notifiers import WebhookConfig
from tocsin.config.routing import InhibitRule, Route
from tocsin.config.timeintervals import TimeIntervalSpec
from tocsin.config.types import duration_kind, is_secret_field
from tocsin.model.duration import format_duration, format_go_duration
from tocsin.model.matchers import Matcher

__all__ = ["SECRET_TOKEN", "dump_redacted", "redacted_data"]

SECRET_TOKEN = "<secret>"

# Fields shown although they equal Tocsin's internal "unset" value; Alertmanager prints them too.
_ALWAYS = frozenset({"global", "send_resolved", "continue", "templates", "resolve_timeout"})

# Alertmanager 0.25 (whose amtool re-parses this dump) has the webhook URL as a plain URL that must parse with a
# host, so "<secret>" would break `amtool config routes`; a reserved, unresolvable host stands in for it.
WEBHOOK_URL_PLACEHOLDER = "http://secret.invalid/"


def dump_redacted(model: BaseModel) -> str:
    return yaml.safe_dump(redacted_data(model), sort_keys=False, allow_unicode=True, default_flow_style=False)


def redacted_data(model: BaseModel) -> dict[str, Any]:
    """Plain data of `model` with secrets masked; see the module docstring."""
    out: dict[str, Any] = {}
    overrides = _overrides(model)
    for name, info in type(model).model_fields.items():
        if info.exclude:
            continue
        key = info.alias or name
        raw = getattr(model, name)
        if key not in _ALWAYS and name not in overrides and _is_default(raw, info):
            continue
        value = overrides[name] if name in overrides else _value(raw, info.metadata)
        if _empty(value) and key not in _ALWAYS:
            continue
        out[key] = value
    return out


def _overrides(model: BaseModel) -> dict[str, Any]:
    """Fields whose dump differs from their in-memory form (Tocsin folds legacy keys into one list)."""
    if isinstance(model, Route):
        return {
            "group_by": model.group_by_raw,
            "matchers": [str(m) for m in model.own_matchers],
        }
    if isinstance(model, WebhookConfig) and model.url is not None:
        return {"url": WEBHOOK_URL_PLACEHOLDER}
    if isinstance(model, InhibitRule):
        return {
            "source_matchers": [str(m) for m in model.own_source_matchers],
            "target_matchers": [str(m) for m in model.own_target_matchers],
        }
    return {}


def _value(value: Any, metadata: list[Any]) -> Any:
    if value is None:
        return None
    if isinstance(value, SecretStr):
        return SECRET_TOKEN if value.get_secret_value() else None
    if is_secret_field(metadata) and isinstance(value, str):
        return SECRET_TOKEN if value else None
    if isinstance(value, TimeIntervalSpec):
        return value.to_yaml_data()
    if isinstance(value, BaseModel):
        return redacted_data(value)
    if isinstance(value, Matcher):
        return str(value)
    if isinstance(value, ZoneInfo):
        return value.key
    if isinstance(value, float):
        kind = duration_kind(metadata)
        if kind == "prom":
            return format_duration(value)
        if kind == "go":
            return format_go_duration(value)
        return value
    if isinstance(value, list):
        return [_value(v, []) for v in value]
    if isinstance(value, dict):
        return {str(k): _value(v, []) for k, v in value.items()}
    return value


def _is_default(value: Any, info: Any) -> bool:
    """Values left at their default are not printed.

    amtool 0.25 parses this text with Alertmanager 0.25's strict loader, so fields that newer Alertmanager
    versions (or Tocsin) added must not appear unless the user set them.
    """
    if info.default_factory is not None:
        try:
            default = info.default_factory()
        except TypeError:
            return False
    else:
        default = info.default
    try:
        return bool(value == default)
    except Exception:
        return False


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}
