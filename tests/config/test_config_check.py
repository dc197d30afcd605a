from __future__ import annotations

import io
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tocsin.config import ConfigError, load_config_file
from tocsin.config.commands import check

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "tocsin.yml"
AM_TESTDATA = Path("/usr/share/gocode/src/github.com/prometheus/alertmanager/config/testdata")


def run_check(*files: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = check(list(files), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def run_cli_check(cfg: Path) -> subprocess.CompletedProcess[str]:
    """`tocsin check` as a user runs it (the CLI adds runtime checks that `check()` alone does not make)."""
    return subprocess.run(
        [sys.executable, "-m", "tocsin.cli", "check", str(cfg)], capture_output=True, text=True, check=False
    )


def test_check_valid_file_prints_amtool_style_summary() -> None:
    code, out, err = run_check(EXAMPLE)
    assert code == 0
    assert out.startswith(f"Checking '{EXAMPLE}'  SUCCESS\nFound:\n - global config\n - route\n")
    assert " - 1 inhibit rules\n - 2 receivers\n - 0 templates\n" in out
    assert err == ""


def test_check_invalid_file_lists_every_problem_on_stderr(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        textwrap.dedent(
            """\
            route:
              receiver: nobody
              group_wait: 5x
            receivers:
              - name: web
                webhook_configs: [{}]
            """
        )
    )
    code, out, err = run_check(EXAMPLE, bad)
    assert code == 1
    assert f"Checking '{bad}'  FAILED: 3 problem(s)" in out
    lines = err.splitlines()
    assert f"{bad}:2:13: route.receiver: undefined receiver 'nobody' used in route" in lines
    assert f"{bad}:3:15: route.group_wait: not a valid duration: '5x'" in lines
    assert f"{bad}:6:23: receivers[0].webhook_configs[0]: one of url or url_file must be configured" in lines
    assert lines[-1] == "failed to validate 1 file(s)"


def test_check_without_files_is_a_usage_error() -> None:
    assert run_check()[0] == 2


def test_check_warns_about_template_globs_without_files(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "ok.tmpl").write_text("")
    cfg = tmp_path / "c.yml"
    cfg.write_text("route: {receiver: r}\nreceivers: [{name: r}]\ntemplates:\n  - t/*.tmpl\n  - missing/*.tmpl\n")
    code, out, err = run_check(cfg)
    assert code == 0
    assert " - 2 templates" in out
    assert err.strip() == f"{cfg}:5:5: templates[1]: no template file matches '{tmp_path}/missing/*.tmpl' (warning)"


def test_check_missing_file(tmp_path: Path) -> None:
    code, _, err = run_check(tmp_path / "absent.yml")
    assert code == 1
    assert "cannot read file" in err


# --- differential: same verdict as the real amtool ----------------------------------------------------------

AMTOOL = shutil.which("amtool")

ROOT = "route: {receiver: r}\n"
RCV = "receivers: [{name: r}]\n"
ROUTE_SUB = "route: {{receiver: r, routes: [{{{}}}]}}\n"
TI = "time_intervals: [{{name: w, time_intervals: [{{{}}}]}}]\n"

CASES = {
    "minimal": "route: {receiver: r}\nreceivers: [{name: r}]\n",
    "no-route": "receivers: [{name: r}]\n",
    "undefined-receiver": "route: {receiver: x}\nreceivers: [{name: r}]\n",
    "root-matchers": "route: {receiver: r, matchers: [a=b]}\nreceivers: [{name: r}]\n",
    "dup-receiver": "route: {receiver: r}\nreceivers: [{name: r}, {name: r}]\n",
    "unknown-key": "route: {receiver: r, foo: 1}\nreceivers: [{name: r}]\n",
    "bad-duration": "route: {receiver: r, group_wait: 1.5m}\nreceivers: [{name: r}]\n",
    "good-durations": "route: {receiver: r, group_wait: 1m30s, repeat_interval: 1d}\nreceivers: [{name: r}]\n",
    "zero-interval": "route: {receiver: r, group_interval: 0s}\nreceivers: [{name: r}]\n",
    "group-by-all": "route: {receiver: r, group_by: ['...']}\nreceivers: [{name: r}]\n",
    "group-by-mixed": "route: {receiver: r, group_by: ['...', a]}\nreceivers: [{name: r}]\n",
    "group-by-dup": "route: {receiver: r, group_by: [a, a]}\nreceivers: [{name: r}]\n",
    "bad-matcher": "route: {receiver: r, routes: [{matchers: ['a=~\"(\"']}]}\nreceivers: [{name: r}]\n",
    "good-matchers": "route: {receiver: r, routes: [{matchers: ['a=~\"x|y\", b!=c']}]}\nreceivers: [{name: r}]\n",
    "match-bad-name": "route: {receiver: r, routes: [{match: {a-b: c}}]}\nreceivers: [{name: r}]\n",
    "webhook-ok": "route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{url: 'http://h/'}]}]\n",
    "webhook-no-url": "route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{}]}]\n",
    "webhook-bad-scheme": "route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{url: 'ftp://h/'}]}]\n",
    "email-no-smarthost": "route: {receiver: r}\nreceivers: [{name: r, email_configs: [{to: a@b, from: c@d}]}]\n",
    "email-ok": "global: {smtp_smarthost: 'h:25', smtp_from: a@b}\nroute: {receiver: r}\n"
    "receivers: [{name: r, email_configs: [{to: a@b}]}]\n",
    "slack-no-url": "route: {receiver: r}\nreceivers: [{name: r, slack_configs: [{channel: x}]}]\n",
    "pagerduty-no-key": "route: {receiver: r}\nreceivers: [{name: r, pagerduty_configs: [{}]}]\n",
    "telegram-no-chat": "route: {receiver: r}\nreceivers: [{name: r, telegram_configs: [{bot_token: t}]}]\n",
    "time-interval-ok": "route: {receiver: r, routes: [{receiver: r, mute_time_intervals: [w]}]}\n"
    "receivers: [{name: r}]\ntime_intervals: [{name: w, time_intervals: [{weekdays: ['saturday:sunday']}]}]\n",
    "time-interval-undefined": "route: {receiver: r, routes: [{receiver: r, active_time_intervals: [w]}]}\n"
    "receivers: [{name: r}]\n",
    "time-interval-bad-weekday": "route: {receiver: r}\nreceivers: [{name: r}]\n"
    "time_intervals: [{name: w, time_intervals: [{weekdays: ['friday:monday']}]}]\n",
    "time-interval-bad-days": "route: {receiver: r}\nreceivers: [{name: r}]\n"
    "time_intervals: [{name: w, time_intervals: [{days_of_month: ['-1:5']}]}]\n",
    "time-interval-bad-time": "route: {receiver: r}\nreceivers: [{name: r}]\n"
    "time_intervals: [{name: w, time_intervals: [{times: [{start_time: '10:00', end_time: '09:00'}]}]}]\n",
    "time-interval-bad-zone": "route: {receiver: r}\nreceivers: [{name: r}]\n"
    "time_intervals: [{name: w, time_intervals: [{location: 'Nowhere/City'}]}]\n",
    "inhibit-ok": "route: {receiver: r}\nreceivers: [{name: r}]\n"
    "inhibit_rules: [{source_matchers: [a=b], target_matchers: [c=d], equal: [x]}]\n",
    "inhibit-bad-equal": "route: {receiver: r}\nreceivers: [{name: r}]\ninhibit_rules: [{equal: ['x-y']}]\n",
    "duplicate-key": "route: {receiver: r}\nroute: {receiver: r}\nreceivers: [{name: r}]\n",
    "continue-root": "route: {receiver: r, continue: true}\nreceivers: [{name: r}]\n",
    "resolve-timeout-bad": "global: {resolve_timeout: 5}\nroute: {receiver: r}\nreceivers: [{name: r}]\n",
    "http-config-conflict": "route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{url: 'http://h/', "
    "http_config: {bearer_token: a, bearer_token_file: b}}]}]\n",
    "yaml-braces-matcher": ROUTE_SUB.format('matchers: [\'{a="b", c=~"d"}\']') + RCV,
    "yaml-chat-id-str": ROOT + "receivers: [{name: r, telegram_configs: [{bot_token: t, chat_id: '12'}]}]\n",
    "yaml-dom-int": ROOT + RCV + TI.format("days_of_month: [1, 5]"),
    "yaml-dup-nested-key": ROOT + "receivers: [{name: r, name: r}]\n",
    "yaml-email-headers": "global: {smtp_smarthost: 'h:25', smtp_from: a@b}\n"
    + ROOT
    + "receivers: [{name: r, email_configs: [{to: a@b, headers: {Subject: x, subject: y}}]}]\n",
    "yaml-empty-file": "",
    "yaml-groupby-colon": "route: {receiver: r, group_by: ['a:b']}\n" + RCV,
    "yaml-groupby-empty": "route: {receiver: r, group_by: []}\n" + RCV,
    "yaml-inhibit-equal-dup": ROOT + RCV + "inhibit_rules: [{equal: [a, a]}]\n",
    "yaml-label-colon": ROUTE_SUB.format("matchers: ['a:b=c']") + RCV,
    "yaml-match-colon": ROUTE_SUB.format("match: {'a:b': c}") + RCV,
    "yaml-match-null": ROUTE_SUB.format("match: {a: null}") + RCV,
    "yaml-matcher-unicode": ROUTE_SUB.format("matchers: ['a=~\"\\\\pL+\"']") + RCV,
    "yaml-month-13": ROOT + RCV + TI.format("months: ['13']"),
    "yaml-num-receiver": "route: {receiver: 123}\nreceivers: [{name: 123}]\n",
    "yaml-only-comment": "# nothing\n",
    "yaml-pushover-retry-int": ROOT
    + "receivers: [{name: r, pushover_configs: [{user_key: u, token: t, retry: 30}]}]\n",
    "yaml-route-receiver-empty-sub": ROUTE_SUB.format("receiver: ''") + RCV,
    "yaml-routes-null": "route: {receiver: r, routes: null}\n" + RCV,
    "yaml-slack-url-file-global": "global: {slack_api_url_file: /x}\n"
    + ROOT
    + "receivers: [{name: r, slack_configs: [{channel: c}]}]\n",
    "yaml-str-bool": ROOT + "receivers: [{name: r, webhook_configs: [{url: 'http://h/', send_resolved: 'true'}]}]\n",
    "yaml-tab": "route:\n\treceiver: r\n",
    "yaml-templates-null": ROOT + RCV + "templates: null\nglobal: null\ninhibit_rules: null\n",
    "yaml-ti-empty-name": ROOT + RCV + "time_intervals: [{time_intervals: []}]\n",
    "yaml-time-2400": ROOT + RCV + TI.format("times: [{start_time: '00:00', end_time: '24:00'}]"),
    "yaml-webhook-maxalerts-neg": ROOT
    + "receivers: [{name: r, webhook_configs: [{url: 'http://h/', max_alerts: -1}]}]\n",
    "yaml-webhook-url-nohost": ROOT + "receivers: [{name: r, webhook_configs: [{url: 'http:/path'}]}]\n",
    "yaml-weekday-num": ROOT + RCV + TI.format("weekdays: ['1:5']"),
    "yaml-year-neg": ROOT + RCV + TI.format("years: ['-5:2020']"),
}


@pytest.mark.peer
@pytest.mark.parametrize("name", sorted(CASES))
def test_check_agrees_with_amtool(name: str, tmp_path: Path) -> None:
    assert AMTOOL is not None, "amtool (Debian prometheus-alertmanager) must be installed"
    path = tmp_path / f"{name}.yml"
    path.write_text(CASES[name])
    amtool = subprocess.run([AMTOOL, "check-config", str(path)], capture_output=True, text=True, timeout=30)
    try:
        load_config_file(path)
        ours = True
    except ConfigError:
        ours = False
    assert ours == (amtool.returncode == 0), amtool.stdout + amtool.stderr


@pytest.mark.peer
def test_check_example_accepted_by_amtool() -> None:
    assert AMTOOL is not None, "amtool (Debian prometheus-alertmanager) must be installed"
    result = subprocess.run([AMTOOL, "check-config", str(EXAMPLE)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.peer
def test_check_alertmanager_testdata_verdicts_match_amtool() -> None:
    assert AMTOOL is not None, "amtool (Debian prometheus-alertmanager) must be installed"
    files = sorted(AM_TESTDATA.glob("*.yml"))
    assert len(files) > 20
    result = subprocess.run([AMTOOL, "check-config", *map(str, files)], capture_output=True, text=True, timeout=60)
    verdicts = {}
    for line in result.stdout.splitlines():
        if line.startswith("Checking '"):
            name = line.split("'")[1]
            verdicts[name] = "SUCCESS" in line
    for file in files:
        try:
            load_config_file(file)
            ours = True
        except ConfigError:
            ours = False
        assert ours == verdicts[str(file)], file.name


def test_check_reports_unimplemented_channels_and_broken_templates(tmp_path: Path) -> None:
    """`tocsin check` (the CLI) adds runtime checks: a channel without an implementation is never silently dropped."""
    (tmp_path / "bad.tmpl").write_text('{{ define "x" }}{{ .Foo ')
    cfg = tmp_path / "c.yml"
    cfg.write_text(
        "route: {receiver: s}\n"
        "receivers:\n"
        "- name: s\n"
        "  wechat_configs: [{api_secret: x, corp_id: y, to_user: z}]\n"
        f"templates: ['{tmp_path}/*.tmpl']\n"
    )
    proc = run_cli_check(cfg)
    assert proc.returncode == 1
    assert "unclosed action" in proc.stderr


def test_check_finds_broken_inline_templates_with_their_line(tmp_path: Path) -> None:
    """A syntax error in a receiver's inline template is a configuration error naming line, field and problem,
    not a dead letter at the first notification; every broken field is reported at once."""
    cfg = tmp_path / "c.yml"
    cfg.write_text(
        "route: {receiver: s}\n"
        "receivers:\n"
        "- name: s\n"
        "  slack_configs:\n"
        "  - api_url: http://127.0.0.1:1/x\n"
        "    title: '{{ .CommonLabels.alertname }}'\n"
        "    text: '{{ range .Alerts }}{{ .Annotations.summary }}'\n"
        "    fields:\n"
        "    - {title: sev, value: '{{ .CommonLabels.severity | nosuchfunc }}'}\n"
        "  webhook_configs:\n"
        "  - url: http://127.0.0.1:1/hook\n"
        "    body_template: '{{ if .Status }}ok{{ end }}'\n"
    )
    proc = run_cli_check(cfg)
    assert proc.returncode == 1, proc.stdout
    lines = [ln for ln in proc.stderr.splitlines() if "receivers[0]" in ln]
    assert len(lines) == 2, proc.stderr
    assert lines[0].startswith(f"{cfg}:7:11: receivers[0].slack_configs[0].text: ") and "unexpected EOF" in lines[0]
    assert lines[1].startswith(f"{cfg}:9:") and "fields[0].value" in lines[1] and "nosuchfunc" in lines[1]


def test_inline_template_check_skips_secrets_and_never_quotes_them(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yml"
    cfg.write_text(
        "route: {receiver: r}\n"
        "receivers:\n"
        "- name: r\n"
        "  webhook_configs:\n"
        "  - url: 'http://127.0.0.1:1/{{hook}}'\n"
        "    http_config:\n"
        "      basic_auth: {username: u, password: 'xx{{hunter2}}'}\n"
    )
    proc = run_cli_check(cfg)
    assert proc.returncode == 0, proc.stderr
    assert "hunter2" not in proc.stdout + proc.stderr
