from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.config import Config, ConfigError, load_config_file, load_config_text
from tocsin.model.matchers import Matcher, MatchType

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "tocsin.yml"
AM_SRC = Path("/usr/share/gocode/src/github.com/prometheus/alertmanager")
AM_TESTDATA = AM_SRC / "config" / "testdata"
AM_EXAMPLES = Path("/usr/share/doc/prometheus-alertmanager/examples")

BASE = """
receivers:
  - name: default
route:
  receiver: default
"""


def load(text: str) -> Config:
    return load_config_text(textwrap.dedent(text), filename="test.yml")


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config_text(textwrap.dedent(text), filename="test.yml")
    return [str(p) for p in info.value.problems]


def test_config_example_file_loads() -> None:
    cfg = load_config_file(EXAMPLE)
    assert cfg.route is not None
    assert cfg.route.receiver == "local-webhook"
    assert cfg.route.group_by == ["alertname"]
    assert cfg.route.group_wait == 30.0
    hook = cfg.receivers[0].webhook_configs[0]
    assert hook.url == "http://127.0.0.1:5001/"
    assert hook.send_resolved is True
    assert hook.max_alerts == 0
    assert hook.timeout == 0.0
    sub = cfg.route.routes[0]
    assert sub.matchers == [
        Matcher("service", MatchType.REGEX, "postgres|redis"),
        Matcher("severity", MatchType.EQUAL, "critical"),
    ]
    assert sub.continue_ is True
    assert sub.active_time_intervals == ["business-hours"]
    assert [t.name for t in cfg.time_intervals] == ["business-hours", "weekly-maintenance"]
    assert cfg.inhibit_rules[0].equal == ["alertname", "instance"]
    assert cfg.original == EXAMPLE.read_text()


