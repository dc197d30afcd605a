"""Load and validate a configuration file, reporting every problem with file:line:column."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from tocsin.config.errors import ConfigError, ConfigProblem
from tocsin.config.http import HTTPClientConfig, TLSConfig
from tocsin.config.model import Config
from tocsin.config.semantic import Finding, apply_global_defaults, check_references
from tocsin.config.yamlsource import Path as DataPath
from tocsin.config.yamlsource import YamlDocument, YamlSyntaxError, parse_yaml

__all__ = ["format_path", "load_config_file", "load_config_text"]


def load_config_file(path: str | Path) -> Config:
    """Read, parse and validate `path`; relative paths inside it are resolved against its directory."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([ConfigProblem(str(path), None, None, "", f"cannot read file: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([ConfigProblem(str(path), None, None, "", f"file is not UTF-8 text: {exc.reason}")]) from None
    config = load_config_text(text, filename=str(path))
    _resolve_paths(config, file.parent)
    return config


def load_config_text(text: str, filename: str = "<config>") -> Config:
    """Parse and validate configuration text. Raises ConfigError listing every problem found."""
    try:
        doc = parse_yaml(text)
    except YamlSyntaxError as exc:
        raise ConfigError([ConfigProblem(filename, exc.line, exc.column, "", f"invalid YAML: {exc.message}")]) from None

    problems: list[ConfigProblem] = []
    for path, dup_line, dup_column in doc.duplicates:
        problems.append(
            ConfigProblem(filename, dup_line, dup_column, format_path(path), f"key {path[-1]!r} already set")
        )

    data: Any = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        line, column = doc.locate(())
        raise ConfigError([ConfigProblem(filename, line, column, "", "configuration must be a YAML mapping")])

    config: Config | None = None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc, doc, data, filename))

    problems.extend(_findings(check_references(data), doc, filename))
    if config is not None:
        problems.extend(_findings(apply_global_defaults(config), doc, filename))

    if problems:
        raise ConfigError(_dedupe(problems))
    assert config is not None
    config.original = text
    return config


def format_path(path: DataPath) -> str:
    """("route", "routes", 0, "group_wait") -> "route.routes[0].group_wait"."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _findings(findings: list[Finding], doc: YamlDocument, filename: str) -> list[ConfigProblem]:
    out = []
    for path, message in findings:
        line, column = doc.locate(path)
        out.append(ConfigProblem(filename, line, column, format_path(path), message))
    return out


_MESSAGES = {
    "extra_forbidden": "unknown field (not allowed here)",
    "missing": "required field is missing",
}


def _pydantic_problems(exc: ValidationError, doc: YamlDocument, data: Any, filename: str) -> list[ConfigProblem]:
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        kind = err["type"]
        if kind == "missing" and tuple(err["loc"]) == ("route",):
            continue  # reported by the semantic check with Alertmanager's wording
        path = _data_path(err["loc"], data, kind)
        message = _MESSAGES.get(kind) or _clean(err["msg"])
        item = _ITEM_PREFIX.match(message)
        if item is not None:
            # A list validator pointing at one of its items.
            path = (*path, int(item.group(1)))
            message = item.group(2)
        line, column = doc.locate(path, prefer_key=kind == "extra_forbidden")
        out.append(ConfigProblem(filename, line, column, format_path(path), message))
    return out


def _data_path(loc: tuple[int | str, ...], data: Any, kind: str) -> DataPath:
    """Keep the parts of a pydantic error location that address the YAML data (drop union tags etc.)."""
    path: list[str | int] = []
    cur = data
    for i, part in enumerate(loc):
        found, child = _child(cur, part)
        if found:
            path.append(part)
            cur = child
        elif kind == "missing" and i == len(loc) - 1:
            path.append(part)
    return tuple(path)


def _child(cur: Any, part: int | str) -> tuple[bool, Any]:
    if isinstance(cur, dict) and isinstance(part, str) and part in cur:
        return True, cur[part]
    if isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
        return True, cur[part]
    return False, None


_ITEM_PREFIX = re.compile(r"@(\d+): (.*)", re.DOTALL)


def _clean(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def _dedupe(problems: list[ConfigProblem]) -> list[ConfigProblem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        key = (p.path, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _resolve_paths(config: Config, base: Path) -> None:
    """Make relative template globs and http_config/tls_config file paths relative to the config file,
    as Alertmanager does."""

    def join(value: str | None) -> str | None:
        if value and not os.path.isabs(value):
            return str(base / value)
        return value

    config.templates = [join(t) or t for t in config.templates]
    for model in config_values(config):
        if not isinstance(model, BaseModel):
            continue
        if isinstance(model, (HTTPClientConfig, TLSConfig)) or type(model).__module__.endswith(".http"):
            for name in type(model).model_fields:
                if name.endswith("_file"):
                    setattr(model, name, join(getattr(model, name)))


def config_values(obj: Any) -> list[Any]:
    """Every value inside a configuration object, depth first: each model once (however often it is
    shared, so a rewrite of its fields is not applied twice), then its fields, list/tuple items, dict
    values and leaves."""
    out: list[Any] = []
    seen: set[int] = set()

    def visit(value: Any) -> None:
        if isinstance(value, BaseModel):
            if id(value) in seen:
                return
            seen.add(id(value))
            out.append(value)
            for name in type(value).model_fields:
                visit(getattr(value, name))
        elif isinstance(value, list | tuple):
            for item in value:
                visit(item)
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)
        else:
            out.append(value)

    visit(obj)
    return out
