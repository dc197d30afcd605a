"""YAML text to plain Python data, remembering where every value came from.

PyYAML's `safe_load` forgets positions; composing the node graph first and converting it ourselves keeps
a map from each value's path (("route", "routes", 0, "group_wait")) to its line and column, which is what
lets every later validation error name file:line:column.

Scalars follow Go's yaml.v2 closely enough for Alertmanager files: floats, timestamps and other odd tags stay
as their source text (Alertmanager has no float fields, and `version: 1.10` must stay "1.10"), merge keys
(`<<`) work, and duplicate keys are errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["Path", "YamlDocument", "YamlSyntaxError", "parse_yaml"]

Path = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"

# The C loader is much faster on large files; fall back to pure Python if libyaml is missing.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_constructor = yaml.SafeLoader("")


@dataclass
class YamlSyntaxError(Exception):
    """The text is not well-formed YAML; positions are 1-based."""

    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return self.message


@dataclass
class YamlDocument:
    """Converted data plus positions: `value_marks[path]` is where the value starts, `key_marks[path]` where
    its key is written (mapping entries only)."""

    data: Any
    value_marks: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path, tuple[int, int]] = field(default_factory=dict)
    duplicates: list[tuple[Path, int, int]] = field(default_factory=list)

    def locate(self, path: Path, prefer_key: bool = False) -> tuple[int | None, int | None]:
        """Position of `path`, or of its nearest ancestor that exists in the file."""
        probe = path
        while True:
            if prefer_key and probe in self.key_marks:
                return self.key_marks[probe]
            if probe in self.value_marks:
                return self.value_marks[probe]
            if probe in self.key_marks:
                return self.key_marks[probe]
            if not probe:
                return (None, None)
            probe = probe[:-1]


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document. Raises YamlSyntaxError for malformed input."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(part for part in (exc.context, exc.problem) if part) or str(exc)
        if mark is not None:
            raise YamlSyntaxError(message, mark.line + 1, mark.column + 1) from None
        raise YamlSyntaxError(message) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc)) from None
    doc = YamlDocument(data=None)
    if node is None:
        return doc
    doc.data = _convert(node, (), doc, set())
    return doc


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _convert(node: yaml.Node, path: Path, doc: YamlDocument, active: set[int]) -> Any:
    doc.value_marks.setdefault(path, _mark(node))
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if id(node) in active:
        raise YamlSyntaxError("recursive YAML alias", *_mark(node))
    active.add(id(node))
    try:
        if isinstance(node, yaml.SequenceNode):
            return [_convert(item, (*path, i), doc, active) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            return _mapping(node, path, doc, active)
    finally:
        active.discard(id(node))
    return None  # pragma: no cover - compose only yields the three node kinds


def _mapping(node: yaml.MappingNode, path: Path, doc: YamlDocument, active: set[int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    merged: list[yaml.MappingNode] = []
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            if isinstance(value_node, yaml.MappingNode):
                merged.append(value_node)
            elif isinstance(value_node, yaml.SequenceNode):
                merged.extend(v for v in value_node.value if isinstance(v, yaml.MappingNode))
            continue
        key = _key_text(key_node)
        child = (*path, key)
        if key in out:
            doc.duplicates.append((child, *_mark(key_node)))
            continue
        doc.key_marks[child] = _mark(key_node)
        out[key] = _convert(value_node, child, doc, active)
    # Explicit keys win over merged ones, and earlier merge sources over later ones (YAML merge spec).
    for source in merged:
        for key_node, value_node in source.value:
            key = _key_text(key_node)
            if key in out:
                continue
            child = (*path, key)
            doc.key_marks.setdefault(child, _mark(key_node))
            out[key] = _convert(value_node, child, doc, active)
    return out


def _key_text(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return yaml.serialize(node).strip()


def _scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    if tag == _STR:
        return node.value
    if tag in (_INT, _BOOL, _NULL):
        try:
            return _constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError):
            return node.value
    return node.value
