"""Field types shared by the configuration models: durations, URLs, secrets, label names, host:port.

Each type validates the YAML value the way Alertmanager does and raises a ValueError whose message names the
bad value, which the loader turns into a file:line:column problem.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from tocsin.model.duration import DurationError, parse_duration, parse_go_duration

__all__ = [
    "SECRET",
    "ConfigModel",
    "FileField",
    "GoDuration",
    "GoTextDuration",
    "HostPort",
    "LabelName",
    "OptDuration",
    "PromDuration",
    "SecretField",
    "SecretURL",
    "URLStr",
    "duration_kind",
    "is_secret_field",
    "is_valid_label_name",
]


class ConfigModel(BaseModel):
    """Base of every configuration section, decoding YAML values the way Go's yaml.v2 does for Alertmanager:
    unknown keys are errors (UnmarshalStrict), `key: null` means "not set", numbers are accepted where text is
    expected, but quoted text is not accepted as a boolean or an integer."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        coerce_numbers_to_str=True,
        validate_default=False,
        hide_input_in_errors=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _null_means_unset(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(v is None for v in data.values()):
            return {k: v for k, v in data.items() if v is not None}
        return data

    @field_validator("*", mode="before")
    @classmethod
    def _no_text_for_bool_or_int(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str) and info.field_name is not None:
            kind = _scalar_kind(cls, info.field_name)
            if kind is not None:
                raise ValueError(f"cannot use string {value!r} as {kind}")
        return value


_SCALAR_KINDS: dict[tuple[type, str], str | None] = {}


def _scalar_kind(cls: type[BaseModel], name: str) -> str | None:
    key = (cls, name)
    if key not in _SCALAR_KINDS:
        annotation = cls.model_fields[name].annotation
        kind = None
        if annotation in (bool, bool | None):
            kind = "a boolean"
        elif annotation in (int, int | None):
            kind = "an integer"
        _SCALAR_KINDS[key] = kind
    return _SCALAR_KINDS[key]


class _SecretMarker:
    """Metadata tag on fields whose value must never be printed (dumped as `<secret>`)."""

    def __repr__(self) -> str:
        return "SECRET"


SECRET = _SecretMarker()


def is_secret_field(metadata: list[Any]) -> bool:
    return any(m is SECRET for m in metadata)


def _prom_duration(value: Any) -> Any:
    if isinstance(value, float):
        # Seconds, as the models hold them (YAML floats reach us as text, so this is code, not a file).
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        # A bare YAML number: only 0 is a Prometheus duration without a unit.
        if value == 0:
            return 0.0
        raise ValueError(f"not a valid duration: '{value}' (missing unit, e.g. {value}s)")
    if not isinstance(value, str):
        raise ValueError(f"not a valid duration: {value!r}")
    try:
        return parse_duration(value)
    except DurationError as exc:
        if "out of range" in str(exc):
            raise ValueError(f"duration out of range: {value!r}") from None
        raise ValueError(f"not a valid duration: {value!r}") from None


def _go_duration(value: Any) -> Any:
    # Go's yaml.v2 decodes an integer into time.Duration as nanoseconds and a string with time.ParseDuration.
    if isinstance(value, bool):
        raise ValueError(f"not a valid duration: {value!r}")
    if isinstance(value, int):
        return value / 1e9
    if isinstance(value, float):
        return value
    if not isinstance(value, str):
        raise ValueError(f"not a valid duration: {value!r}")
    try:
        return parse_go_duration(value)
    except DurationError:
        raise ValueError(f"not a valid Go duration: {value!r} (e.g. 30s, 1m30s, 500ms)") from None


class _DurationMarker:
    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __repr__(self) -> str:
        return f"DURATION_{self.kind.upper()}"


PROM_DURATION = _DurationMarker("prom")
GO_DURATION = _DurationMarker("go")


def duration_kind(metadata: list[Any]) -> str | None:
    """ "prom" or "go" when a field holds a duration in seconds, for printing it back in its own syntax."""
    for m in metadata:
        if isinstance(m, _DurationMarker):
            return m.kind
    return None


PromDuration = Annotated[float, BeforeValidator(_prom_duration), PROM_DURATION]
"""Prometheus duration (`5m`, `1h30m`) held as float seconds."""

OptDuration = Annotated[
    float | None, BeforeValidator(lambda v: None if v is None else _prom_duration(v)), PROM_DURATION
]

GoDuration = Annotated[float, BeforeValidator(_go_duration), GO_DURATION]
"""Go `time.Duration` syntax (`1.5h`, `300ms`), held as float seconds; a bare YAML integer is nanoseconds."""


def _go_text_duration(value: Any) -> Any:
    # Types decoded through UnmarshalText (pushover's retry/expire/ttl) see an integer as text without a unit.
    if isinstance(value, int) and not isinstance(value, bool) and value != 0:
        raise ValueError(f"not a valid Go duration: '{value}' (missing unit, e.g. {value}s)")
    return _go_duration(value)


GoTextDuration = Annotated[float, BeforeValidator(_go_text_duration), GO_DURATION]


def _url(value: Any) -> Any:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if not isinstance(value, str):
        raise ValueError(f"URL must be a string, got {type(value).__name__}")
    check_url(value)
    return value


def check_url(value: str) -> None:
    """Alertmanager's parseURL: http or https scheme and a host."""
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        # The URL itself is not echoed: webhook and chat URLs often embed credentials.
        raise ValueError(f"invalid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"unsupported scheme {parts.scheme!r} for URL")
    if not parts.netloc:
        raise ValueError("missing host for URL")


def _secret_url(value: Any) -> Any:
    if isinstance(value, str) and value == "<secret>":
        # A config dumped by the status API round-trips, as in Alertmanager.
        return SecretStr(value)
    return SecretStr(_url(value))


URLStr = Annotated[str, BeforeValidator(_url)]
SecretURL = Annotated[SecretStr, BeforeValidator(_secret_url), SECRET]
SecretField = Annotated[SecretStr, SECRET]

_LABEL_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def is_valid_label_name(name: str) -> bool:
    return _LABEL_NAME_RE.fullmatch(name) is not None


def _label_name(value: Any) -> Any:
    if not isinstance(value, str) or not is_valid_label_name(value):
        raise ValueError(f"invalid label name {value!r}")
    return value


LabelName = Annotated[str, BeforeValidator(_label_name)]


def _host_port(value: Any) -> Any:
    """Go's net.SplitHostPort plus Alertmanager's non-empty port rule; "" means unset."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise ValueError(f"address must be a string, got {value!r}")
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            raise ValueError(f"address {value}: missing ']' in address")
        host, rest = value[1:end], value[end + 1 :]
        if not rest.startswith(":"):
            raise ValueError(f"address {value}: missing port in address")
        port = rest[1:]
    else:
        if ":" not in value:
            raise ValueError(f"address {value}: missing port in address")
        host, _, port = value.rpartition(":")
        if ":" in host:
            raise ValueError(f"address {value}: too many colons in address")
    if port == "":
        raise ValueError(f"address {value!r}: port cannot be empty")
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


HostPort = Annotated[str, BeforeValidator(_host_port)]
"""`host:port`, or "" when unset."""

FileField = Annotated[str | None, Field(repr=False)]
"""Path of a file holding a secret; kept out of repr like the secret itself."""
