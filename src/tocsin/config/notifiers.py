"""Receiver integrations (`webhook_configs`, `email_configs`, `slack_configs`, ...).

Field names, defaults (including the default templates and which integrations send resolved notifications by
default) and per-integration checks follow Alertmanager's config/notifiers.go, extended with the integrations
and fields of current Alertmanager releases. Defaults that come from `global` are applied later by
`tocsin.config.semantic`, because they need the whole file.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, SecretStr, field_validator, model_validator

from tocsin.config.http import HTTPClientConfig, SigV4, TLSConfig
from tocsin.config.types import (
    SECRET,
    ConfigModel,
    FileField,
    GoDuration,
    GoTextDuration,
    HostPort,
    PromDuration,
    SecretField,
    SecretURL,
    URLStr,
)

__all__ = [
    "INTEGRATION_FIELDS",
    "DiscordConfig",
    "EmailConfig",
    "IncidentioConfig",
    "JiraConfig",
    "MSTeamsConfig",
    "MSTeamsV2Config",
    "MattermostConfig",
    "OpsGenieConfig",
    "PagerdutyConfig",
    "PushoverConfig",
    "Receiver",
    "RocketchatConfig",
    "SNSConfig",
    "SlackConfig",
    "TelegramConfig",
    "VictorOpsConfig",
    "WebexConfig",
    "WebhookConfig",
    "WechatConfig",
]


def _tmpl(name: str) -> str:
    return '{{ template "' + name + '" . }}'


def has_value(value: Any) -> bool:
    if isinstance(value, SecretStr):
        return value.get_secret_value() != ""
    return value is not None and value != ""


def at_most_one(obj: Any, a: str, b: str) -> None:
    if has_value(getattr(obj, a)) and has_value(getattr(obj, b)):
        raise ValueError(f"at most one of {a} & {b} must be configured")


def exactly_one(obj: Any, a: str, b: str) -> None:
    if not has_value(getattr(obj, a)) and not has_value(getattr(obj, b)):
        raise ValueError(f"one of {a} or {b} must be configured")
    at_most_one(obj, a, b)


class _Notifier(ConfigModel):
    """Fields every HTTP-based integration has. `http_config` None means "use global.http_config"."""

    send_resolved: bool = True
    http_config: HTTPClientConfig | None = None


class WebhookConfig(_Notifier):
    url: Annotated[URLStr | None, Field(repr=False), SECRET] = None
    url_file: FileField = None
    max_alerts: int = Field(0, ge=0)
    timeout: GoDuration = 0.0
    # Tocsin's additions: a templated body instead of the version 4 JSON, and an HMAC-SHA256 signature header
    # (X-Tocsin-Signature over the timestamp and the body) so the receiver can verify the sender.
    body_template: str = ""
    content_type: str = "application/json"
    signing_secret: SecretField | None = None
    signing_secret_file: FileField = None

    @model_validator(mode="after")
    def _check(self) -> WebhookConfig:
        exactly_one(self, "url", "url_file")
        at_most_one(self, "signing_secret", "signing_secret_file")
        if self.timeout < 0:
            raise ValueError("timeout must not be negative")
        if not self.content_type.strip() or "\n" in self.content_type or "\r" in self.content_type:
            raise ValueError("content_type must be a single-line media type such as application/json")
        return self


class EmailThreading(ConfigModel):
    enabled: bool = False
    thread_by_date: str = ""


_HEADER_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def canonical_mime_header_key(key: str) -> str:
    """Go's textproto.CanonicalMIMEHeaderKey: `content-type` -> `Content-Type` (invalid keys unchanged)."""
    if not _HEADER_TOKEN.fullmatch(key):
        return key
    return "-".join(part[:1].upper() + part[1:].lower() for part in key.split("-"))


