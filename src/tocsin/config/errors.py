"""Configuration problems with their position in the source file.

A bad configuration is reported all at once, each problem pointing at file:line:column, so an operator fixes
the file in one pass instead of one error per reload.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ConfigError", "ConfigProblem", "ConfigWarning"]


@dataclass(frozen=True)
class ConfigProblem:
    """One problem: where it is (`file`, 1-based `line`/`column`, dotted `path`) and what is wrong."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if self.path:
            return f"{where}: {self.path}: {self.message}"
        return f"{where}: {self.message}"

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line or 0, self.column or 0, self.path)


@dataclass(frozen=True)
class ConfigWarning(ConfigProblem):
    """Something suspicious that does not stop the configuration from loading."""


class ConfigError(Exception):
    """The configuration was rejected; `problems` lists every problem found, in file order."""

    def __init__(self, problems: Iterable[ConfigProblem]) -> None:
        self.problems = sorted(problems, key=ConfigProblem.sort_key)
        super().__init__(self.__str__())

    def __str__(self) -> str:
        if not self.problems:
            return "invalid configuration"
        if len(self.problems) == 1:
            return str(self.problems[0])
        return f"{len(self.problems)} problems:\n" + "\n".join(f"  {p}" for p in self.problems)