@pytest.mark.parametrize(
    "name",
    [
        "conf.good.yml",
        "conf.empty-fields.yml",
        "conf.group-by-all.yml",
        "conf.http-config.good.yml",
        "conf.opsgenie-default-apikey-file.yml",
        "conf.opsgenie-default-apikey.yml",
        "conf.slack-default-api-url-file.yml",
        "conf.smtp-no-username-or-password.yml",
        "conf.smtp-password-global-and-local.yml",
        "conf.sns-topic-arn.yml",
        "conf.victorops-default-apikey-file.yml",
        "conf.victorops-default-apikey.yml",
    ],
)
def test_config_alertmanager_good_testdata_loads(name: str) -> None:
    load_config_file(AM_TESTDATA / name)


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("conf.nil-match_re-route.yml", "invalid regexp value for 'invalid_label'"),
        ("conf.nil-source_match_re-inhibition.yml", "invalid regexp value"),
        ("conf.nil-target_match_re-inhibition.yml", "invalid regexp value"),
        ("conf.opsgenie-both-file-and-apikey.yml", "at most one of opsgenie_api_key & opsgenie_api_key_file"),
        ("conf.opsgenie-default-apikey-old-team.yml", "opsgenie_configs[0].teams: unknown field"),
        ("conf.opsgenie-no-apikey.yml", "no global OpsGenie API Key set"),
        ("conf.slack-both-file-and-url.yml", "at most one of slack_api_url & slack_api_url_file"),
        ("conf.slack-no-api-url.yml", "no Slack API URL nor App token set"),
        ("conf.smtp-both-password-and-file.yml", "at most one of smtp_auth_password & smtp_auth_password_file"),
        ("conf.sns-invalid.yml", "must provide either a Target ARN, Topic ARN, or Phone Number"),
        ("conf.victorops-both-file-and-apikey.yml", "at most one of victorops_api_key & victorops_api_key_file"),
        ("conf.victorops-no-apikey.yml", "no global VictorOps API Key set"),
    ],
)
def test_config_alertmanager_bad_testdata_fails(name: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config_file(AM_TESTDATA / name)
    text = str(info.value)
    assert fragment in text
    assert str(AM_TESTDATA / name) + ":" in text


def test_config_alertmanager_examples_load() -> None:
    cfg = load_config_file(AM_EXAMPLES / "simple.yml")
    assert cfg.route is not None
    assert cfg.route.group_by == ["alertname", "cluster", "service"]
    assert len(cfg.receivers) >= 3
    load_config_file(AM_EXAMPLES / "ha" / "alertmanager.yml")


def test_config_good_testdata_details() -> None:
    cfg = load_config_file(AM_TESTDATA / "conf.good.yml")
    assert cfg.global_.smtp_smarthost == "localhost:25"
    assert cfg.global_.resolve_timeout == 300.0
    assert cfg.templates == ["/etc/alertmanager/template/*.tmpl"]
    email = cfg.receiver("team-X-mails")
    assert email is not None
    ec = email.email_configs[0]
    # Filled from global, as Alertmanager does.
    assert ec.smarthost == "localhost:25"
    assert ec.from_ == "alertmanager@example.org"
    assert ec.hello == "host.example.org"
    assert ec.auth_password is not None
    assert ec.auth_password.get_secret_value() == "multiline\nmysecret"
    assert ec.require_tls is True
    assert ec.send_resolved is False
    route = cfg.route
    assert route is not None
    first = route.routes[0]
    assert first.matchers == [Matcher("service", MatchType.REGEX, "^(?:^(foo1|foo2|baz)$)$")]
    assert first.routes[0].matchers == [Matcher("severity", MatchType.EQUAL, "critical")]


def test_config_group_by_all() -> None:
    cfg = load_config_file(AM_TESTDATA / "conf.group-by-all.yml")
    assert cfg.route is not None
    assert cfg.route.group_by_all is True
    assert cfg.route.group_by is None
    assert cfg.route.group_by_raw == ["..."]


def test_config_error_names_file_line_column_and_path() -> None:
    msgs = problems(BASE + "  routes:\n    - receiver: default\n      group_wait: 5x\n")
    assert msgs == ["test.yml:8:19: route.routes[0].group_wait: not a valid duration: '5x'"]


def test_config_reports_all_problems_at_once() -> None:
    msgs = problems(
        """
        global:
          resolve_timeout: soon
        route:
          receiver: default
          routes:
            - receiver: missing
              matchers: ['a=~"("']
            - receiver: default
              bogus: true
              mute_time_intervals: [never-defined]
        receivers:
          - name: default
            webhook_configs:
              - url: ftp://example.com/
          - name: default
        inhibit_rules:
          - equal: ['bad-label']
        """
    )
    text = "\n".join(msgs)
    assert "test.yml:3:20: global.resolve_timeout: not a valid duration: 'soon'" in text
    assert "test.yml:7:17: route.routes[0].receiver: undefined receiver 'missing' used in route" in text
    assert "test.yml:8:18: route.routes[0].matchers[0]: invalid regular expression: missing )" in text
    assert "test.yml:10:7: route.routes[1].bogus: unknown field (not allowed here)" in text
    assert "undefined time interval 'never-defined' used in route" in text
    assert "receivers[0].webhook_configs[0].url: unsupported scheme 'ftp' for URL" in text
    assert "receivers[1].name: notification config name 'default' is not unique" in text
    assert "inhibit_rules[0].equal[0]: invalid label name 'bad-label'" in text
    assert len(msgs) == 8


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("receivers: []\n", "route: no route provided in config"),
        ("route: {}\nreceivers: []\n", "route: root route must specify a default receiver"),
        (BASE + "  matchers: [a=b]\n", "route.matchers: root route must not have any matchers"),
        (BASE + "  match: {a: b}\n", "route.match: root route must not have any matchers"),
        (BASE + "  continue: true\n", "cannot have continue in root route"),
        (BASE + "  mute_time_intervals: [x]\n", "root route must not have any mute time intervals"),
        (BASE + "  active_time_intervals: [x]\n", "root route must not have any active time intervals"),
        (BASE + "  group_by: ['...', a]\n", "cannot have wildcard group_by"),
        (BASE + "  group_by: [a, a]\n", "duplicated label 'a' in group_by"),
        (BASE + "  group_by: [a-b]\n", "invalid label name 'a-b' in group_by list"),
        (BASE + "  group_interval: 0s\n", "group_interval cannot be zero"),
        (BASE + "  repeat_interval: 0\n", "repeat_interval cannot be zero"),
        (BASE + "  match_re: {a: '('}\n", "missing )"),
        (BASE + "  match: {1a: b}\n", "invalid label name"),
        (BASE + "templates: x\n", "templates: Input should be a valid list"),
        (BASE + "unknown_top: 1\n", "unknown_top: unknown field"),
        ("route:\n  receiver: a\n  receiver: a\nreceivers: [{name: a}]\n", "key 'receiver' already set"),
        ("- just\n- a list\n", "configuration must be a YAML mapping"),
        ("route: [\n", "invalid YAML"),
        (BASE + "time_intervals:\n  - time_intervals: []\n", "time_intervals[0].name: required field is missing"),
        (BASE + "time_intervals:\n  - name: ''\n", "missing name in time interval"),
        (BASE + "time_intervals: [{name: a}]\nmute_time_intervals: [{name: a}]\n", "time interval 'a' is not unique"),
        ("route: {receiver: d}\nreceivers: [{name: ''}]\n", "missing name in receiver"),
    ],
)
def test_config_semantic_errors(text: str, fragment: str) -> None:
    assert any(fragment in m for m in problems(text)), problems(text)


