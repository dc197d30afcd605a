"""Helpers for the differential corpus: read a case, render it with amtool and with Tocsin."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tocsin.notify.template import TemplateError, Templates, data_from_json

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
DATA = HERE / "data"
AMTOOL = "/usr/bin/amtool"
AM_TEMPLATES = Path("/usr/share/gocode/src/github.com/prometheus/alertmanager/template")
TEXT = '{{ template "x" . }}'

_HEADER = re.compile(r"\{\{/\* data: (\w+); type: (\w+) \*/\}\}")


@dataclass(frozen=True)
class Case:
    path: Path
    data: str
    kind: str

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def uses_defaults(self) -> bool:
        return self.name.startswith("default_")


@dataclass(frozen=True)
class Outcome:
    ok: bool
    output: str


def load_cases() -> list[Case]:
    cases = []
    for p in sorted(CORPUS.glob("*.tmpl")):
        m = _HEADER.match(p.read_text(encoding="utf-8"))
        assert m is not None, f"{p.name}: first line must be the data/type header"
        cases.append(Case(p, m.group(1), m.group(2)))
    return cases


def run_amtool(case: Case) -> Outcome:
    globs = [str(case.path)]
    if case.uses_defaults:
        globs += [str(AM_TEMPLATES / "default.tmpl"), str(AM_TEMPLATES / "email.tmpl")]
    cmd = [AMTOOL, "template", "render", "--template.text", TEXT, "--template.type", case.kind]
    cmd += ["--template.data", str(DATA / f"{case.data}.json")]
    for g in globs:
        cmd += ["--template.glob", g]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    if p.returncode == 0:
        return Outcome(True, p.stdout)
    return Outcome(False, p.stderr.strip().removeprefix("amtool: error: "))


def run_tocsin(case: Case) -> Outcome:
    data = data_from_json(json.loads((DATA / f"{case.data}.json").read_text(encoding="utf-8")))
    try:
        t = Templates.from_globs([str(case.path)], include_defaults=case.uses_defaults)
        render = t.render_html if case.kind == "html" else t.render_text
        return Outcome(True, render(TEXT, data))
    except TemplateError as e:
        return Outcome(False, str(e))
