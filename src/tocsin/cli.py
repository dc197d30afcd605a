"""The `tocsin` command line: a thin layer that parses flags and hands over to the packages."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Tocsin alerting engine.")


def _register() -> None:
    from tocsin.ml.commands import ml_app

    app.add_typer(ml_app, name="ml", help="Anomaly detection and forecasting tools.")


def main() -> None:
    _register()
    app()
