"""The top-level configuration: `global`, `route`, `inhibit_rules`, `receivers`, `templates`, time intervals.

Tocsin-specific sections are added as further optional fields on `Config` (each its own model in its own
module), so an Alertmanager file keeps validating unchanged.
"""

from __future__ import annotations

from pydantic import Field, PrivateAttr, model_validator

from tocsin.config.http import HTTPClientConfig, TLSConfig
from tocsin.config.notifiers import SLACK_BOT_API_URL, Receiver, at_most_one, has_value
from tocsin.config.routing import InhibitRule, Route
from tocsin.config.timeintervals import TimeIntervalDef
from tocsin.config.types import ConfigModel, FileField, HostPort, PromDuration, SecretField, SecretURL, URLStr

__all__ = ["Config", "GlobalConfig"]


class GlobalConfig(ConfigModel):
    """Defaults shared by all receivers, plus `resolve_timeout` (seconds)."""

    resolve_timeout: PromDuration = 300.0
    http_config: HTTPClientConfig = Field(default_factory=HTTPClientConfig)
    jira_api_url: URLStr | None = None
    smtp_from: str = ""
    smtp_hello: str = "localhost"
    smtp_smarthost: HostPort = ""
    smtp_auth_username: str = ""
    smtp_auth_password: SecretField | None = None
    smtp_auth_password_file: FileField = None
    smtp_auth_secret: SecretField | None = None
    smtp_auth_secret_file: FileField = None
    smtp_auth_identity: str = ""
    smtp_require_tls: bool = True
    smtp_tls_config: TLSConfig = Field(default_factory=TLSConfig)
    smtp_force_implicit_tls: bool | None = None
    slack_api_url: SecretURL | None = None
    slack_api_url_file: FileField = None
    slack_app_token: SecretField | None = None
    slack_app_token_file: FileField = None
    slack_app_url: URLStr = SLACK_BOT_API_URL
    pagerduty_url: URLStr = "https://events.pagerduty.com/v2/enqueue"
    opsgenie_api_url: URLStr = "https://api.opsgenie.com/"
    opsgenie_api_key: SecretField | None = None
    opsgenie_api_key_file: FileField = None
    wechat_api_url: URLStr = "https://qyapi.weixin.qq.com/cgi-bin/"
    wechat_api_secret: SecretField | None = None
    wechat_api_secret_file: FileField = None
    wechat_api_corp_id: str = ""
    victorops_api_url: URLStr = "https://alert.victorops.com/integrations/generic/20131114/alert/"
    victorops_api_key: SecretField | None = None
    victorops_api_key_file: FileField = None
    telegram_api_url: URLStr = "https://api.telegram.org"
    telegram_bot_token: SecretField | None = None
    telegram_bot_token_file: FileField = None
    webex_api_url: URLStr = "https://webexapis.com/v1/messages"
    rocketchat_api_url: URLStr = "https://open.rocket.chat/"
    rocketchat_token: SecretField | None = None
    rocketchat_token_file: FileField = None
    rocketchat_token_id: SecretField | None = None
    rocketchat_token_id_file: FileField = None
    mattermost_webhook_url: SecretURL | None = None
    mattermost_webhook_url_file: FileField = None

    @model_validator(mode="after")
    def _exclusive(self) -> GlobalConfig:
        for a, b in _GLOBAL_PAIRS:
            at_most_one(self, a, b)
        uses_app_token = has_value(self.slack_app_token) or has_value(self.slack_app_token_file)
        uses_api_url = has_value(self.slack_api_url) or has_value(self.slack_api_url_file)
        if uses_app_token and uses_api_url:
            # Allowed only for the transition setup where slack_api_url already points at the bot API.
            api_url = self.slack_api_url.get_secret_value() if self.slack_api_url is not None else ""
            if api_url != self.slack_app_url:
                raise ValueError(
                    "at most one of slack_app_token/slack_app_token_file & slack_api_url/slack_api_url_file "
                    "must be configured"
                )
        return self


_GLOBAL_PAIRS = (
    ("slack_app_token", "slack_app_token_file"),
    ("slack_api_url", "slack_api_url_file"),
    ("opsgenie_api_key", "opsgenie_api_key_file"),
    ("victorops_api_key", "victorops_api_key_file"),
    ("telegram_bot_token", "telegram_bot_token_file"),
    ("smtp_auth_password", "smtp_auth_password_file"),
    ("smtp_auth_secret", "smtp_auth_secret_file"),
    ("rocketchat_token", "rocketchat_token_file"),
    ("rocketchat_token_id", "rocketchat_token_id_file"),
    ("wechat_api_secret", "wechat_api_secret_file"),
    ("mattermost_webhook_url", "mattermost_webhook_url_file"),
)


class Config(ConfigModel):
    """A whole configuration file. `original` is the file text (secrets included: never serve it as is)."""

    global_: GlobalConfig = Field(default_factory=GlobalConfig, alias="global")
    route: Route
    inhibit_rules: list[InhibitRule] = Field(default_factory=list)
    receivers: list[Receiver] = Field(default_factory=list)
    templates: list[str] = Field(default_factory=list)
    mute_time_intervals: list[TimeIntervalDef] = Field(default_factory=list, exclude=True, repr=False)
    time_intervals: list[TimeIntervalDef] = Field(default_factory=list)
    original: str = Field("", exclude=True, repr=False)

    _mute_names: frozenset[str] = PrivateAttr(frozenset())

    @model_validator(mode="after")
    def _merge_time_intervals(self) -> Config:
        # The deprecated mute_time_intervals section is one namespace with time_intervals.
        if self.mute_time_intervals:
            self._mute_names = frozenset(t.name for t in self.mute_time_intervals)
            self.time_intervals = [*self.mute_time_intervals, *self.time_intervals]
            self.mute_time_intervals = []
        return self

    @property
    def legacy_mute_interval_names(self) -> frozenset[str]:
        """Names that came from the deprecated `mute_time_intervals` section."""
        return self._mute_names

    def receiver(self, name: str) -> Receiver | None:
        for r in self.receivers:
            if r.name == name:
                return r
        return None

    def time_interval(self, name: str) -> TimeIntervalDef | None:
        for t in self.time_intervals:
            if t.name == name:
                return t
        return None

    def to_yaml_redacted(self) -> str:
        """The configuration as YAML with every secret replaced by `<secret>` (for /api/v2/status)."""
        from tocsin.config.redact import dump_redacted

        return dump_redacted(self)
