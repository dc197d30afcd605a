"""One factory per channel, pointed at a loopback service, for the failure-mode tests shared by all six."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.notify.loopback import Reply

from tocsin.config.notifiers import (
    DiscordConfig,
    JiraConfig,
    PushoverConfig,
    TelegramConfig,
    WebexConfig,
    WechatConfig,
)
from tocsin.notify import discord, jira, pushover, telegram, webex, wechat
from tocsin.notify.integration import Notifier, NotifierDeps

TELEGRAM_TOKEN = "123456:AAF-secret-telegram-token"
DISCORD_PATH = "/api/webhooks/987/secret-discord-token"
PUSHOVER_TOKEN = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
PUSHOVER_USER = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
WEBEX_TOKEN = "secret-webex-bot-token"
WECHAT_SECRET = "secret-wechat-corpsecret"
JIRA_PASSWORD = "secret-jira-api-token"
SECRETS = (
    TELEGRAM_TOKEN,
    "secret-discord-token",
    PUSHOVER_TOKEN,
    PUSHOVER_USER,
    WEBEX_TOKEN,
    WECHAT_SECRET,
    JIRA_PASSWORD,
)


def telegram_cfg(url: str, **extra: Any) -> TelegramConfig:
    return TelegramConfig.model_validate({"api_url": url, "bot_token": TELEGRAM_TOKEN, "chat_id": -1001234, **extra})


def discord_cfg(url: str, **extra: Any) -> DiscordConfig:
    return DiscordConfig.model_validate({"webhook_url": url + DISCORD_PATH, **extra})


def pushover_cfg(**extra: Any) -> PushoverConfig:
    return PushoverConfig.model_validate({"token": PUSHOVER_TOKEN, "user_key": PUSHOVER_USER, **extra})


def webex_cfg(url: str, **extra: Any) -> WebexConfig:
    return WebexConfig.model_validate(
        {
            "api_url": url + "/v1/messages",
            "room_id": "Y2lzY29zcGFyazovL3VzL1JPT00vYmJjZWIxYWQ",
            "http_config": {"authorization": {"credentials": WEBEX_TOKEN}},
            **extra,
        }
    )


def wechat_cfg(url: str, **extra: Any) -> WechatConfig:
    return WechatConfig.model_validate(
        {
            "api_url": url + "/cgi-bin/",
            "api_secret": WECHAT_SECRET,
            "corp_id": "ww1234567890",
            "agent_id": "1000002",
            "to_user": "@all",
            **extra,
        }
    )


def jira_cfg(url: str, **extra: Any) -> JiraConfig:
    return JiraConfig.model_validate(
        {
            "api_url": url + "/rest/api/2",
            "project": "OPS",
            "issue_type": "Bug",
            "http_config": {"basic_auth": {"username": "bot@example.com", "password": JIRA_PASSWORD}},
            **extra,
        }
    )


WECHAT_TOKEN_REPLY = Reply(200, {"errcode": 0, "errmsg": "ok", "access_token": "ACCESS-1", "expires_in": 7200})
JIRA_EMPTY_SEARCH = Reply(200, {"issues": []})


@dataclass
class Channel:
    name: str
    make: Callable[[str, NotifierDeps], Notifier]
    # Replies the service gives before the request under test (WeChat's token fetch).
    before: list[Reply] = field(default_factory=list)


CHANNELS = [
    Channel("telegram", lambda url, deps: telegram.build(telegram_cfg(url), deps)),
    Channel("discord", lambda url, deps: discord.build(discord_cfg(url), deps)),
    Channel("pushover", lambda url, deps: pushover.build(pushover_cfg(), deps, api_url=url + "/1/messages.json")),
    Channel("webex", lambda url, deps: webex.build(webex_cfg(url), deps)),
    Channel("wechat", lambda url, deps: wechat.build(wechat_cfg(url), deps), [WECHAT_TOKEN_REPLY]),
    Channel("wechat-token", lambda url, deps: wechat.build(wechat_cfg(url), deps)),
    Channel("jira", lambda url, deps: jira.build(jira_cfg(url), deps), [JIRA_EMPTY_SEARCH]),
    Channel("jira-search", lambda url, deps: jira.build(jira_cfg(url), deps)),
]
