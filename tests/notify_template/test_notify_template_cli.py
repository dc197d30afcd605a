"""``tocsin template render`` behaves like ``amtool template render``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from tocsin.notify.template.commands import template_app

from .amtool_corpus import AMTOOL, DATA

runner = CliRunner()


def test_render_with_example_data_matches_amtool(tmp_path: Path) -> None:
    tmpl = tmp_path / "t.tmpl"
    tmpl.write_text(
        '{{ define "t" }}{{ .Receiver }} {{ .CommonLabels }} {{ range .Alerts }}{{ .Labels }}{{ end }}{{ end }}'
    )
    text = '{{ template "t" . }} {{ .GroupLabels.SortedPairs.Values }}'
    args = ["--template.glob", str(tmpl), "--template.text", text]
    res = runner.invoke(template_app, ["render", *args])
    assert res.exit_code == 0, res.output
    am = subprocess.run([AMTOOL, "template", "render", *args], capture_output=True, text=True, check=True)
    assert res.output == am.stdout


def test_render_html_with_data_file() -> None:
    res = runner.invoke(
        template_app,
        [
            "render",
            "--template.glob",
            "/nonexistent/*.tmpl",
            "--template.type",
            "html",
            "--template.data",
            str(DATA / "realworld.json"),
            "--template.text",
            "<b>{{ (index .Alerts 0).Annotations.description }}</b>",
        ],
    )
    assert res.exit_code == 0, res.output
    assert res.output == "<b>CPU usage is 97.5% for 10m.\nCheck &lt;top&gt; &amp; &#39;load&#39;.</b>"


def test_default_templates_are_available() -> None:
    res = runner.invoke(
        template_app,
        ["render", "--template.glob", "/nonexistent/*", "--template.text", '{{ template "__subject" . }}'],
    )
    assert res.output == "[ALERTSTATUS] grouplabelvalue1 grouplabelvalue2 "


def test_errors_exit_non_zero_with_the_go_message(tmp_path: Path) -> None:
    res = runner.invoke(template_app, ["render", "--template.glob", "x", "--template.text", "{{ .Nope }}"])
    assert res.exit_code == 1
    assert 'tocsin: error: template: :1:3: executing "" at <.Nope>: can\'t evaluate field Nope' in res.output
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(["not", "an", "object"]))
    res = runner.invoke(
        template_app,
        ["render", "--template.glob", "x", "--template.text", "x", "--template.data", str(bad)],
    )
    assert res.exit_code == 1
    assert "expected a JSON object" in res.output
