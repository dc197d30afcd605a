from __future__ import annotations

import textwrap

import pytest

from tocsin.config import Config, ConfigError, load_config_text
from tocsin.config.notifiers import INTEGRATION_FIELDS, PAGERDUTY_DEFAULT_DETAILS, canonical_mime_header_key


def load(receiver: str, global_: str = "") -> Config:
    text = f"global:\n{textwrap.indent(textwrap.dedent(global_), '  ')}\n" if global_ else ""
    text += "route: {receiver: r}\nreceivers:\n  - name: r\n" + textwrap.indent(textwrap.dedent(receiver), "    ")
    return load_config_text(text, filename="n.yml")


def errors(receiver: str, global_: str = "") -> str:
    with pytest.raises(ConfigError) as info:
        load(receiver, global_)
    return str(info.value)


def test_notifiers_send_resolved_defaults_follow_alertmanager() -> None:
    cfg = load(
        """
        webhook_configs: [{url: 'http://h/'}]
        email_configs: [{to: a@b, smarthost: 'h:25', from: c@d}]
        pagerduty_configs: [{routing_key: k}]
        slack_configs: [{api_url: 'https://h/'}]
        opsgenie_configs: [{api_key: k}]
        wechat_configs: [{api_secret: s, corp_id: c}]
        pushover_configs: [{user_key: u, token: t}]
        victorops_configs: [{api_key: k, routing_key: r}]
        sns_configs: [{topic_arn: arn}]
        telegram_configs: [{bot_token: t, chat_id: 1}]
        discord_configs: [{webhook_url: 'https://h/'}]
        webex_configs: [{room_id: r, http_config: {authorization: {credentials: c}}}]
        msteams_configs: [{webhook_url: 'https://h/'}]
        msteamsv2_configs: [{webhook_url: 'https://h/'}]
        jira_configs: [{api_url: 'https://j/', project: P, issue_type: Bug}]
        rocketchat_configs: [{token: t, token_id: i}]
        incidentio_configs: [{url: 'https://i/', alert_source_token: t}]
        mattermost_configs: [{webhook_url: 'https://m/'}]
        """
    )
    rcv = cfg.receivers[0]
    resolved = {name: cfg.send_resolved for name, _, cfg in rcv.integrations()}
    assert resolved == {
        "webhook": True,
        "email": False,
        "pagerduty": True,
        "opsgenie": True,
        "wechat": False,
        "slack": False,
        "victorops": True,
        "pushover": True,
        "sns": True,
        "telegram": True,
        "discord": True,
        "webex": True,
        "msteams": True,
        "msteamsv2": True,
        "jira": True,
        "incidentio": True,
        "rocketchat": False,
        "mattermost": True,
    }
    assert [f.removesuffix("_configs") for f in INTEGRATION_FIELDS] == [n for n, _, _ in rcv.integrations()]


def test_notifiers_webhook_fields() -> None:
    cfg = load("webhook_configs: [{url: 'http://h:1/x', max_alerts: 7, timeout: 1m30s, send_resolved: false}]")
    wh = cfg.receivers[0].webhook_configs[0]
    assert (wh.url, wh.max_alerts, wh.timeout, wh.send_resolved) == ("http://h:1/x", 7, 90.0, False)
    assert wh.http_config is cfg.global_.http_config  # inherited from global