class EmailConfig(ConfigModel):
    send_resolved: bool = False
    to: str = ""
    from_: str = Field("", alias="from")
    hello: str = ""
    smarthost: HostPort = ""
    auth_username: str = ""
    auth_password: SecretField | None = None
    auth_password_file: FileField = None
    auth_secret: SecretField | None = None
    auth_secret_file: FileField = None
    auth_identity: str = ""
    headers: dict[str, str] = Field(default_factory=dict)
    html: str = _tmpl("email.default.html")
    text: str = ""
    require_tls: bool | None = None
    tls_config: TLSConfig | None = None
    force_implicit_tls: bool | None = None
    threading: EmailThreading | None = None

    @field_validator("headers")
    @classmethod
    def _normalise_headers(cls, value: dict[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, val in value.items():
            canon = canonical_mime_header_key(key)
            if canon in out:
                raise ValueError(f"duplicate header {canon!r} in email config")
            out[canon] = val
        return out

    @model_validator(mode="after")
    def _check(self) -> EmailConfig:
        if not self.to:
            raise ValueError("missing to address in email config")
        at_most_one(self, "auth_password", "auth_password_file")
        at_most_one(self, "auth_secret", "auth_secret_file")
        if self.threading is not None and self.threading.enabled:
            for header in ("References", "In-Reply-To"):
                if header in self.headers:
                    raise ValueError(
                        f"conflicting configuration: threading.enabled conflicts with custom {header} header"
                    )
            if self.threading.thread_by_date not in ("none", "daily"):
                raise ValueError("threading.thread_by_date must be either 'none' or 'daily'")
        return self


class PagerdutyLink(ConfigModel):
    href: str = ""
    text: str = ""


class PagerdutyImage(ConfigModel):
    src: str = ""
    alt: str = ""
    href: str = ""


PAGERDUTY_DEFAULT_DETAILS = {
    "firing": '{{ template "pagerduty.default.instances" .Alerts.Firing }}',
    "resolved": '{{ template "pagerduty.default.instances" .Alerts.Resolved }}',
    "num_firing": "{{ .Alerts.Firing | len }}",
    "num_resolved": "{{ .Alerts.Resolved | len }}",
}


class PagerdutyConfig(_Notifier):
    service_key: SecretField | None = None
    service_key_file: FileField = None
    routing_key: SecretField | None = None
    routing_key_file: FileField = None
    url: URLStr | None = None
    client: str = _tmpl("pagerduty.default.client")
    client_url: str = _tmpl("pagerduty.default.clientURL")
    description: str = '{{ template "pagerduty.default.description" .}}'
    details: dict[str, str] = Field(default_factory=dict)
    images: list[PagerdutyImage] = Field(default_factory=list)
    links: list[PagerdutyLink] = Field(default_factory=list)
    source: str = ""
    severity: str = ""
    class_: str = Field("", alias="class")
    component: str = ""
    group: str = ""
    timeout: GoDuration = 0.0

    @model_validator(mode="after")
    def _check(self) -> PagerdutyConfig:
        keys = ("routing_key", "service_key", "routing_key_file", "service_key_file")
        if not any(has_value(getattr(self, k)) for k in keys):
            raise ValueError("missing service or routing key in PagerDuty config")
        at_most_one(self, "routing_key", "routing_key_file")
        at_most_one(self, "service_key", "service_key_file")
        if not self.source:
            self.source = self.client
        for key, value in PAGERDUTY_DEFAULT_DETAILS.items():
            self.details.setdefault(key, value)
        return self


class SlackConfirmationField(ConfigModel):
    text: str = ""
    title: str = ""
    ok_text: str = ""
    dismiss_text: str = ""

    @model_validator(mode="after")
    def _check(self) -> SlackConfirmationField:
        if not self.text:
            raise ValueError("missing text in Slack confirmation configuration")
        return self


class SlackAction(ConfigModel):
    type: str = ""
    text: str = ""
    url: str = ""
    style: str = ""
    name: str = ""
    value: str = ""
    confirm: SlackConfirmationField | None = None

    @model_validator(mode="after")
    def _check(self) -> SlackAction:
        if not self.type:
            raise ValueError("missing type in Slack action configuration")
        if not self.text:
            raise ValueError("missing text in Slack action configuration")
        if self.url:
            self.name, self.value, self.confirm = "", "", None
        elif not self.name:
            raise ValueError("missing name or url in Slack action configuration")
        return self


class SlackField(ConfigModel):
    title: str = ""
    value: str = ""
    short: bool | None = None

    @model_validator(mode="after")
    def _check(self) -> SlackField:
        if not self.title:
            raise ValueError("missing title in Slack field configuration")
        if not self.value:
            raise ValueError("missing value in Slack field configuration")
        return self


SLACK_BOT_API_URL = "https://slack.com/api/chat.postMessage"


class SlackConfig(_Notifier):
    send_resolved: bool = False
    api_url: SecretURL | None = None
    api_url_file: FileField = None
    app_token: SecretField | None = None
    app_token_file: FileField = None
    app_url: URLStr | None = None
    channel: str = ""
    username: str = _tmpl("slack.default.username")
    color: str = '{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}'
    title: str = _tmpl("slack.default.title")
    title_link: str = _tmpl("slack.default.titlelink")
    pretext: str = _tmpl("slack.default.pretext")
    text: str = _tmpl("slack.default.text")
    message_text: str = ""
    fields: list[SlackField] = Field(default_factory=list)
    short_fields: bool = False
    footer: str = _tmpl("slack.default.footer")
    fallback: str = _tmpl("slack.default.fallback")
    callback_id: str = _tmpl("slack.default.callbackid")
    icon_emoji: str = _tmpl("slack.default.iconemoji")
    icon_url: str = _tmpl("slack.default.iconurl")
    image_url: str = ""
    thumb_url: str = ""
    link_names: bool = False
    mrkdwn_in: list[str] = Field(default_factory=list)
    actions: list[SlackAction] = Field(default_factory=list)
    update_message: bool = False
    post_updates_to_thread: bool = False
    timeout: GoDuration = 0.0
    # Tocsin's additions (not in Alertmanager): a Block Kit layout with a severity colour bar, the alert list and
    # links, and interactive buttons whose clicks Slack posts to /api/tocsin/v1/slack/interactions, verified with
    # the app's signing secret.
    block_kit: bool = False
    buttons: list[Literal["acknowledge", "silence", "workflow"]] = Field(default_factory=list)
    silence_duration: GoDuration = 3600.0
    workflow: str = ""
    signing_secret: SecretField | None = None
    signing_secret_file: FileField = None

    @model_validator(mode="after")
    def _check(self) -> SlackConfig:
        at_most_one(self, "api_url", "api_url_file")
        at_most_one(self, "app_token", "app_token_file")
        at_most_one(self, "signing_secret", "signing_secret_file")
        if self.buttons and not self.block_kit:
            raise ValueError("buttons need block_kit: true (they are Block Kit elements)")
        if self.buttons and not (has_value(self.signing_secret) or has_value(self.signing_secret_file)):
            raise ValueError(
                "buttons need signing_secret or signing_secret_file: Tocsin must verify that a click came from Slack"
            )
        if len(set(self.buttons)) != len(self.buttons):
            raise ValueError("buttons: each button may appear only once")
        if "workflow" in self.buttons and not self.workflow.strip():
            raise ValueError("the workflow button needs workflow: the name of the workflow it starts")
        if len(self.workflow) > 200:
            raise ValueError("workflow: a workflow name has at most 200 characters")
        if self.silence_duration <= 0:
            raise ValueError("silence_duration must be positive")
        if (has_value(self.api_url) or has_value(self.api_url_file)) and (
            has_value(self.app_token) or has_value(self.app_token_file)
        ):
            raise ValueError("at most one of api_url/api_url_file & app_token/app_token_file must be configured")
        return self


class OpsGenieResponder(ConfigModel):
    id: str = ""
    name: str = ""
    username: str = ""
    type: str = ""


_OPSGENIE_TYPES = ("team", "teams", "user", "escalation", "schedule")


class OpsGenieConfig(_Notifier):
    api_key: SecretField | None = None
    api_key_file: FileField = None
    api_url: URLStr | None = None
    message: str = _tmpl("opsgenie.default.message")
    description: str = _tmpl("opsgenie.default.description")
    source: str = _tmpl("opsgenie.default.source")
    details: dict[str, str] = Field(default_factory=dict)
    entity: str = ""
    responders: list[OpsGenieResponder] = Field(default_factory=list)
    actions: str = ""
    tags: str = ""
    note: str = ""
    priority: str = ""
    update_alerts: bool = False

    @model_validator(mode="after")
    def _check(self) -> OpsGenieConfig:
        at_most_one(self, "api_key", "api_key_file")
        for i, r in enumerate(self.responders):
            if not (r.id or r.username or r.name):
                raise ValueError(f"responders[{i}] has to have at least one of id, username or name specified")
            if "{{" in r.type:
                continue
            r.type = r.type.lower()
            if r.type not in _OPSGENIE_TYPES:
                raise ValueError(
                    f"responders[{i}] type {r.type!r} does not match valid options {'|'.join(_OPSGENIE_TYPES)}"
                )
        return self


class WechatConfig(_Notifier):
    send_resolved: bool = False
    api_secret: SecretField | None = None
    api_secret_file: FileField = None
    corp_id: str = ""
    message: str = _tmpl("wechat.default.message")
    api_url: URLStr | None = None
    to_user: str = _tmpl("wechat.default.to_user")
    to_party: str = _tmpl("wechat.default.to_party")
    to_tag: str = _tmpl("wechat.default.to_tag")
    agent_id: str = _tmpl("wechat.default.agent_id")
    message_type: str = "text"

    @model_validator(mode="after")
    def _check(self) -> WechatConfig:
        at_most_one(self, "api_secret", "api_secret_file")
        if not self.message_type:
            self.message_type = "text"
        if self.message_type not in ("text", "markdown"):
            raise ValueError(f"weChat message type {self.message_type!r} does not match valid options text|markdown")
        return self


class PushoverConfig(_Notifier):
    user_key: SecretField | None = None
    user_key_file: FileField = None
    token: SecretField | None = None
    token_file: FileField = None
    title: str = _tmpl("pushover.default.title")
    message: str = _tmpl("pushover.default.message")
    url: str = _tmpl("pushover.default.url")
    url_title: str = ""
    device: str = ""
    sound: str = ""
    priority: str = '{{ if eq .Status "firing" }}2{{ else }}0{{ end }}'
    retry: GoTextDuration = 60.0
    expire: GoTextDuration = 3600.0
    ttl: GoTextDuration = 0.0
    html: bool = False
    monospace: bool = False

    @model_validator(mode="after")
    def _check(self) -> PushoverConfig:
        exactly_one(self, "user_key", "user_key_file")
        exactly_one(self, "token", "token_file")
        if self.html and self.monospace:
            raise ValueError("at most one of monospace & html must be configured")
        return self


_VICTOROPS_RESERVED = (
    "routing_key",
    "message_type",
    "state_message",
    "entity_display_name",
    "monitoring_tool",
    "entity_id",
    "entity_state",
)


class VictorOpsConfig(_Notifier):
    api_key: SecretField | None = None
    api_key_file: FileField = None
    api_url: URLStr | None = None
    routing_key: str = ""
    message_type: str = "CRITICAL"
    state_message: str = _tmpl("victorops.default.state_message")
    entity_display_name: str = _tmpl("victorops.default.entity_display_name")
    monitoring_tool: str = _tmpl("victorops.default.monitoring_tool")
    custom_fields: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> VictorOpsConfig:
        if not self.routing_key:
            raise ValueError("missing Routing key in VictorOps config")
        at_most_one(self, "api_key", "api_key_file")
        for name in _VICTOROPS_RESERVED:
            if name in self.custom_fields:
                raise ValueError(
                    f"victorOps config contains custom field {name} which cannot be used as it conflicts "
                    "with the fixed/static fields"
                )
        return self


class SNSConfig(_Notifier):
    api_url: str = ""
    sigv4: SigV4 = Field(default_factory=SigV4)
    topic_arn: str = ""
    phone_number: str = ""
    target_arn: str = ""
    subject: str = _tmpl("sns.default.subject")
    message: str = _tmpl("sns.default.message")
    attributes: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> SNSConfig:
        # Alertmanager's check is a chained comparison of three booleans; kept as is so the same files pass.
        if ((self.target_arn == "") != (self.topic_arn == "")) != (self.phone_number == ""):
            raise ValueError("must provide either a Target ARN, Topic ARN, or Phone Number for SNS config")
        return self


class TelegramConfig(_Notifier):
    api_url: URLStr | None = None
    bot_token: SecretField | None = None
    bot_token_file: FileField = None
    chat_id: int = 0
    chat_id_file: FileField = None
    message_thread_id: int = 0
    message: str = _tmpl("telegram.default.message")
    disable_notifications: bool = False
    parse_mode: str = "HTML"
    timeout: GoDuration = 0.0

    @model_validator(mode="after")
    def _check(self) -> TelegramConfig:
        at_most_one(self, "bot_token", "bot_token_file")
        if self.chat_id == 0 and not self.chat_id_file:
            raise ValueError("missing chat_id or chat_id_file on telegram_config")
        if self.chat_id != 0 and self.chat_id_file:
            raise ValueError("at most one of chat_id & chat_id_file must be configured")
        if self.parse_mode not in ("", "Markdown", "MarkdownV2", "HTML"):
            raise ValueError(
                f"unknown parse_mode {self.parse_mode!r} on telegram_config, must be Markdown, MarkdownV2, "
                "HTML or empty string"
            )
        return self


class WebexConfig(_Notifier):
    api_url: URLStr | None = None
    message: str = _tmpl("webex.default.message")
    room_id: str = ""

    @model_validator(mode="after")
    def _check(self) -> WebexConfig:
        if not self.room_id:
            raise ValueError("missing room_id on webex_config")
        if self.http_config is None or self.http_config.authorization is None:
            raise ValueError("missing webex_configs.http_config.authorization")
        return self


class DiscordConfig(_Notifier):
    webhook_url: SecretURL | None = None
    webhook_url_file: FileField = None
    content: str = ""
    title: str = _tmpl("discord.default.title")
    message: str = _tmpl("discord.default.message")
    username: str = ""
    avatar_url: str = ""

    @model_validator(mode="after")
    def _check(self) -> DiscordConfig:
        exactly_one(self, "webhook_url", "webhook_url_file")
        return self


class MSTeamsConfig(_Notifier):
    webhook_url: SecretURL | None = None
    webhook_url_file: FileField = None
    title: str = _tmpl("msteams.default.title")
    summary: str = _tmpl("msteams.default.summary")
    text: str = _tmpl("msteams.default.text")

    @model_validator(mode="after")
    def _check(self) -> MSTeamsConfig:
        exactly_one(self, "webhook_url", "webhook_url_file")
        return self


class MSTeamsV2Config(_Notifier):
    webhook_url: SecretURL | None = None
    webhook_url_file: FileField = None
    title: str = _tmpl("msteamsv2.default.title")
    text: str = _tmpl("msteamsv2.default.text")

    @model_validator(mode="after")
    def _check(self) -> MSTeamsV2Config:
        exactly_one(self, "webhook_url", "webhook_url_file")
        return self


class JiraField(ConfigModel):
    template: str = ""
    enable_update: bool | None = None


class JiraLabels(ConfigModel):
    values: list[str] = Field(default_factory=list)
    enable_update: bool | None = None


def _jira_field(value: Any) -> Any:
    return {"template": value} if isinstance(value, str) else value


def _jira_labels(value: Any) -> Any:
    return {"values": value} if isinstance(value, list) else value


class JiraConfig(_Notifier):
    api_url: URLStr | None = None
    api_type: str = "auto"
    project: str = ""
    summary: Annotated[JiraField, BeforeValidator(_jira_field)] = Field(
        default_factory=lambda: JiraField(template=_tmpl("jira.default.summary"))
    )
    description: Annotated[JiraField, BeforeValidator(_jira_field)] = Field(
        default_factory=lambda: JiraField(template=_tmpl("jira.default.description"))
    )
    labels: Annotated[JiraLabels, BeforeValidator(_jira_labels)] = Field(default_factory=JiraLabels)
    priority: str = _tmpl("jira.default.priority")
    issue_type: str = ""
    reopen_transition: str = ""
    resolve_transition: str = ""
    wont_fix_resolution: str = ""
    reopen_duration: PromDuration = 0.0
    fields: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> JiraConfig:
        if not self.project:
            raise ValueError("missing project in jira_config")
        if not self.issue_type:
            raise ValueError("missing issue_type in jira_config")
        if self.api_type not in ("auto", "cloud", "datacenter"):
            raise ValueError(f"unknown api_type {self.api_type!r} on jira_config, must be auto, cloud or datacenter")
        return self


class RocketchatField(ConfigModel):
    short: bool | None = None
    title: str = ""
    value: str = ""


class RocketchatAction(ConfigModel):
    type: str = ""
    text: str = ""
    url: str = ""
    image_url: str = ""
    is_webview: bool = False
    webview_height_ratio: str = ""
    msg: str = ""
    msg_in_chat_window: bool = False
    msg_processing_type: str = ""


class RocketchatConfig(_Notifier):
    send_resolved: bool = False
    api_url: URLStr | None = None
    token_id: SecretField | None = None
    token_id_file: FileField = None
    token: SecretField | None = None
    token_file: FileField = None
    channel: str = ""
    color: str = '{{ if eq .Status "firing" }}red{{ else }}green{{ end }}'
    title: str = _tmpl("rocketchat.default.title")
    title_link: str = _tmpl("rocketchat.default.titlelink")
    text: str = _tmpl("rocketchat.default.text")
    fields: list[RocketchatField] = Field(default_factory=list)
    short_fields: bool = False
    emoji: str = _tmpl("rocketchat.default.emoji")
    icon_url: str = _tmpl("rocketchat.default.iconurl")
    image_url: str = ""
    thumb_url: str = ""
    link_names: bool = False
    actions: list[RocketchatAction] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> RocketchatConfig:
        at_most_one(self, "token", "token_file")
        at_most_one(self, "token_id", "token_id_file")
        return self


class IncidentioConfig(_Notifier):
    url: Annotated[URLStr | None, Field(repr=False), SECRET] = None
    url_file: FileField = None
    alert_source_token: SecretField | None = None
    alert_source_token_file: FileField = None
    max_alerts: int = Field(0, ge=0)
    timeout: GoDuration = 0.0

    @model_validator(mode="after")
    def _check(self) -> IncidentioConfig:
        exactly_one(self, "url", "url_file")
        at_most_one(self, "alert_source_token", "alert_source_token_file")
        has_token = has_value(self.alert_source_token) or has_value(self.alert_source_token_file)
        auth = self.http_config.authorization if self.http_config is not None else None
        if auth is not None and has_token:
            raise ValueError(
                "cannot specify alert_source_token or alert_source_token_file when using http_config.authorization"
            )
        if auth is None and not has_token:
            raise ValueError(
                "at least one of alert_source_token, alert_source_token_file or http_config.authorization "
                "must be configured"
            )
        return self


class MattermostField(ConfigModel):
    title: str = ""
    value: str = ""
    short: bool | None = None

    @model_validator(mode="after")
    def _check(self) -> MattermostField:
        if not self.title:
            raise ValueError("missing title in Mattermost field configuration")
        if not self.value:
            raise ValueError("missing value in Mattermost field configuration")
        return self


class MattermostAttachment(ConfigModel):
    fallback: str = ""
    color: str = ""
    pretext: str = ""
    text: str = ""
    author_name: str = ""
    author_link: str = ""
    author_icon: str = ""
    title: str = ""
    title_link: str = ""
    fields: list[MattermostField] = Field(default_factory=list)
    thumb_url: str = ""
    footer: str = ""
    footer_icon: str = ""
    image_url: str = ""


class MattermostProps(ConfigModel):
    card: str = ""


class MattermostPriority(ConfigModel):
    priority: str = ""
    requested_ack: bool = False
    persistent_notifications: bool = False


class MattermostConfig(_Notifier):
    webhook_url: SecretURL | None = None
    webhook_url_file: FileField = None
    channel: str = ""
    username: str = _tmpl("mattermost.default.username")
    text: str = _tmpl("mattermost.default.text")
    fallback: str = _tmpl("mattermost.default.fallback")
    color: str = _tmpl("mattermost.default.color")
    pretext: str = ""
    author_name: str = ""
    author_link: str = ""
    author_icon: str = ""
    title: str = _tmpl("mattermost.default.title")
    title_link: str = _tmpl("mattermost.default.titlelink")
    fields: list[MattermostField] = Field(default_factory=list)
    thumb_url: str = ""
    footer: str = ""
    footer_icon: str = ""
    image_url: str = ""
    icon_url: str = ""
    icon_emoji: str = ""
    attachments: list[MattermostAttachment] = Field(default_factory=list)
    type: str = ""
    props: MattermostProps | None = None
    priority: MattermostPriority | None = None

    @model_validator(mode="after")
    def _check(self) -> MattermostConfig:
        at_most_one(self, "webhook_url", "webhook_url_file")
        return self


SMS_DEFAULT_MESSAGE = (
    '{{ template "__subject" . }}{{ if .CommonAnnotations.summary }}: {{ .CommonAnnotations.summary }}{{ end }}'
)


class SmsConfig(_Notifier):
    """Tocsin's own SMS receiver (Alertmanager has none): Twilio's Messages API or a generic HTTP gateway.

    One recipient per entry, so retries and the notification log work per phone number.
    """

    send_resolved: bool = True
    provider: str
    to: str
    from_: str | None = Field(None, alias="from")
    messaging_service_sid: str | None = None
    message: str = SMS_DEFAULT_MESSAGE
    max_length: int = Field(1600, gt=3)
    timeout: GoDuration = 0.0
    account_sid: str | None = None
    auth_token: SecretField | None = None
    auth_token_file: FileField = None
    url: Annotated[URLStr | None, Field(repr=False), SECRET] = None
    bearer_token: SecretField | None = None
    bearer_token_file: FileField = None
    headers: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> SmsConfig:
        if self.provider not in ("twilio", "http"):
            raise ValueError(f"provider must be 'twilio' or 'http', not {self.provider!r}")
        if self.timeout < 0:
            raise ValueError("timeout must not be negative")
        if self.provider == "twilio":
            if not self.account_sid:
                raise ValueError("twilio needs account_sid")
            exactly_one(self, "auth_token", "auth_token_file")
            exactly_one(self, "from_", "messaging_service_sid")
            if self.max_length > 1600:
                raise ValueError("max_length must be at most 1600 for twilio")
        elif not self.url:
            raise ValueError("the http provider needs url")
        return self


class Receiver(ConfigModel):
    """A named set of integrations; every alert routed to it is sent through each of them."""

    name: str
    discord_configs: list[DiscordConfig] = Field(default_factory=list)
    email_configs: list[EmailConfig] = Field(default_factory=list)
    incidentio_configs: list[IncidentioConfig] = Field(default_factory=list)
    pagerduty_configs: list[PagerdutyConfig] = Field(default_factory=list)
    slack_configs: list[SlackConfig] = Field(default_factory=list)
    webhook_configs: list[WebhookConfig] = Field(default_factory=list)
    opsgenie_configs: list[OpsGenieConfig] = Field(default_factory=list)
    wechat_configs: list[WechatConfig] = Field(default_factory=list)
    pushover_configs: list[PushoverConfig] = Field(default_factory=list)
    victorops_configs: list[VictorOpsConfig] = Field(default_factory=list)
    sns_configs: list[SNSConfig] = Field(default_factory=list)
    telegram_configs: list[TelegramConfig] = Field(default_factory=list)
    webex_configs: list[WebexConfig] = Field(default_factory=list)
    msteams_configs: list[MSTeamsConfig] = Field(default_factory=list)
    msteamsv2_configs: list[MSTeamsV2Config] = Field(default_factory=list)
    jira_configs: list[JiraConfig] = Field(default_factory=list)
    rocketchat_configs: list[RocketchatConfig] = Field(default_factory=list)
    mattermost_configs: list[MattermostConfig] = Field(default_factory=list)
    sms_configs: list[SmsConfig] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name_present(cls, value: str) -> str:
        if not value:
            raise ValueError("missing name in receiver")
        return value

    def integrations(self) -> list[tuple[str, int, ConfigModel]]:
        """(integration name, index, config) for every configured integration, e.g. ("webhook", 0, cfg)."""
        out: list[tuple[str, int, ConfigModel]] = []
        for field_name in INTEGRATION_FIELDS:
            for i, cfg in enumerate(getattr(self, field_name)):
                out.append((field_name.removesuffix("_configs"), i, cfg))
        return out


# The order in which Alertmanager builds a receiver's integrations (and so numbers and notifies them).
INTEGRATION_FIELDS = (
    "webhook_configs",
    "email_configs",
    "pagerduty_configs",
    "opsgenie_configs",
    "wechat_configs",
    "slack_configs",
    "victorops_configs",
    "pushover_configs",
    "sns_configs",
    "telegram_configs",
    "discord_configs",
    "webex_configs",
    "msteams_configs",
    "msteamsv2_configs",
    "jira_configs",
    "incidentio_configs",
    "rocketchat_configs",
    "mattermost_configs",
)
