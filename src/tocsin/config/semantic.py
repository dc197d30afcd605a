"""Checks that need the whole file, and the filling-in of receiver settings from `global`.

Reference checks (receivers and time intervals used by routes exist, names are unique, the root route is a
proper catch-all) run on the raw YAML data so they are reported even when other parts of the file fail schema
validation. Global defaults are applied to the validated model exactly where Alertmanager applies them, and a
receiver that still lacks a required value is reported at its own position.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import SecretStr

from tocsin.config.model import Config
from tocsin.config.notifiers import has_value
from tocsin.config.yamlsource import Path

__all__ = ["Finding", "apply_global_defaults", "check_references"]

Finding = tuple[Path, str]


def _walk_routes(route: Any, path: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    if not isinstance(route, dict):
        return
    yield path, route
    children = route.get("routes")
    if isinstance(children, list):
        for i, child in enumerate(children):
            yield from _walk_routes(child, (*path, "routes", i))


def _names(items: Any) -> Iterator[tuple[int, str]]:
    if isinstance(items, list):
        for i, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                yield i, item["name"]


def check_references(data: dict[str, Any]) -> list[Finding]:
    """Alertmanager's whole-file rules, evaluated on the raw mapping."""
    out: list[Finding] = []

    receiver_names: set[str] = set()
    for i, name in _names(data.get("receivers")):
        if name in receiver_names:
            out.append((("receivers", i, "name"), f"notification config name {name!r} is not unique"))
        receiver_names.add(name)

    interval_names: set[str] = set()
    for section, label in (("mute_time_intervals", "mute time interval"), ("time_intervals", "time interval")):
        for i, name in _names(data.get(section)):
            if name in interval_names:
                out.append(((section, i, "name"), f"{label} {name!r} is not unique"))
            interval_names.add(name)

    root = data.get("route")
    if root is None:
        out.append((("route",), "no route provided in config"))
        return out
    if not isinstance(root, dict):
        return out  # the schema check reports the wrong type
    if not root.get("receiver"):
        out.append((("route",), "root route must specify a default receiver"))
    for key in ("match", "match_re", "matchers"):
        if root.get(key):
            out.append((("route", key), "root route must not have any matchers"))
    if root.get("mute_time_intervals"):
        out.append((("route", "mute_time_intervals"), "root route must not have any mute time intervals"))
    if root.get("active_time_intervals"):
        out.append((("route", "active_time_intervals"), "root route must not have any active time intervals"))
    if root.get("continue") is True:
        out.append((("route", "continue"), "cannot have continue in root route"))

    for path, node in _walk_routes(root, ("route",)):
        receiver = node.get("receiver")
        if isinstance(receiver, str) and receiver and receiver not in receiver_names:
            out.append(((*path, "receiver"), f"undefined receiver {receiver!r} used in route"))
        for key in ("active_time_intervals", "mute_time_intervals"):
            refs = node.get(key)
            if not isinstance(refs, list):
                continue
            for j, ref in enumerate(refs):
                if isinstance(ref, str) and ref not in interval_names:
                    out.append(((*path, key, j), f"undefined time interval {ref!r} used in route"))
    return out


def _with_slash(url: str) -> str:
    """Alertmanager appends '/' to the path of API base URLs (OpsGenie, WeChat, VictorOps)."""
    head, sep, query = url.partition("?")
    if not head.endswith("/"):
        head += "/"
    return head + sep + query


