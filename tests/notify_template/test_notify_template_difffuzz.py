"""Seeded random templates, rendered by amtool 0.25 and by Tocsin: same output or same error.

The generator mixes actions, pipelines, nested if/with/range, variables, trimming, comments and
(in HTML mode) markup fragments. The seed is fixed so a failure is reproducible; change SEED
locally to explore.
"""

from __future__ import annotations

import json
import random
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tocsin.notify.template import TemplateError, Templates, data_from_json

from .amtool_corpus import AMTOOL, DATA

SEED = 20261124
COUNT = 120
DATA_FILE = DATA / "utc.json"

ATOMS = [
    ".Receiver", ".Status", ".Alerts", ".Alerts.Firing", ".CommonLabels", ".GroupLabels", ".CommonLabels.alertname",
    ".CommonLabels.nope", ".GroupLabels.SortedPairs", ".CommonLabels.Names", ".CommonLabels.Values",
    "(index .Alerts 0)", "(index .Alerts 0).Labels", "(index .Alerts 0).StartsAt", "(index .Alerts 2).EndsAt",
    '"str"', '"a b"', "1", "0", "-3", "2.5", "1e3", "true", "false", "nil", ".", "$", "$x", "(len .Alerts)",
    '(stringSlice "a" "b")', ".ExternalURL", "(index .Alerts 0).Annotations.description", "0x1F", "'x'", '""',
]  # fmt: skip
FUNCS = [
    'printf "%v"', 'printf "%s|%d"', 'printf "%q %x"', 'printf "%5.2f %T"', "print", "println", "len", "index",
    "slice", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "toUpper", "toLower", "title", 'join ","',
    'match "a"', 'reReplaceAll "[aeiou]" "_"', "html", "js", "urlquery", "stringSlice", "safeHtml",
]  # fmt: skip
MARKUP = ['<a href="', '">', "<p title=", "<title>", "</title>", "<b>", "<!-- c -->", "?q=", "'"]


class Generator:
    def __init__(self, seed: int, html: bool) -> None:
        self.rnd = random.Random(seed)
        self.html = html

    def expr(self, depth: int = 0) -> str:
        r = self.rnd.random()
        if r < 0.4 or depth > 2:
            return self.rnd.choice(ATOMS)
        if r < 0.8:
            args = " ".join(self.expr(depth + 1) for _ in range(self.rnd.randint(0, 3)))
            return f"({self.rnd.choice(FUNCS)} {args})"
        return f"({self.expr(depth + 1)} | {self.rnd.choice(FUNCS)})"

    def body(self, depth: int = 0) -> str:
        parts = []
        for _ in range(self.rnd.randint(1, 4)):
            r = self.rnd.random()
            if r < 0.45:
                parts.append("{{ " + self.expr() + " }}")
            elif r < 0.55:
                parts.append(self.rnd.choice(["x", " ", "\n", "-"]))
            elif r < 0.63 and depth < 2:
                parts.append(
                    f"{{{{ if {self.expr()} }}}}{self.body(depth + 1)}{{{{ else }}}}{self.body(depth + 1)}{{{{ end }}}}"
                )
            elif r < 0.71 and depth < 2:
                head = "{{ range $i, $v := " + self.expr() + " }}[{{ $i }}:{{ $v }}]"
                parts.append(head + self.body(depth + 1) + "{{ end }}")
            elif r < 0.79 and depth < 2:
                parts.append(f"{{{{ with {self.expr()} }}}}{self.body(depth + 1)}{{{{ end }}}}")
            elif r < 0.87:
                what = self.rnd.choice(['"a"', ".Status", "$x", "/* c */"])
                left, right = self.rnd.choice(["{{- ", "{{ "]), self.rnd.choice([" -}}", " }}"])
                parts.append(left + what + right + self.rnd.choice(["  \n ", "", " y "]))
            elif r < 0.9 and depth < 2:
                parts.append(
                    '{{ range .Alerts }}{{ if eq .Status "resolved" }}{{ continue }}{{ end }}{{ .Fingerprint }}'
                    "{{ if .Labels.severity }}{{ break }}{{ end }}{{ end }}"
                )
            elif r < 0.95 and self.html:
                parts.append(self.rnd.choice(MARKUP))
            else:
                parts.append("{{ $x := " + self.expr() + " }}")
        return "".join(parts)

    def template(self) -> str:
        return '{{ define "x" }}{{ $x := 1 }}' + self.body() + "{{ end }}"


def _amtool(path: Path, kind: str) -> tuple[bool, str]:
    cmd = [AMTOOL, "template", "render", "--template.glob", str(path), "--template.text", '{{ template "x" . }}']
    cmd += ["--template.data", str(DATA_FILE), "--template.type", kind]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    return (True, p.stdout) if p.returncode == 0 else (False, p.stderr.strip().removeprefix("amtool: error: "))


@pytest.mark.peer
@pytest.mark.parametrize("kind", ["text", "html"])
def test_random_templates_match_amtool(kind: str, tmp_path: Path) -> None:
    gen = Generator(SEED + (kind == "html"), html=kind == "html")
    paths = []
    for i in range(COUNT):
        p = tmp_path / f"g{i}.tmpl"
        p.write_text(gen.template(), encoding="utf-8")
        paths.append(p)
    with ThreadPoolExecutor(max_workers=4) as pool:
        expected = list(pool.map(lambda p: _amtool(p, kind), paths))
    data = data_from_json(json.loads(DATA_FILE.read_text(encoding="utf-8")))
    mismatches = []
    rendered = 0
    for p, (ok, out) in zip(paths, expected, strict=True):
        try:
            t = Templates.from_globs([str(p)], include_defaults=False)
            got: tuple[bool, str] = (
                True,
                (t.render_html if kind == "html" else t.render_text)('{{ template "x" . }}', data),
            )
        except TemplateError as e:
            got = (False, str(e).strip())
        rendered += ok
        same = got == (ok, out) if (ok or kind == "text") else not got[0]
        if not same:
            mismatches.append(f"{p.read_text()}\n  amtool: {(ok, out)!r}\n  tocsin: {got!r}")
    assert not mismatches, "\n".join(mismatches[:5])
    assert rendered >= COUNT // 5  # the generator must produce plenty of templates that render
