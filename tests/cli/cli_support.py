"""Running `tocsin alert|silence|config` next to Debian's amtool against one server.

The commands are driven in-process through typer's CliRunner (fast, and the same code path as the real
binary once the root CLI registers them); amtool runs as a subprocess. Both get the same HOME, so neither
picks up the developer's own amtool.yml.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import typer
from typer.testing import CliRunner

from tocsin.api.commands import alert_app, config_app, silence_app

AMTOOL_BIN = "/usr/bin/amtool"

cli_app = typer.Typer(add_completion=False)
cli_app.add_typer(alert_app, name="alert")
cli_app.add_typer(silence_app, name="silence")
cli_app.add_typer(config_app, name="config")


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


def tocsin(args: list[str], home: Path, stdin: str | None = None) -> Run:
    env: dict[str, str | None] = {"HOME": str(home), "ALERTMANAGER_URL": None, "AMTOOL_OUTPUT": None}
    result = CliRunner().invoke(cli_app, args, input=stdin, env=env, catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def amtool(args: list[str], home: Path, stdin: str | None = None) -> Run:
    if not os.access(AMTOOL_BIN, os.X_OK):
        raise AssertionError(f"{AMTOOL_BIN} is missing: install Debian's prometheus-alertmanager")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "TZ": os.environ.get("TZ", "UTC")}
    proc = subprocess.run(
        [AMTOOL_BIN, *args], input=stdin, capture_output=True, text=True, env=env, timeout=30, check=False
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)