def apply_global_defaults(config: Config) -> list[Finding]:
    """Fill receiver settings left empty from `global`; report receivers that still miss something."""
    g = config.global_
    out: list[Finding] = []
    for ri, rcv in enumerate(config.receivers):
        base: Path = ("receivers", ri)

        for wh in rcv.webhook_configs:
            wh.http_config = wh.http_config or g.http_config

        for i, ec in enumerate(rcv.email_configs):
            where = (*base, "email_configs", i)
            if ec.tls_config is None:
                ec.tls_config = g.smtp_tls_config
            ec.smarthost = ec.smarthost or g.smtp_smarthost
            if not ec.smarthost:
                out.append((where, "no global SMTP smarthost set"))
            ec.from_ = ec.from_ or g.smtp_from
            if not ec.from_:
                out.append((where, "no global SMTP from set"))
            ec.hello = ec.hello or g.smtp_hello
            ec.auth_username = ec.auth_username or g.smtp_auth_username
            if not has_value(ec.auth_password) and not has_value(ec.auth_password_file):
                ec.auth_password = g.smtp_auth_password
                ec.auth_password_file = g.smtp_auth_password_file
            if not has_value(ec.auth_secret):
                ec.auth_secret = g.smtp_auth_secret
            if not has_value(ec.auth_secret_file):
                ec.auth_secret_file = g.smtp_auth_secret_file
            ec.auth_identity = ec.auth_identity or g.smtp_auth_identity
            if ec.require_tls is None:
                ec.require_tls = g.smtp_require_tls
            if ec.force_implicit_tls is None:
                ec.force_implicit_tls = g.smtp_force_implicit_tls

        for i, sc in enumerate(rcv.slack_configs):
            where = (*base, "slack_configs", i)
            sc.app_url = sc.app_url or g.slack_app_url
            local_auth = sc.http_config is not None and sc.http_config.authorization is not None
            if (
                not has_value(sc.app_token)
                and not has_value(sc.app_token_file)
                and not local_auth
                and sc.api_url is None
            ):
                sc.app_token = g.slack_app_token
                sc.app_token_file = g.slack_app_token_file
            if not has_value(sc.api_url) and not has_value(sc.api_url_file):
                sc.api_url = g.slack_api_url
                sc.api_url_file = g.slack_api_url_file
            uses_token = has_value(sc.app_token) or has_value(sc.app_token_file)
            if not has_value(sc.api_url) and not has_value(sc.api_url_file) and not uses_token:
                out.append((where, "no Slack API URL nor App token set either inline or in a file"))
            if sc.http_config is None:
                sc.http_config = g.http_config.model_copy(deep=True)
            if uses_token:
                if sc.http_config.authorization is not None and local_auth:
                    out.append((where, "http authorization can't be set when using Slack App tokens"))
                # The bot API is called with the token as bearer credentials (the notifier adds the header).
                sc.api_url = SecretStr(sc.app_url)
                sc.api_url_file = None
            if sc.update_message and (sc.api_url is None or sc.api_url.get_secret_value() != sc.app_url):
                out.append((where, "update_message can only be used with bot tokens (app_token)"))

        for pc in rcv.pushover_configs:
            pc.http_config = pc.http_config or g.http_config

        for pdc in rcv.pagerduty_configs:
            pdc.http_config = pdc.http_config or g.http_config
            pdc.url = pdc.url or g.pagerduty_url

        for iio in rcv.incidentio_configs:
            iio.http_config = iio.http_config or g.http_config

        for i, ogc in enumerate(rcv.opsgenie_configs):
            ogc.http_config = ogc.http_config or g.http_config
            ogc.api_url = _with_slash(ogc.api_url or g.opsgenie_api_url)
            if not has_value(ogc.api_key):
                ogc.api_key = g.opsgenie_api_key
            if not has_value(ogc.api_key_file):
                ogc.api_key_file = g.opsgenie_api_key_file
            if not has_value(ogc.api_key) and not has_value(ogc.api_key_file):
                out.append(
                    ((*base, "opsgenie_configs", i), "no global OpsGenie API Key set either inline or in a file")
                )

        for i, wcc in enumerate(rcv.wechat_configs):
            where = (*base, "wechat_configs", i)
            wcc.http_config = wcc.http_config or g.http_config
            wcc.api_url = _with_slash(wcc.api_url or g.wechat_api_url)
            if not has_value(wcc.api_secret) and not has_value(wcc.api_secret_file):
                if not has_value(g.wechat_api_secret) and not has_value(g.wechat_api_secret_file):
                    out.append((where, "no global Wechat Api Secret set either inline or in a file"))
                wcc.api_secret = g.wechat_api_secret
                wcc.api_secret_file = g.wechat_api_secret_file
            wcc.corp_id = wcc.corp_id or g.wechat_api_corp_id
            if not wcc.corp_id:
                out.append((where, "no global Wechat CorpID set"))

        for i, voc in enumerate(rcv.victorops_configs):
            voc.http_config = voc.http_config or g.http_config
            voc.api_url = _with_slash(voc.api_url or g.victorops_api_url)
            if not has_value(voc.api_key):
                voc.api_key = g.victorops_api_key
            if not has_value(voc.api_key_file):
                voc.api_key_file = g.victorops_api_key_file
            if not has_value(voc.api_key) and not has_value(voc.api_key_file):
                out.append(((*base, "victorops_configs", i), "no global VictorOps API Key set"))

        for sns in rcv.sns_configs:
            sns.http_config = sns.http_config or g.http_config

        for i, tc in enumerate(rcv.telegram_configs):
            tc.http_config = tc.http_config or g.http_config
            tc.api_url = tc.api_url or g.telegram_api_url
            if not has_value(tc.bot_token) and not has_value(tc.bot_token_file):
                if not has_value(g.telegram_bot_token) and not has_value(g.telegram_bot_token_file):
                    out.append(
                        ((*base, "telegram_configs", i), "missing bot_token or bot_token_file on telegram_config")
                    )
                tc.bot_token = g.telegram_bot_token
                tc.bot_token_file = g.telegram_bot_token_file

        for dc in rcv.discord_configs:
            dc.http_config = dc.http_config or g.http_config

        for wx in rcv.webex_configs:
            wx.http_config = wx.http_config or g.http_config
            wx.api_url = wx.api_url or g.webex_api_url

        for ms in rcv.msteams_configs:
            ms.http_config = ms.http_config or g.http_config
        for ms2 in rcv.msteamsv2_configs:
            ms2.http_config = ms2.http_config or g.http_config

        for i, jc in enumerate(rcv.jira_configs):
            jc.http_config = jc.http_config or g.http_config
            jc.api_url = jc.api_url or g.jira_api_url
            if jc.api_url is None:
                out.append(((*base, "jira_configs", i), "no global Jira Cloud URL set"))

        for i, rc in enumerate(rcv.rocketchat_configs):
            where = (*base, "rocketchat_configs", i)
            rc.http_config = rc.http_config or g.http_config
            rc.api_url = rc.api_url or g.rocketchat_api_url
            if not has_value(rc.token_id):
                rc.token_id = g.rocketchat_token_id
            if not has_value(rc.token_id_file):
                rc.token_id_file = g.rocketchat_token_id_file
            if not has_value(rc.token_id) and not has_value(rc.token_id_file):
                out.append((where, "no global Rocketchat TokenID set either inline or in a file"))
            if not has_value(rc.token):
                rc.token = g.rocketchat_token
            if not has_value(rc.token_file):
                rc.token_file = g.rocketchat_token_file
            if not has_value(rc.token) and not has_value(rc.token_file):
                out.append((where, "no global Rocketchat Token set either inline or in a file"))

        for i, mm in enumerate(rcv.mattermost_configs):
            mm.http_config = mm.http_config or g.http_config
            if not has_value(mm.webhook_url) and not has_value(mm.webhook_url_file):
                if not has_value(g.mattermost_webhook_url) and not has_value(g.mattermost_webhook_url_file):
                    out.append(
                        (
                            (*base, "mattermost_configs", i),
                            "missing webhook_url or webhook_url_file on mattermost_config",
                        )
                    )
                mm.webhook_url = g.mattermost_webhook_url
                mm.webhook_url_file = g.mattermost_webhook_url_file
    return out
