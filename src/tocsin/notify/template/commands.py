"""``tocsin template render``: render a template against example or given data, like ``amtool template render``."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from tocsin.notify.template.data import KV, Alert, Alerts, TemplateData, data_from_json
from tocsin.notify.template.errors import TemplateError
from tocsin.notify.template.gotime import GoTime
from tocsin.notify.template.templates import Templates

template_app = typer.Typer(no_args_is_help=True, add_completion=False, help="Notification template tools.")


@template_app.callback()
def _group() -> None:
    """Notification template tools."""


def example_data(now: dt.datetime | None = None) -> TemplateData:
    """The example alert group amtool 0.25 renders with when no data file is given."""
    now = now or dt.datetime.now(dt.UTC)
    common_labels = {"commonlabelkey1": "commonlabelvalue1", "commonlabelkey2": "commonlabelvalue2"}
    common_annotations = {
        "commonannotationkey1": "commonannotationvalue1",
        "commonannotationkey2": "commonannotationvalue2",
    }
    alerts = Alerts(
        [
            Alert(
                "alertstatus",
                KV({"label1": "value1", "label2": "value2", "instance": "foo.bar:1234", **common_labels}),
                KV({"annotation1": "value1", "annotation2": "value2", **common_annotations}),
                GoTime(now - dt.timedelta(minutes=5)),
                GoTime(now),
                "https://generatorurl.com",
                "fingerprint1",
            ),
            Alert(
                "alertstatus",
                KV({"foo": "bar", "baz": "qux", **common_labels}),
                KV({"aaa": "bbb", "ccc": "ddd", **common_annotations}),
                GoTime(now - dt.timedelta(minutes=10)),
                GoTime(now),
                "https://generatorurl.com",
                "fingerprint2",
            ),
        ]
    )
    return TemplateData(
        "receiver",
        "alertstatus",
        alerts,
        KV({"grouplabelkey1": "grouplabelvalue1", "grouplabelkey2": "grouplabelvalue2"}),
        KV(common_labels),
        KV(common_annotations),
        "https://example.com",
    )


def _fail(msg: str) -> NoReturn:
    print(f"tocsin: error: {msg}", file=sys.stderr)
    raise typer.Exit(code=1)


@template_app.command("render")
def render(
    template_glob: Annotated[
        list[str] | None,
        typer.Option("--template.glob", help="Glob of template files to load (repeatable)."),
    ] = None,
    template_text: Annotated[str | None, typer.Option("--template.text", help="The template text to render.")] = None,
    template_type: Annotated[str, typer.Option("--template.type", help="text (default) or html.")] = "text",
    template_data: Annotated[
        Path | None,
        typer.Option(
            "--template.data",
            help="JSON file in Alertmanager's template.Data layout; without it an example alert group is used.",
        ),
    ] = None,
    defaults: Annotated[
        bool, typer.Option("--defaults/--no-defaults", help="Also load Tocsin's default templates.")
    ] = True,
    config_file: Annotated[
        Path | None,
        typer.Option("--config", help="Preview mode: a configuration file; shows what each integration sends."),
    ] = None,
    alerts_file: Annotated[
        Path | None, typer.Option("--alerts", help="Preview mode: alerts as posted to /api/v2/alerts (JSON list).")
    ] = None,
    receiver: Annotated[str | None, typer.Option("--receiver", help="Preview mode: the receiver to preview.")] = None,
) -> None:
    """Render a template to standard output, like ``amtool template render``.

    With --config, --alerts and --receiver instead: print the request every integration of that receiver would
    send for those alerts (nothing is sent).
    """
    if config_file is not None or alerts_file is not None or receiver is not None:
        _preview(config_file, alerts_file, receiver)
        return
    if not template_glob:
        _fail("required flag --template.glob not provided")
    if template_text is None:
        _fail("required flag --template.text not provided")
    if template_type not in ("text", "html"):
        _fail(f"enum value must be one of html,text, got '{template_type}'")
    data: TemplateData
    if template_data is None:
        data = example_data()
    else:
        try:
            raw = json.loads(template_data.read_text(encoding="utf-8"))
        except OSError as e:
            _fail(f"open {template_data}: {e.strerror}")
        except json.JSONDecodeError as e:
            _fail(f"{template_data}: invalid JSON at line {e.lineno} column {e.colno}: {e.msg}")
        if not isinstance(raw, dict):
            _fail(f"{template_data}: expected a JSON object with receiver, status, alerts, ...")
        try:
            data = data_from_json(raw)
        except (ValueError, AttributeError, TypeError) as e:
            _fail(f"{template_data}: {e}")
    try:
        tmpl = Templates.from_globs(template_glob, include_defaults=defaults)
        render_fn = tmpl.render_html if template_type == "html" else tmpl.render_text
        out = render_fn(template_text, data)
    except TemplateError as e:
        _fail(str(e))
    sys.stdout.write(out)


def _preview(config_file: Path | None, alerts_file: Path | None, receiver: str | None) -> None:
    import asyncio

    from tocsin.config import ConfigError, load_config_file
    from tocsin.notify.preview import format_previews, preview_receiver, secret_values

    if config_file is None or alerts_file is None or receiver is None:
        _fail("preview needs all of --config, --alerts and --receiver")
    try:
        config = load_config_file(config_file)
    except ConfigError as e:
        _fail("\n".join(str(p) for p in e.problems))
    try:
        body = alerts_file.read_bytes()
    except OSError as e:
        _fail(f"open {alerts_file}: {e.strerror}")
    try:
        previews = asyncio.run(preview_receiver(config, receiver, body, "http://tocsin.example"))
    except ValueError as e:
        _fail(str(e))
    recv = next(r for r in config.receivers if r.name == receiver)
    sys.stdout.write(format_previews(previews, secret_values(recv) | secret_values(config.global_)))
