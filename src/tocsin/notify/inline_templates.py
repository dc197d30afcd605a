"""`tocsin check`: syntax errors in the templates written inline in receivers, with file position.

Alertmanager only finds these when it first sends (and then drops the notification); Tocsin would dead-letter
it. Parsing every templated string of every receiver at check time turns that into a configuration error that
names the line, the field and the problem.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, SecretStr

from tocsin.config.types import is_secret_field
from tocsin.config.yamlsource import parse_yaml
from tocsin.notify.template import TemplateError, Templates

Path = tuple[str | int, ...]


def _strings(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    if isinstance(value, str):
        if "{{" in value:
            yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, (*path, str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, (*path, i))


def _dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _is_secret(config: Any, path: Path) -> bool:
    """Whether the value at `path` of the validated configuration is a secret (never a template: Alertmanager
    does not render secrets, and an error message must not quote one)."""
    obj: Any = config
    field_info: Any = None
    for part in path:
        field_info = None
        if isinstance(part, int):
            if not isinstance(obj, list) or part >= len(obj):
                return False
            obj = obj[part]
        elif isinstance(obj, BaseModel):
            fields = type(obj).model_fields
            name = next((n for n, f in fields.items() if part in (n, f.alias)), None)
            if name is None:
                return False
            field_info = fields[name]
            obj = getattr(obj, name)
        elif isinstance(obj, dict):
            obj = obj.get(part)
        else:
            return False
    if isinstance(obj, SecretStr):
        return True
    return field_info is not None and is_secret_field(list(field_info.metadata))


def inline_template_problems(original_yaml: str, templates: Templates, config: Any = None) -> list[str]:
    """"line:column: receivers[i].x_configs[j].field: template: ..." for every inline template that fails to parse."""
    doc = parse_yaml(original_yaml)
    data = doc.data if isinstance(doc.data, dict) else {}
    problems = []
    receivers = data.get("receivers") or []
    for i, receiver in enumerate(receivers if isinstance(receivers, list) else []):
        if not isinstance(receiver, dict):
            continue
        for key, configs in receiver.items():
            if not str(key).endswith("_configs"):
                continue
            for path, text in _strings(configs, ("receivers", i, str(key))):
                if config is not None and _is_secret(config, path):
                    continue
                try:
                    templates.check(text)
                except TemplateError as exc:
                    line, column = doc.locate(path)
                    where = f"{line}:{column}: " if line is not None else ""
                    problems.append(f"{where}{_dotted(path)}: {exc}")
    return problems
