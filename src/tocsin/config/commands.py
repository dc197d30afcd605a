"""`tocsin check FILE...`: validate configuration files the way `amtool check-config` does.

Valid files get amtool's summary on stdout; every problem goes to stderr as `file:line:col: path: message`
so editors and CI logs can jump to it. Template globs that match no file are warnings, not failures, because
Alertmanager itself starts with them.
"""

from __future__ import annotations

import glob
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from tocsin.config.errors import ConfigError, ConfigWarning
from tocsin.config.loader import load_config_file
from tocsin.config.model import Config
from tocsin.config.yamlsource import parse_yaml

__all__ = ["check", "template_warnings"]


def check(
    files: list[Path],
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    extra_checks: Callable[[Config], list[str]] | None = None,
) -> int:
    """Check each file; return 0 when all are valid, 1 otherwise (2 when no file was given).

    `extra_checks` lets the caller add checks that need other packages (templates, channel implementations);
    each string it returns is reported as an error of that file.
    """
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    if not files:
        print("tocsin check: no configuration file given", file=err)
        return 2
    failed = 0
    for file in files:
        try:
            config = load_config_file(file)
        except ConfigError as exc:
            failed += 1
            print(f"Checking '{file}'  FAILED: {len(exc.problems)} problem(s)", file=out)
            for problem in exc.problems:
                print(str(problem), file=err)
            print(file=out)
            continue
        problems = extra_checks(config) if extra_checks is not None else []
        if problems:
            failed += 1
            print(f"Checking '{file}'  FAILED: {len(problems)} problem(s)", file=out)
            for message in problems:
                # "12:7: ..." carries its own position and joins the file name like the loader's problems.
                print(f"{file}:{message}" if message[:1].isdigit() else f"{file}: {message}", file=err)
            print(file=out)
            continue
        print(f"Checking '{file}'  SUCCESS", file=out)
        _summary(config, out)
        for warning in template_warnings(config, str(file)):
            print(f"{warning} (warning)", file=err)
        print(file=out)
    if failed:
        print(f"failed to validate {failed} file(s)", file=err)
        return 1
    return 0


def _summary(config: Config, out: TextIO) -> None:
    print("Found:", file=out)
    print(" - global config", file=out)
    print(" - route", file=out)
    print(f" - {len(config.inhibit_rules)} inhibit rules", file=out)
    print(f" - {len(config.receivers)} receivers", file=out)
    print(f" - {len(config.templates)} templates", file=out)
    print(f" - {len(config.time_intervals)} time intervals", file=out)


def template_warnings(config: Config, filename: str) -> list[ConfigWarning]:
    """One warning per `templates` entry whose glob matches no file."""
    out: list[ConfigWarning] = []
    doc = None
    for i, pattern in enumerate(config.templates):
        if glob.glob(pattern):
            continue
        if doc is None:
            doc = parse_yaml(config.original)
        line, column = doc.locate(("templates", i))
        out.append(ConfigWarning(filename, line, column, f"templates[{i}]", f"no template file matches {pattern!r}"))
    return out