def test_config_yaml_syntax_error_has_position() -> None:
    msgs = problems("route:\n  receiver: a\n   bad: [\n")
    assert msgs[0].startswith("test.yml:3:")
    assert "invalid YAML" in msgs[0]


def test_config_empty_text_needs_route() -> None:
    assert problems("") == ["test.yml: route: no route provided in config"]


def test_config_legacy_matchers_are_merged_in_alertmanager_order() -> None:
    cfg = load(
        BASE
        + """
  routes:
    - receiver: default
      match: {zone: eu, app: api}
      match_re: {env: 'prod|stage'}
      matchers: ['team="db", tier!~"cache.*"']
inhibit_rules:
  - source_match: {severity: critical}
    source_match_re: {alertname: 'Node.*'}
    source_matchers: [cluster=a]
    target_matchers: ['severity=~"warning|info"']
    equal: [instance]
"""
    )
    route = cfg.route.routes[0]
    assert [str(m) for m in route.matchers] == [
        'app="api"',
        'env=~"^(?:prod|stage)$"',
        'team="db"',
        'tier!~"cache.*"',
        'zone="eu"',
    ]
    rule = cfg.inhibit_rules[0]
    assert [str(m) for m in rule.source_matchers] == ['severity="critical"', 'alertname=~"^(?:Node.*)$"', 'cluster="a"']
    assert [str(m) for m in rule.target_matchers] == ['severity=~"warning|info"']


def test_config_route_inheritance_fields_default_to_none() -> None:
    cfg = load(BASE + "  routes:\n    - matchers: [a=b]\n")
    child = cfg.route.routes[0]
    assert child.receiver is None
    assert child.group_by is None
    assert child.group_wait is None and child.group_interval is None and child.repeat_interval is None
    assert child.continue_ is False
    assert [path for path, _ in cfg.route.walk()] == [(), ("routes", 0)]


def test_config_mute_time_intervals_merge_into_time_intervals() -> None:
    cfg = load(
        BASE
        + """
  routes:
    - receiver: default
      mute_time_intervals: [old, new]
mute_time_intervals:
  - name: old
    time_intervals: [{weekdays: [saturday, sunday]}]
time_intervals:
  - name: new
    time_intervals: [{months: ['december'], days_of_month: ['-1']}]
"""
    )
    assert [t.name for t in cfg.time_intervals] == ["old", "new"]
    assert cfg.legacy_mute_interval_names == frozenset({"old"})
    assert cfg.time_interval("new").intervals[0].months[0].begin == 12


def test_config_secrets_never_appear_in_repr_or_str() -> None:
    cfg = load(
        """
        global:
          smtp_auth_password: hunter2-global
          slack_api_url: https://hooks.slack.com/services/T0/B0/tok3n
        route: {receiver: r}
        receivers:
          - name: r
            slack_configs: [{channel: '#ops'}]
            email_configs: [{to: a@example.com, smarthost: 'mail:25', from: b@example.com}]
            webhook_configs:
              - url: https://hooks.example.com/very-secret-path
                http_config:
                  basic_auth: {username: u, password: pa55word}
                  authorization: null
            pagerduty_configs: [{routing_key: pd-routing-key}]
        """
    )
    for text in (repr(cfg), str(cfg), repr(cfg.receivers), str(cfg.global_)):
        for secret in ("hunter2-global", "tok3n", "very-secret-path", "pa55word", "pd-routing-key"):
            assert secret not in text
    dump = cfg.to_yaml_redacted()
    for secret in ("hunter2-global", "tok3n", "very-secret-path", "pa55word", "pd-routing-key"):
        assert secret not in dump
    assert dump.count("<secret>") >= 6
    # The values are still there for the notifiers.
    assert cfg.receivers[0].email_configs[0].auth_password.get_secret_value() == "hunter2-global"


