"""Webex: POST /v1/messages with roomId and markdown (https://developer.webex.com/docs/api/v1/messages)."""

from __future__ import annotations

from pathlib import Path

from tests.notify.loopback import LoopbackService, Reply
from tests.notify_misc.channels_under_test import WEBEX_TOKEN, webex_cfg
from tests.notify_misc.misc_support import check_shape, firing_alerts, make_ctx

from tocsin.notify import webex
from tocsin.notify.integration import NotifierDeps

CREATE_MESSAGE = {
    "optional": {
        "roomId": str,
        "toPersonId": str,
        "toPersonEmail": str,
        "text": str,
        "markdown": str,
        "parentId": str,
        "files": list,
        "attachments": list,
    },
    "extra": False,
}


async def test_misc_webex_payload_shape_and_default(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(200, {"id": "Y2lz", "roomId": "Y2lzY29z"}))
    await webex.build(webex_cfg(service.url), deps).notify(make_ctx(), firing_alerts())
    (req,) = service.requests
    assert (req.method, req.path) == ("POST", "/v1/messages")
    assert req.headers["authorization"] == f"Bearer {WEBEX_TOKEN}"
    body = req.json()
    check_shape(body, CREATE_MESSAGE)
    assert sum(k in body for k in ("roomId", "toPersonId", "toPersonEmail")) == 1, "exactly one destination"
    assert "text" in body or "markdown" in body
    assert len(body["markdown"].encode()) <= 7439
    assert body["roomId"] == "Y2lzY29zcGFyazovL3VzL1JPT00vYmJjZWIxYWQ"
    assert body["markdown"].startswith("p99 latency above 2s")
    assert "instance = b:9090" in body["markdown"]


async def test_misc_webex_truncates_in_bytes(service: LoopbackService, deps: NotifierDeps) -> None:
    await webex.build(webex_cfg(service.url, message="€" * 3000), deps).notify(make_ctx(), firing_alerts())
    markdown = service.requests[0].json()["markdown"]
    assert len(markdown.encode()) <= 7439
    assert len(markdown.encode()) > 7430
    assert markdown.endswith("…") and set(markdown[:-1]) == {"€"}


async def test_misc_webex_credentials_file(service: LoopbackService, deps: NotifierDeps, tmp_path: Path) -> None:
    (tmp_path / "token").write_text("rotated-token\n")
    cfg = webex_cfg(service.url, http_config={"authorization": {"credentials_file": str(tmp_path / "token")}})
    await webex.build(cfg, deps).notify(make_ctx(), firing_alerts())
    assert service.requests[0].headers["authorization"] == "Bearer rotated-token"
