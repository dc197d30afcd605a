"""Jira: search by group label, then create / update / transition (Jira REST API v2 and v3)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from tests.notify.loopback import LoopbackService, Received, Reply
from tests.notify_misc.channels_under_test import JIRA_EMPTY_SEARCH, JIRA_PASSWORD, jira_cfg
from tests.notify_misc.misc_support import check_shape, firing_alerts, make_ctx, resolved_alerts

from tocsin.notify import jira
from tocsin.notify.integration import NotifierDeps, NotifyError

GROUP_KEY = '{}:{alertname="HighLatency"}'
GROUP_LABEL = "ALERT{" + hashlib.sha256(GROUP_KEY.encode()).hexdigest() + "}"
CREATED = Reply(201, {"id": "10000", "key": "OPS-1", "self": "http://jira/rest/api/2/issue/10000"})
SEARCH = {"required": {"jql": str, "maxResults": int, "fields": list}, "extra": False}
CREATE_FIELDS = {
    "required": {"project": dict, "issuetype": dict, "summary": str},
    "optional": {"description": (str, dict), "labels": list, "priority": dict},
    "max_len": {"summary": 255},
}


def _issue(category: str) -> Reply:
    status = {"name": "Whatever", "statusCategory": {"key": category}}
    return Reply(200, {"issues": [{"key": "OPS-7", "fields": {"status": status}}]})


def _check_create(body: dict[str, Any]) -> dict[str, Any]:
    assert set(body) == {"fields"}
    fields: dict[str, Any] = body["fields"]
    check_shape(fields, CREATE_FIELDS, "fields")
    assert set(fields["project"]) <= {"key", "id"} and fields["project"]
    assert set(fields["issuetype"]) <= {"name", "id"} and fields["issuetype"]
    assert all(isinstance(label, str) and " " not in label for label in fields["labels"]), "labels have no spaces"
    return fields


def _basic(req: Received) -> str:
    return base64.b64decode(req.headers["authorization"].removeprefix("Basic ")).decode()


async def test_misc_jira_creates_issue_with_defaults(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(JIRA_EMPTY_SEARCH, CREATED)
    cfg = jira_cfg(
        service.url,
        labels=["team-{{ .CommonLabels.job }}"],
        fields={"customfield_10001": "{{ .Status }}", "components": [{"name": "{{ .CommonLabels.job }}"}]},
    )
    await jira.build(cfg, deps).notify(make_ctx(GROUP_KEY), firing_alerts())
    search, create = service.requests
    assert (search.method, search.path) == ("POST", "/rest/api/2/search")
    assert _basic(search) == f"bot@example.com:{JIRA_PASSWORD}"
    assert search.headers["content-type"] == "application/json"
    sbody = search.json()
    check_shape(sbody, SEARCH)
    assert sbody["maxResults"] == 2 and sbody["fields"] == ["status"]
    assert sbody["jql"] == (
        f'statusCategory != Done and project="OPS" and labels="{GROUP_LABEL}" order by status ASC,resolutiondate DESC'
    )
    assert (create.method, create.path) == ("POST", "/rest/api/2/issue")
    fields = _check_create(create.json())
    assert fields["project"] == {"key": "OPS"} and fields["issuetype"] == {"name": "Bug"}
    assert fields["summary"] == "[FIRING:2] HighLatency (api critical)"
    assert fields["description"].startswith("# Alerts Firing:\n")
    assert "instance = a:9090" in fields["description"]
    assert fields["labels"] == sorted([GROUP_LABEL, "team-api"])
    assert fields["priority"] == {"name": "High"}
    assert fields["customfield_10001"] == "firing"
    assert fields["components"] == [{"name": "api"}]


async def test_misc_jira_updates_open_issue(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(_issue("indeterminate"), Reply(204))
    cfg = jira_cfg(service.url, summary={"template": "new {{ .Status }}", "enable_update": False})
    await jira.build(cfg, deps).notify(make_ctx(GROUP_KEY), firing_alerts())
    assert len(service.requests) == 2, "no transition for an open issue that is still firing"
    update = service.requests[1]
    assert (update.method, update.path) == ("PUT", "/rest/api/2/issue/OPS-7")
    fields = update.json()["fields"]
    assert "summary" not in fields, "enable_update: false keeps the issue's summary"
    assert "description" in fields and GROUP_LABEL in fields["labels"]


async def test_misc_jira_resolves_through_transition(service: LoopbackService, deps: NotifierDeps) -> None:
    transitions = {"transitions": [{"id": "11", "name": "Start"}, {"id": "31", "name": "Done"}]}
    service.script(_issue("indeterminate"), Reply(204), Reply(200, transitions), Reply(204))
    cfg = jira_cfg(service.url, resolve_transition="Done", wont_fix_resolution="Won't Fix")
    await jira.build(cfg, deps).notify(make_ctx(GROUP_KEY), resolved_alerts())
    search, update, listing, move = service.requests
    assert search.json()["jql"].startswith('resolution != "Won\'t Fix" and statusCategory != Done and ')
    assert update.method == "PUT"
    assert (listing.method, listing.path) == ("GET", "/rest/api/2/issue/OPS-7/transitions")
    assert (move.method, move.path) == ("POST", "/rest/api/2/issue/OPS-7/transitions")
    assert move.json() == {"transition": {"id": "31"}}


async def test_misc_jira_reopens_recently_resolved(service: LoopbackService, deps: NotifierDeps) -> None:
    transitions = {"transitions": [{"id": "41", "name": "Reopen"}]}
    service.script(_issue("done"), Reply(204), Reply(200, transitions), Reply(204))
    cfg = jira_cfg(service.url, reopen_transition="Reopen", reopen_duration="1h")
    await jira.build(cfg, deps).notify(make_ctx(GROUP_KEY), firing_alerts())
    assert service.requests[0].json()["jql"].startswith("(resolutiondate is EMPTY OR resolutiondate >= -60m) and ")
    assert service.requests[3].json() == {"transition": {"id": "41"}}


async def test_misc_jira_missing_transition_is_permanent(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(_issue("new"), Reply(204), Reply(200, {"transitions": [{"id": "1", "name": "Other"}]}))
    cfg = jira_cfg(service.url, resolve_transition="Done")
    with pytest.raises(NotifyError, match="no transition named 'Done'") as info:
        await jira.build(cfg, deps).notify(make_ctx(GROUP_KEY), resolved_alerts())
    assert info.value.retry is False


async def test_misc_jira_resolved_without_issue_creates_nothing(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(JIRA_EMPTY_SEARCH)
    await jira.build(jira_cfg(service.url), deps).notify(make_ctx(GROUP_KEY), resolved_alerts())
    assert [r.method for r in service.requests] == ["POST"]


async def test_misc_jira_cloud_v3_search_and_adf(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(JIRA_EMPTY_SEARCH, CREATED)
    adf = (
        '{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"{{ .Status }}"}]}]}'
    )
    cfg = jira_cfg(service.url, api_type="cloud", description=adf)
    cfg.api_url = service.url + "/rest/api/3"
    await jira.build(cfg, deps).notify(make_ctx(GROUP_KEY), firing_alerts())
    search, create = service.requests
    assert search.path == "/rest/api/3/search/jql"
    assert create.path == "/rest/api/3/issue"
    description = _check_create(create.json())["description"]
    assert description == json.loads(adf.replace("{{ .Status }}", "firing"))


async def test_misc_jira_v3_rejects_non_adf_description(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = jira_cfg(service.url)
    cfg.api_url = service.url + "/rest/api/3"
    with pytest.raises(NotifyError, match="Atlassian Document Format") as info:
        await jira.build(cfg, deps).notify(make_ctx(GROUP_KEY), firing_alerts())
    assert info.value.retry is False
    assert service.requests == []


async def test_misc_jira_summary_truncated(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(JIRA_EMPTY_SEARCH, CREATED)
    await jira.build(jira_cfg(service.url, summary="s" * 400), deps).notify(make_ctx(GROUP_KEY), firing_alerts())
    summary = service.requests[1].json()["fields"]["summary"]
    assert len(summary) == 255 and summary.endswith("…")
