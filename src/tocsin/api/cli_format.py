"""amtool's output formats: Go's tabwriter tables, the routing tree drawing, and the simple/extended/json views.

Kept apart from the commands so the byte-for-byte output rules (tested against amtool 0.25) live in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tocsin.api.client import AlertmanagerStatus, GettableAlert, GettableSilence, go_json

# ---------------------------------------------------------------------------------------------------------
# Go's text/tabwriter (minwidth 0, tabwidth 0, padding 2, pad with spaces, no flags), as amtool uses it.


def tabwrite(text: str, padding: int = 2) -> str:
    """Align tab-terminated cells into columns exactly as Go's tabwriter does.

    A cell is the text before a tab; the text after a line's last tab is not part of any column. A column
    block is a run of consecutive lines that all have a cell in that column; its width is the widest cell
    plus `padding`. A form feed ends every block.
    """
    rendered: list[str] = []
    for section in text.split("\f"):  # Go turns the form feed into a newline after flushing
        lines = [line.replace("\v", "\t").split("\t") for line in section.split("\n")]
        out: list[str] = []
        _format_block(lines, 0, len(lines), [], padding, out)
        rendered.append("".join(out))
    return "\n".join(rendered)


def _format_block(
    lines: list[list[str]], line0: int, line1: int, widths: list[int], padding: int, out: list[str]
) -> None:
    column = len(widths)
    this = line0
    while this < line1:
        if column >= len(lines[this]) - 1:
            this += 1
            continue
        _write_lines(lines, line0, this, widths, out)
        line0 = this
        width = 0
        while this < line1 and column < len(lines[this]) - 1:
            width = max(width, len(lines[this][column]) + padding)
            this += 1
        widths.append(width)
        _format_block(lines, line0, this, widths, padding, out)
        widths.pop()
        line0 = this
    _write_lines(lines, line0, line1, widths, out)


def _write_lines(lines: list[list[str]], line0: int, line1: int, widths: list[int], out: list[str]) -> None:
    for i in range(line0, line1):
        cells = lines[i]
        parts: list[str] = []
        for j, cell in enumerate(cells[:-1]):
            parts.append(cell)
            if j < len(widths):
                parts.append(" " * (widths[j] - len(cell)))
        parts.append(cells[-1])
        out.append("".join(parts))
        if i + 1 < len(lines):
            out.append("\n")


# ---------------------------------------------------------------------------------------------------------
# The ASCII tree of github.com/xlab/treeprint, which `amtool config routes` prints.


@dataclass
class TreeNode:
    value: str
    children: list[TreeNode] = field(default_factory=list)

    def add(self, value: str) -> TreeNode:
        child = TreeNode(value)
        self.children.append(child)
        return child


def render_tree(root: TreeNode) -> str:
    """`.`-rooted tree with box-drawing edges; every line ends with a newline."""
    lines = [root.value]

    def walk(nodes: list[TreeNode], prefix: str) -> None:
        for i, node in enumerate(nodes):
            last = i == len(nodes) - 1
            lines.append(f"{prefix}{'└──' if last else '├──'} {node.value}")
            if node.children:
                # The treeprint that Debian's amtool is built with pads the bar with two no-break spaces.
                walk(node.children, prefix + ("    " if last else "│\u00a0\u00a0 "))

    walk(root.children, "")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------
# Output formats.


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """amtool's tables: every cell, the last one included, ends with a tab, aligned by tabwrite."""
    return tabwrite("".join("".join(cell + "\t" for cell in row) + "\n" for row in (header, *rows)))


def format_alerts(alerts: Sequence[GettableAlert], output: str, date_format: str) -> str:
    if output == "json":
        return go_json([a.to_json() for a in alerts]) + "\n"
    ordered = sorted(alerts, key=lambda a: a.starts_at.epoch_ns)
    if output == "extended":
        return _table(
            ["Labels", "Annotations", "Starts At", "Ends At", "Generator URL", "State"],
            (
                [
                    _pairs(a.labels),
                    _pairs(a.annotations),
                    a.starts_at.format(date_format),
                    a.ends_at.format(date_format),
                    a.generator_url,
                    a.state,
                ]
                for a in ordered
            ),
        )
    return _table(
        ["Alertname", "Starts At", "Summary", "State"],
        (
            [a.labels.get("alertname", ""), a.starts_at.format(date_format), a.annotations.get("summary", ""), a.state]
            for a in ordered
        ),
    )


def format_silences(silences: Sequence[GettableSilence], output: str, date_format: str) -> str:
    if output == "json":
        return go_json([s.to_json() for s in silences]) + "\n"
    ordered = sorted(silences, key=lambda s: s.ends_at.epoch_ns)
    if output == "extended":
        return _table(
            ["ID", "Matchers", "Starts At", "Ends At", "Updated At", "Created By", "Comment"],
            (
                [
                    s.id,
                    "{" + ",".join(str(m) for m in s.matchers) + "}",
                    s.starts_at.format(date_format),
                    s.ends_at.format(date_format),
                    s.updated_at.format(date_format),
                    s.created_by,
                    s.comment,
                ]
                for s in ordered
            ),
        )
    return _table(
        ["ID", "Matchers", "Ends At", "Created By", "Comment"],
        (
            [s.id, " ".join(str(m) for m in s.matchers), s.ends_at.format(date_format), s.created_by, s.comment]
            for s in ordered
        ),
    )


def format_config(status: AlertmanagerStatus, output: str) -> str:
    if output == "json":
        return go_json(status.to_json()) + "\n"
    text = status.original + "\n"
    if output == "extended":
        # amtool 0.25 prints Go pointer addresses for these fields (a bug); the values are what was meant.
        info = status.raw.get("versionInfo")
        version: dict[str, Any] = info if isinstance(info, dict) else {}
        for key in ("buildUser", "goVersion", "revision", "version", "branch", "buildDate"):
            text += f"{key} {version.get(key, '')}\n"
        text += f"uptime {status.raw.get('uptime', '')}\n"
    return text


def _pairs(labels: dict[str, str]) -> str:
    return " ".join(sorted(f'{k}="{v}"' for k, v in labels.items()))