@pytest.mark.parametrize(
    ("receiver", "fragment"),
    [
        ("webhook_configs: [{}]", "one of url or url_file must be configured"),
        ("webhook_configs: [{url: 'http://h/', url_file: /f}]", "at most one of url & url_file"),
        ("webhook_configs: [{url: 'h:1'}]", "unsupported scheme 'h'"),
        ("webhook_configs: [{url: 'http://'}]", "missing host for URL"),
        ("webhook_configs: [{url: 'http://h/', max_alerts: -1}]", "max_alerts"),
        ("webhook_configs: [{url: 'http://h/', timeout: 5x}]", "not a valid Go duration"),
        ("webhook_configs: [{url: 'http://h/', nope: 1}]", "webhook_configs[0].nope: unknown field"),
        ("email_configs: [{smarthost: 'h:25', from: a@b}]", "missing to address in email config"),
        ("email_configs: [{to: a@b, smarthost: 'h', from: a@b}]", "missing port in address"),
        ("email_configs: [{to: a@b, smarthost: 'h:', from: a@b}]", "port cannot be empty"),
        ("email_configs: [{to: a@b, from: a@b}]", "no global SMTP smarthost set"),
        ("email_configs: [{to: a@b, smarthost: 'h:25'}]", "no global SMTP from set"),
        (
            "email_configs: [{to: a@b, smarthost: 'h:25', from: a@b, headers: {subject: x, Subject: y}}]",
            "duplicate header 'Subject'",
        ),
        ("pagerduty_configs: [{}]", "missing service or routing key in PagerDuty config"),
        ("pagerduty_configs: [{routing_key: a, routing_key_file: b}]", "at most one of routing_key & routing_key_file"),
        ("slack_configs: [{api_url: 'https://h/', api_url_file: f}]", "at most one of api_url & api_url_file"),
        ("slack_configs: [{api_url: 'https://h/', actions: [{type: button, text: t}]}]", "missing name or url"),
        ("slack_configs: [{api_url: 'https://h/', fields: [{title: t}]}]", "missing value in Slack field"),
        ("opsgenie_configs: [{api_key: k, responders: [{type: team}]}]", "at least one of id, username or name"),
        ("opsgenie_configs: [{api_key: k, responders: [{id: x, type: robot}]}]", "does not match valid options"),
        ("wechat_configs: [{api_secret: s, corp_id: c, message_type: html}]", "weChat message type 'html'"),
        ("wechat_configs: [{corp_id: c}]", "no global Wechat Api Secret set"),
        ("wechat_configs: [{api_secret: s}]", "no global Wechat CorpID set"),
        ("pushover_configs: [{token: t}]", "one of user_key or user_key_file must be configured"),
        ("pushover_configs: [{user_key: u, token: t, retry: 1x}]", "not a valid Go duration"),
        ("pushover_configs: [{user_key: u, token: t, html: true, monospace: true}]", "at most one of monospace & html"),
        ("victorops_configs: [{api_key: k}]", "missing Routing key in VictorOps config"),
        ("victorops_configs: [{api_key: k, routing_key: r, custom_fields: {entity_id: x}}]", "custom field entity_id"),
        ("sns_configs: [{}]", "must provide either a Target ARN, Topic ARN, or Phone Number"),
        ("sns_configs: [{topic_arn: a, phone_number: p}]", "must provide either a Target ARN"),
        ("sns_configs: [{topic_arn: a, sigv4: {access_key: x}}]", "access key and secret key"),
        ("telegram_configs: [{bot_token: t}]", "missing chat_id or chat_id_file"),
        ("telegram_configs: [{bot_token: t, chat_id: 1, parse_mode: Text}]", "unknown parse_mode 'Text'"),
        ("telegram_configs: [{chat_id: 1}]", "missing bot_token or bot_token_file"),
        ("webex_configs: [{room_id: r}]", "missing webex_configs.http_config.authorization"),
        ("webex_configs: [{http_config: {authorization: {credentials: c}}}]", "missing room_id on webex_config"),
        ("discord_configs: [{}]", "one of webhook_url or webhook_url_file must be configured"),
        ("msteams_configs: [{webhook_url: 'https://h/', webhook_url_file: f}]", "at most one of webhook_url"),
        ("msteamsv2_configs: [{}]", "one of webhook_url or webhook_url_file"),
        ("jira_configs: [{api_url: 'https://j/', issue_type: Bug}]", "missing project in jira_config"),
        ("jira_configs: [{api_url: 'https://j/', project: P}]", "missing issue_type in jira_config"),
        ("jira_configs: [{project: P, issue_type: Bug}]", "no global Jira Cloud URL set"),
        ("jira_configs: [{api_url: 'https://j/', project: P, issue_type: B, api_type: x}]", "unknown api_type"),
        ("rocketchat_configs: [{token: t}]", "no global Rocketchat TokenID set"),
        ("rocketchat_configs: [{token_id: t}]", "no global Rocketchat Token set"),
        ("incidentio_configs: [{url: 'https://i/'}]", "at least one of alert_source_token"),
        ("mattermost_configs: [{}]", "missing webhook_url or webhook_url_file on mattermost_config"),
        (
            "webhook_configs: [{url: 'http://h/', http_config: {bearer_token: a, bearer_token_file: b}}]",
            "at most one of bearer_token & bearer_token_file",
        ),
        (
            "webhook_configs: [{url: 'http://h/', http_config: {basic_auth: {username: u}, authorization: {}}}]",
            "at most one of basic_auth, oauth2 & authorization",
        ),
        (
            "webhook_configs: [{url: 'http://h/', http_config: {authorization: {type: Basic}}}]",
            'authorization type cannot be set to "basic"',
        ),
        (
            "webhook_configs: [{url: 'http://h/', http_config: {oauth2: {client_id: c, token_url: u}}}]",
            "either oauth2 client_secret or client_secret_file must be configured",
        ),
    ],
)
def test_notifiers_validation(receiver: str, fragment: str) -> None:
    assert fragment in errors(receiver)


