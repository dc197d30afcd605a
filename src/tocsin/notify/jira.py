"""Jira integration: one issue per alert group, found again through an `ALERT{<group hash>}` label.

A firing group updates its open issue (or reopens one resolved within `reopen_duration` when a
`reopen_transition` is set) or creates a new one; a resolved group moves its issue through `resolve_transition`
and never creates an issue. This is the lifecycle of Alertmanager's jira notifier, including its choice between
the v2 `/search` and the Cloud-only v3 `/search/jql` endpoints.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from tocsin.config.http import HTTPClientConfig
from tocsin.config.notifiers import JiraConfig
from tocsin.model.alert import Alert
from tocsin.model.gostrings import go_quote
from tocsin.notify.context import NotifyContext
from tocsin.notify.http import send
from tocsin.notify.integration import Notifier, NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.secrets import secret_value
from tocsin.notify.text import group_key_hash, truncate_chars

# https://support.atlassian.com/jira-cloud-administration/docs/advanced-field-configuration-limits/
MAX_SUMMARY_CHARS = 255
MAX_DESCRIPTION_CHARS = 32767
_HEADERS = {"Content-Type": "application/json", "Accept-Language": "en"}


def group_label(group_key: str) -> str:
    return "ALERT{" + group_key_hash(group_key) + "}"


def _render_deep(value: Any, renderer: Renderer, where: str) -> Any:
    """Custom `fields` may nest maps and lists; every string in them is a template."""
    if isinstance(value, str):
        return renderer.text(where, value)
    if isinstance(value, dict):
        return {str(k): _render_deep(v, renderer, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_render_deep(v, renderer, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def _auth(http_config: HTTPClientConfig | None) -> tuple[dict[str, str], tuple[str, str] | None]:
    """Jira accepts basic auth (Cloud: e-mail + API token) or a bearer personal access token (Data Center)."""
    if http_config is None:
        return {}, None
    basic = http_config.basic_auth
    if basic is not None:
        user = basic.username or secret_value(None, basic.username_file, what="basic_auth username") or ""
        password = secret_value(basic.password, basic.password_file, what="basic_auth password") or ""
        return {}, (user, password)
    auth = http_config.authorization
    if auth is not None:
        creds = secret_value(auth.credentials, auth.credentials_file, what="http_config.authorization credentials")
        return ({"Authorization": f"{auth.type or 'Bearer'} {creds}"} if creds else {}), None
    token = secret_value(http_config.bearer_token, http_config.bearer_token_file, what="http_config.bearer_token")
    return ({"Authorization": f"Bearer {token}"} if token else {}), None


class JiraNotifier:
    def __init__(self, cfg: JiraConfig, deps: NotifierDeps) -> None:
        if not cfg.api_url:
            raise ValueError("jira_config needs api_url (or global.jira_api_url)")
        self._cfg = cfg
        self._deps = deps
        self._api = cfg.api_url.rstrip("/")

    # -- request bodies -------------------------------------------------------------------------------------

    def issue_fields(self, ctx: NotifyContext, alerts: Sequence[Alert], renderer: Renderer) -> dict[str, Any]:
        cfg = self._cfg
        fields: dict[str, Any] = {str(k): _render_deep(v, renderer, f"fields.{k}") for k, v in cfg.fields.items()}
        fields["project"] = {"key": renderer.text("project", cfg.project)}
        fields["issuetype"] = {"name": renderer.text("issue_type", cfg.issue_type)}
        fields["summary"] = truncate_chars(renderer.text("summary", cfg.summary.template), MAX_SUMMARY_CHARS)
        description = truncate_chars(renderer.text("description", cfg.description.template), MAX_DESCRIPTION_CHARS)
        labels = [renderer.text(f"labels[{i}]", label) for i, label in enumerate(cfg.labels.values)]
        priority = renderer.text("priority", cfg.priority).strip()
        if renderer.error:
            raise NotifyError(f"jira: {renderer.error}", retry=False)
        if urlsplit(self._api).path.endswith("/3"):
            # REST API v3 wants Atlassian Document Format: the description template must produce its JSON.
            try:
                fields["description"] = json.loads(description)
            except ValueError as exc:
                raise NotifyError(
                    f"jira: description is not valid Atlassian Document Format JSON (API v3): {exc}", retry=False
                ) from None
        else:
            fields["description"] = description
        fields["labels"] = sorted([*labels, group_label(ctx.group_key)])
        if priority:
            fields["priority"] = {"name": priority}
        return fields

    def _update_fields(self, fields: dict[str, Any]) -> dict[str, Any]:
        """An existing issue keeps what the config says not to overwrite (`enable_update: false`)."""
        cfg = self._cfg
        out = dict(fields)
        for name, setting in (("summary", cfg.summary), ("description", cfg.description), ("labels", cfg.labels)):
            if setting.enable_update is False:
                out.pop(name, None)
        return out

    def search_request(self, project: str, group_key: str, firing: bool) -> tuple[str, dict[str, Any]]:
        cfg = self._cfg
        jql = ""
        if cfg.wont_fix_resolution:
            jql += f"resolution != {go_quote(cfg.wont_fix_resolution)} and "
        reopen_minutes = int(cfg.reopen_duration // 60)
        if firing and cfg.reopen_transition and reopen_minutes > 0:
            jql += f"(resolutiondate is EMPTY OR resolutiondate >= -{reopen_minutes}m) and "
        else:
            jql += "statusCategory != Done and "
        jql += (
            f"project={go_quote(project)} and labels={go_quote(group_label(group_key))} "
            "order by status ASC,resolutiondate DESC"
        )
        body = {"jql": jql, "maxResults": 2, "fields": ["status"]}
        parts = urlsplit(self._api)
        cloud = cfg.api_type == "cloud" or (cfg.api_type == "auto" and (parts.hostname or "").endswith("atlassian.net"))
        if not cloud:
            return f"{self._api}/search", body
        # Jira Cloud retired v2 /search; its replacement exists only under v3.
        path = parts.path.replace("/2", "/3", 1) + "/search/jql"
        return urlunsplit((parts.scheme, parts.netloc, path, parts.query, "")), body

    # -- requests ---------------------------------------------------------------------------------------------

    async def _call(self, method: str, url: str, body: Any = None) -> httpx.Response:
        headers, basic = _auth(self._cfg.http_config)
        return await send(
            self._deps.http,
            "jira",
            method,
            url,
            content=json.dumps(body).encode() if body is not None else None,
            headers={**_HEADERS, **headers},
            auth=basic,
        )

    async def _existing_issue(self, project: str, group_key: str, firing: bool) -> dict[str, Any] | None:
        url, body = self.search_request(project, group_key, firing)
        resp = await self._call("POST", url, body)
        try:
            issues = resp.json().get("issues") or []
        except (ValueError, AttributeError):
            raise NotifyError("jira: issue search answered with unexpected JSON", retry=False) from None
        if not issues or not isinstance(issues[0], dict):
            return None
        found: dict[str, Any] = issues[0]
        return found

    async def _transition(self, issue: dict[str, Any], firing: bool) -> None:
        key = str(issue.get("key") or "")
        status = (issue.get("fields") or {}).get("status")
        if not key or not isinstance(status, dict):
            return
        done = (status.get("statusCategory") or {}).get("key") == "done"
        if firing == (not done):
            return  # already where it should be
        name = self._cfg.reopen_transition if firing else self._cfg.resolve_transition
        if not name:
            return
        resp = await self._call("GET", f"{self._api}/issue/{key}/transitions")
        try:
            transitions = resp.json().get("transitions") or []
        except (ValueError, AttributeError):
            raise NotifyError("jira: transitions answered with unexpected JSON", retry=False) from None
        for t in transitions:
            if isinstance(t, dict) and t.get("name") == name:
                await self._call("POST", f"{self._api}/issue/{key}/transitions", {"transition": {"id": str(t["id"])}})
                return
        raise NotifyError(f"jira: issue {key} has no transition named {name!r}", retry=False)

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        renderer = Renderer(self._deps.templates, notification_data(ctx, alerts))
        fields = self.issue_fields(ctx, alerts, renderer)
        firing = any(not a.resolved_at(ctx.now) for a in alerts)
        existing = await self._existing_issue(fields["project"]["key"], ctx.group_key, firing)
        if existing is None:
            if not firing:
                return  # nothing to resolve, and a resolved group never opens an issue
            await self._call("POST", f"{self._api}/issue", {"fields": fields})
            return
        key = str(existing.get("key") or "")
        await self._call("PUT", f"{self._api}/issue/{key}", {"fields": self._update_fields(fields)})
        await self._transition(existing, firing)

    async def close(self) -> None:
        return None


def build(cfg: JiraConfig, deps: NotifierDeps) -> Notifier:
    return JiraNotifier(cfg, deps)
