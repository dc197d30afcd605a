"""Tocsin's webhook additions: HMAC-SHA256 signature headers and a templated body."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from tests.notify.loopback import LoopbackService
from tests.notify_chat.chatkit import alert, context

from tocsin.config.notifiers import WebhookConfig
from tocsin.notify.integration import NotifierDeps, NotifyError
from tocsin.notify.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, webhook_signature, webhook_signature_problem
from tocsin.notify.webhook import build

SECRET = "whsec-0123456789"


async def test_signed_webhook_verifies_and_tampering_does_not(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = WebhookConfig.model_validate({"url": f"{service.url}/hook", "signing_secret": SECRET})
    await build(cfg, deps).notify(context(), [alert()])
    [req] = service.requests
    ts, sig = req.headers[TIMESTAMP_HEADER.lower()], req.headers[SIGNATURE_HEADER.lower()]
    now = deps.clock.now().timestamp()
    assert int(ts) == int(now)
    assert sig == webhook_signature(SECRET, ts, req.body) and sig.startswith("v1=")
    assert webhook_signature_problem(SECRET, ts, req.body, sig, now) is None
    assert req.json()["version"] == "4"  # the body itself is unchanged
    tampered = req.body.replace(b"HighLatency", b"LowLatency")
    assert webhook_signature_problem(SECRET, ts, tampered, sig, now) == f"{SIGNATURE_HEADER} does not match the body"
    assert "away from the current time" in (webhook_signature_problem(SECRET, ts, req.body, sig, now + 301) or "")
    assert webhook_signature_problem("other", ts, req.body, sig, now) is not None
    # during a secret rotation a receiver may accept either of two signatures
    assert webhook_signature_problem(SECRET, ts, req.body, f"v1=00, {sig}", now) is None


async def test_unsigned_webhook_sends_no_signature_headers(service: LoopbackService, deps: NotifierDeps) -> None:
    await build(WebhookConfig.model_validate({"url": service.url}), deps).notify(context(), [alert()])
    assert SIGNATURE_HEADER.lower() not in service.requests[0].headers
    assert service.requests[0].headers["content-type"] == "application/json"


async def test_signing_secret_from_file(service: LoopbackService, deps: NotifierDeps, tmp_path: object) -> None:
    from pathlib import Path

    secret_file = Path(str(tmp_path)) / "secret"
    secret_file.write_text(SECRET + "\n")
    cfg = WebhookConfig.model_validate({"url": service.url, "signing_secret_file": str(secret_file)})
    await build(cfg, deps).notify(context(), [alert()])
    req = service.requests[0]
    ts = req.headers[TIMESTAMP_HEADER.lower()]
    assert req.headers[SIGNATURE_HEADER.lower()] == webhook_signature(SECRET, ts, req.body)


async def test_templated_body_with_its_content_type(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = WebhookConfig.model_validate(
        {
            "url": service.url,
            "content_type": "application/json; charset=utf-8",
            "body_template": '{"text": "{{ .Status }}: {{ range .Alerts }}{{ .Labels.alertname }} {{ end }}"}',
            "signing_secret": SECRET,
        }
    )
    await build(cfg, deps).notify(context(), [alert(), alert("Other")])
    req = service.requests[0]
    assert json.loads(req.body) == {"text": "firing: HighLatency Other "}
    assert req.headers["content-type"] == "application/json; charset=utf-8"
    ts = req.headers[TIMESTAMP_HEADER.lower()]
    assert req.headers[SIGNATURE_HEADER.lower()] == webhook_signature(SECRET, ts, req.body)  # signs what is sent


async def test_template_error_is_permanent_and_names_the_field(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = WebhookConfig.model_validate({"url": service.url, "body_template": "{{ .Nope.Deeper }}"})
    with pytest.raises(NotifyError) as exc:
        await build(cfg, deps).notify(context(), [alert()])
    assert exc.value.retry is False and "body_template" in str(exc.value)
    assert service.requests == []


def test_both_secret_forms_are_refused() -> None:
    with pytest.raises(ValidationError, match="signing_secret"):
        WebhookConfig.model_validate({"url": "http://x", "signing_secret": "a", "signing_secret_file": "/f"})