def test_notifiers_errors_point_at_the_integration() -> None:
    text = errors("webhook_configs:\n  - url: 'http://h/'\n  - {}\n")
    assert "n.yml:6:9: receivers[0].webhook_configs[1]: one of url or url_file must be configured" in text


def test_notifiers_global_defaults_applied() -> None:
    cfg = load(
        """
        email_configs: [{to: a@b}]
        slack_configs: [{channel: '#c'}]
        opsgenie_configs: [{}]
        victorops_configs: [{routing_key: r}]
        wechat_configs: [{}]
        telegram_configs: [{chat_id: -100}]
        pagerduty_configs: [{service_key: s}]
        webex_configs: [{room_id: r, http_config: {authorization: {credentials: c}}}]
        rocketchat_configs: [{}]
        mattermost_configs: [{}]
        jira_configs: [{project: P, issue_type: Bug}]
        """,
        """
        smtp_smarthost: 'mail.example.com:587'
        smtp_from: alerts@example.com
        smtp_auth_username: user
        smtp_auth_password_file: /run/secrets/smtp
        smtp_require_tls: false
        slack_api_url_file: /run/secrets/slack
        opsgenie_api_key: og-key
        opsgenie_api_url: https://og.example.com/v2
        victorops_api_key_file: /run/secrets/vo
        wechat_api_secret: wx
        wechat_api_corp_id: corp
        telegram_bot_token: tg
        rocketchat_token: rt
        rocketchat_token_id: rti
        mattermost_webhook_url: https://mm.example.com/hooks/x
        jira_api_url: https://jira.example.com/
        http_config: {follow_redirects: false}
        """,
    )
    r = cfg.receivers[0]
    ec = r.email_configs[0]
    assert (ec.smarthost, ec.from_, ec.auth_username, ec.auth_password_file) == (
        "mail.example.com:587",
        "alerts@example.com",
        "user",
        "/run/secrets/smtp",
    )
    assert ec.require_tls is False and ec.hello == "localhost"
    sc = r.slack_configs[0]
    assert sc.api_url_file == "/run/secrets/slack" and sc.api_url is None
    assert sc.http_config is not None and sc.http_config.follow_redirects is False
    og = r.opsgenie_configs[0]
    assert og.api_url == "https://og.example.com/v2/"
    assert og.api_key is not None and og.api_key.get_secret_value() == "og-key"
    vo = r.victorops_configs[0]
    assert vo.api_key_file == "/run/secrets/vo"
    assert vo.api_url == "https://alert.victorops.com/integrations/generic/20131114/alert/"
    wx = r.wechat_configs[0]
    assert wx.corp_id == "corp" and wx.api_url == "https://qyapi.weixin.qq.com/cgi-bin/"
    tg = r.telegram_configs[0]
    assert tg.bot_token is not None and tg.bot_token.get_secret_value() == "tg"
    assert tg.api_url == "https://api.telegram.org"
    pd = r.pagerduty_configs[0]
    assert pd.url == "https://events.pagerduty.com/v2/enqueue"
    assert pd.source == pd.client
    assert pd.details == PAGERDUTY_DEFAULT_DETAILS
    assert r.webex_configs[0].api_url == "https://webexapis.com/v1/messages"
    rc = r.rocketchat_configs[0]
    assert rc.api_url == "https://open.rocket.chat/"
    assert rc.token is not None and rc.token.get_secret_value() == "rt"
    mm = r.mattermost_configs[0]
    assert mm.webhook_url is not None and mm.webhook_url.get_secret_value() == "https://mm.example.com/hooks/x"
    assert r.jira_configs[0].api_url == "https://jira.example.com/"