def test_config_redacted_dump_reloads_to_the_same_routing() -> None:
    cfg = load_config_file(EXAMPLE)
    dumped = cfg.to_yaml_redacted()
    data = yaml.safe_load(dumped)
    assert data["route"]["receiver"] == "local-webhook"
    assert data["route"]["group_wait"] == "30s"
    assert data["route"]["routes"][0]["matchers"] == ['service=~"postgres|redis"', 'severity="critical"']
    # amtool 0.25 needs a parseable URL there; the real one is never shown
    assert data["receivers"][0]["webhook_configs"][0]["url"] == "http://secret.invalid/"
    assert data["time_intervals"][0]["time_intervals"][0]["weekdays"] == ["monday:friday"]
    assert data["global"]["resolve_timeout"] == "5m"
    # Secret URLs come back as "<secret>"; swap them for a URL and the dump is a valid config again.
    again = load_config_text(dumped.replace("<secret>", "http://127.0.0.1:9/"))
    assert again.route is not None and cfg.route is not None
    assert [n.matchers for _, n in again.route.walk()] == [n.matchers for _, n in cfg.route.walk()]
    assert again.time_intervals[0].intervals == cfg.time_intervals[0].intervals


def test_config_relative_paths_resolve_against_file(tmp_path: Path) -> None:
    (tmp_path / "tmpl").mkdir()
    (tmp_path / "tmpl" / "a.tmpl").write_text('{{ define "x" }}x{{ end }}')
    cfg_file = tmp_path / "am.yml"
    cfg_file.write_text(
        textwrap.dedent(
            """
            global:
              http_config:
                tls_config: {ca_file: certs/ca.pem}
            route: {receiver: r}
            receivers: [{name: r}]
            templates: ['tmpl/*.tmpl', /abs/*.tmpl]
            """
        )
    )
    cfg = load_config_file(cfg_file)
    assert cfg.templates == [str(tmp_path / "tmpl/*.tmpl"), "/abs/*.tmpl"]
    assert cfg.global_.http_config.tls_config.ca_file == str(tmp_path / "certs/ca.pem")


def test_config_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read file"):
        load_config_file(tmp_path / "nope.yml")


def test_config_yaml_details_follow_go_yaml() -> None:
    cfg = load(
        """
        route: {receiver: r, routes: [{receiver: r, match: {version: 1.10, code: 404}}]}
        receivers:
          - name: r
            webhook_configs:
              - url: http://127.0.0.1:5001/
                max_alerts: 5
        """
    )
    assert cfg.route is not None
    # Numbers in string fields keep their source text, as Go's yaml.v2 does.
    assert [str(m) for m in cfg.route.routes[0].matchers] == ['code="404"', 'version="1.10"']
    assert cfg.receivers[0].webhook_configs[0].max_alerts == 5


def test_config_merge_keys_and_anchors() -> None:
    cfg = load(
        """
        route: {receiver: r}
        receivers:
          - name: r
            webhook_configs:
              - &hook
                url: http://127.0.0.1:5001/
                send_resolved: false
              - <<: *hook
                max_alerts: 3
        """
    )
    hooks = cfg.receivers[0].webhook_configs
    assert hooks[1].url == "http://127.0.0.1:5001/"
    assert hooks[1].send_resolved is False
    assert hooks[1].max_alerts == 3


@pytest.mark.parametrize(
    "path",
    [
        EXAMPLE,
        AM_EXAMPLES / "simple.yml",
        AM_EXAMPLES / "ha" / "alertmanager.yml",
        AM_TESTDATA / "conf.good.yml",
        AM_TESTDATA / "conf.group-by-all.yml",
        AM_TESTDATA / "conf.http-config.good.yml",
        AM_TESTDATA / "conf.opsgenie-default-apikey-file.yml",
        AM_TESTDATA / "conf.smtp-password-global-and-local.yml",
        AM_TESTDATA / "conf.sns-topic-arn.yml",
        AM_TESTDATA / "conf.victorops-default-apikey.yml",
    ],
)
def test_config_redacted_dump_is_a_fixed_point(path: Path) -> None:
    dump = load_config_file(path).to_yaml_redacted()
    again = load_config_text(dump.replace("<secret>", "http://127.0.0.1:9/"))
    assert again.to_yaml_redacted() == dump


_yaml_atoms = st.sampled_from(
    [
        "route",
        "receiver",
        "receivers",
        "name",
        "routes",
        "matchers",
        "group_by",
        "time_intervals",
        "global",
        ":",
        "-",
        "[",
        "]",
        "{",
        "}",
        "'",
        '"',
        "&a",
        "*a",
        "<<",
        "\n",
        "  ",
        "r",
        "5m",
        "null",
        "~",
        "!!str",
        "a=~(",
        "'...'",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_yaml_atoms, max_size=40).map(" ".join))
def test_config_loader_fails_only_with_config_error(text: str) -> None:
    try:
        load_config_text(text)
    except ConfigError as exc:
        assert exc.problems