def test_notifiers_local_values_win_over_global() -> None:
    cfg = load(
        "email_configs: [{to: a@b, smarthost: 'local:25', from: me@x, auth_password: local-pw, require_tls: true}]",
        "smtp_smarthost: 'global:25'\nsmtp_from: g@x\nsmtp_auth_password: global-pw\nsmtp_require_tls: false",
    )
    ec = cfg.receivers[0].email_configs[0]
    assert ec.smarthost == "local:25" and ec.from_ == "me@x" and ec.require_tls is True
    assert ec.auth_password is not None and ec.auth_password.get_secret_value() == "local-pw"


def test_notifiers_slack_app_token_uses_bot_api() -> None:
    cfg = load("slack_configs: [{channel: '#c', app_token: xoxb-1}]")
    sc = cfg.receivers[0].slack_configs[0]
    assert sc.api_url is not None and sc.api_url.get_secret_value() == "https://slack.com/api/chat.postMessage"
    assert "api_url & api_url_file" not in str(sc)
    with pytest.raises(ConfigError, match="at most one of api_url/api_url_file & app_token"):
        load("slack_configs: [{api_url: 'https://h/', app_token: t}]")


def test_notifiers_bearer_token_becomes_authorization() -> None:
    cfg = load("webhook_configs: [{url: 'http://h/', http_config: {bearer_token: tok}}]")
    http = cfg.receivers[0].webhook_configs[0].http_config
    assert http is not None and http.authorization is not None
    assert http.authorization.type == "Bearer"
    assert http.authorization.credentials is not None and http.authorization.credentials.get_secret_value() == "tok"
    assert http.bearer_token is None


def test_notifiers_opsgenie_responder_type_lowercased_unless_template() -> None:
    cfg = load("opsgenie_configs: [{api_key: k, responders: [{id: a, type: Team}, {name: b, type: '{{ .x }}'}]}]")
    responders = cfg.receivers[0].opsgenie_configs[0].responders
    assert [r.type for r in responders] == ["team", "{{ .x }}"]


def test_notifiers_jira_accepts_legacy_and_object_forms() -> None:
    cfg = load(
        """
        jira_configs:
          - {api_url: 'https://j/', project: P, issue_type: Bug, summary: 'S {{ .X }}', labels: [a, b]}
          - api_url: 'https://j/'
            project: P
            issue_type: Bug
            summary: {template: T, enable_update: false}
            labels: {values: [c], enable_update: true}
            reopen_duration: 1h
            fields: {customfield_1: {id: 3}, priority: 2}
        """
    )
    a, b = cfg.receivers[0].jira_configs
    assert a.summary.template == "S {{ .X }}" and a.labels.values == ["a", "b"]
    assert a.description.template == '{{ template "jira.default.description" . }}'
    assert b.summary.enable_update is False and b.labels.values == ["c"]
    assert b.reopen_duration == 3600.0
    assert b.fields == {"customfield_1": {"id": 3}, "priority": 2}


def test_notifiers_canonical_mime_header_key() -> None:
    assert canonical_mime_header_key("content-type") == "Content-Type"
    assert canonical_mime_header_key("X-MAILER") == "X-Mailer"
    assert canonical_mime_header_key("bad key") == "bad key"


def test_notifiers_template_defaults_present() -> None:
    cfg = load("slack_configs: [{api_url: 'https://h/'}]\npushover_configs: [{user_key: u, token: t}]")
    sc = cfg.receivers[0].slack_configs[0]
    assert sc.title == '{{ template "slack.default.title" . }}'
    assert sc.color == '{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}'
    po = cfg.receivers[0].pushover_configs[0]
    assert (po.retry, po.expire) == (60.0, 3600.0)
