"""SMS channel (Twilio Messages API and a generic JSON gateway) against the loopback service."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
from tests.notify.loopback import LoopbackService, Reply
from tests.notify_msg.msg_support import cpu_alerts, make_ctx

from tocsin.notify.integration import NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.sms import DEFAULT_MESSAGE, SMSConfig, build, truncate

SID = "AC" + "0123456789abcdef" * 2
SERVICE_SID = "MG" + "fedcba9876543210" * 2
TWILIO_CREATED = {"sid": "SM" + "1" * 32, "status": "queued", "error_code": None}

# Twilio's documented Message-create parameters we send: To is required, exactly one of From or
# MessagingServiceSid, Body at most 1600 characters; To in E.164.
TWILIO_REQUIRED = {"To", "Body"}
TWILIO_ALLOWED = {"To", "From", "MessagingServiceSid", "Body"}
E164 = re.compile(r"\+[1-9][0-9]{1,14}")


def twilio(service: LoopbackService, **extra: Any) -> SMSConfig:
    raw: dict[str, Any] = {
        "provider": "twilio",
        "to": "+15551230001",
        "from_": "+15557654321",
        "account_sid": SID,
        "auth_token": "tw-token",
        "url": service.url,
    }
    raw.update(extra)
    return SMSConfig(**raw)


def check_twilio_form(form: dict[str, list[str]]) -> dict[str, str]:
    assert all(len(v) == 1 for v in form.values()), form
    flat = {k: v[0] for k, v in form.items()}
    assert TWILIO_REQUIRED <= set(flat) <= TWILIO_ALLOWED, flat
    assert ("From" in flat) != ("MessagingServiceSid" in flat)
    assert E164.fullmatch(flat["To"])
    assert 0 < len(flat["Body"]) <= 1600
    return flat


async def test_twilio_request_shape(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(201, TWILIO_CREATED))
    await build(twilio(service), deps).notify(make_ctx(), cpu_alerts())

    (req,) = service.requests
    assert req.method == "POST"
    assert req.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert req.headers["content-type"] == "application/x-www-form-urlencoded"
    assert req.headers["authorization"] == "Basic " + base64.b64encode(f"{SID}:tw-token".encode()).decode()
    flat = check_twilio_form(req.form())
    assert flat == {
        "To": "+15551230001",
        "From": "+15557654321",
        "Body": "[FIRING:1] HighCPU (critical)",
    }


async def test_twilio_messaging_service_and_token_file(
    service: LoopbackService, deps: NotifierDeps, tmp_path: Path
) -> None:
    token = tmp_path / "token"
    token.write_text("from-file\n")
    cfg = twilio(service, from_="", messaging_service_sid=SERVICE_SID, auth_token=None, auth_token_file=str(token))
    service.script(Reply(201, TWILIO_CREATED))
    await build(cfg, deps).notify(make_ctx(), cpu_alerts()[:1])
    (req,) = service.requests
    flat = check_twilio_form(req.form())
    assert flat["MessagingServiceSid"] == SERVICE_SID
    assert "From" not in flat
    assert req.headers["authorization"] == "Basic " + base64.b64encode(f"{SID}:from-file".encode()).decode()
    # The default template adds the common summary when all alerts share one.
    assert flat["Body"] == "[FIRING:1] HighCPU (web-1 critical): CPU above 95%"


async def test_default_template_matches_renderer(service: LoopbackService, deps: NotifierDeps) -> None:
    alerts = cpu_alerts()[:1]
    service.script(Reply(201, TWILIO_CREATED))
    await build(twilio(service), deps).notify(make_ctx(), alerts)
    r = Renderer(deps.templates, notification_data(make_ctx(), alerts))
    want = r.text("m", '{{ template "__subject" . }}') + ": CPU above 95%"
    assert r.error is None
    assert service.requests[0].form()["Body"] == [want]
    assert DEFAULT_MESSAGE.startswith('{{ template "__subject" . }}')


async def test_long_message_truncated_with_marker(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = twilio(service, message="{{ range .Alerts }}" + "x" * 1000 + "{{ end }}")
    service.script(Reply(201, TWILIO_CREATED))
    await build(cfg, deps).notify(make_ctx(), cpu_alerts())
    body = check_twilio_form(service.requests[0].form())["Body"]
    assert len(body) == 1600
    assert body.endswith("x...")

    short = twilio(service, message="{{ .CommonLabels.alertname }} is broken badly", max_length=12)
    await build(short, deps).notify(make_ctx(), cpu_alerts())
    assert service.requests[1].form()["Body"] == ["HighCPU i..."]
    assert truncate("abc", 3) == ("abc", False)


async def test_http_gateway_json(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = SMSConfig(
        provider="http",
        to="+4915112345678",
        from_="Tocsin",
        url=service.url + "/send",
        bearer_token="gw-token",
        headers={"X-Tenant": "ops"},
        max_length=20,
    )
    await build(cfg, deps).notify(make_ctx(), cpu_alerts())
    (req,) = service.requests
    assert req.path == "/send"
    assert req.headers["content-type"] == "application/json"
    assert req.headers["authorization"] == "Bearer gw-token"
    assert req.headers["x-tenant"] == "ops"
    body = req.json()
    assert set(body) == {"to", "from", "message"}
    assert body == {"to": "+4915112345678", "from": "Tocsin", "message": "[FIRING:1] HighCP..."}


@pytest.mark.parametrize("provider", ["twilio", "http"])
async def test_server_error_is_retryable(service: LoopbackService, deps: NotifierDeps, provider: str) -> None:
    service.script(Reply(500, "boom"))
    with pytest.raises(NotifyError) as err:
        await build(_cfg(provider, service), deps).notify(make_ctx(), cpu_alerts())
    assert err.value.retry is True
    assert "500" in str(err.value)


@pytest.mark.parametrize("provider", ["twilio", "http"])
async def test_client_error_is_permanent(service: LoopbackService, deps: NotifierDeps, provider: str) -> None:
    twilio_error = {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400}
    service.script(Reply(400, twilio_error))
    with pytest.raises(NotifyError) as err:
        await build(_cfg(provider, service), deps).notify(make_ctx(), cpu_alerts())
    assert err.value.retry is False
    assert "400" in str(err.value) and "21211" in str(err.value)
    assert "tw-token" not in str(err.value) and service.url not in str(err.value)


async def test_rate_limit_honours_retry_after(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(429, {"code": 20429, "message": "Too Many Requests"}, headers={"Retry-After": "7"}))
    with pytest.raises(NotifyError) as err:
        await build(twilio(service), deps).notify(make_ctx(), cpu_alerts())
    assert err.value.retry is True
    assert err.value.retry_after == 7.0


async def test_timeout_is_retryable(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(201, TWILIO_CREATED, delay=1.0))
    with pytest.raises(NotifyError) as err:
        await build(twilio(service, timeout=0.2), deps).notify(make_ctx(), cpu_alerts())
    assert err.value.retry is True
    assert "timed out" in str(err.value)


async def test_template_error_is_permanent(service: LoopbackService, deps: NotifierDeps) -> None:
    with pytest.raises(NotifyError) as err:
        await build(twilio(service, message='{{ template "missing" . }}'), deps).notify(make_ctx(), cpu_alerts())
    assert err.value.retry is False and "template for message" in str(err.value)
    assert service.requests == []


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"provider": "carrier-pigeon"}, "provider"),
        ({"to": "5551230001"}, "'to' must be an E.164"),
        ({"account_sid": "AC123"}, "account_sid"),
        ({"auth_token": None}, "auth_token"),
        ({"messaging_service_sid": SERVICE_SID}, "exactly one of 'from' & messaging_service_sid"),
        ({"from_": "", "messaging_service_sid": "MGxyz"}, "messaging_service_sid must look like"),
        ({"max_length": 2000}, "at most 1600"),
        ({"max_length": 3}, "greater than 3"),
        ({"url": "ftp://example.org"}, "http(s) URL"),
    ],
)
def test_config_errors_name_the_field(changes: dict[str, Any], needle: str) -> None:
    raw: dict[str, Any] = {
        "provider": "twilio",
        "to": "+15551230001",
        "from_": "+15557654321",
        "account_sid": SID,
        "auth_token": "t",
    }
    raw.update(changes)
    with pytest.raises(ValueError, match=re.escape(needle)):
        SMSConfig(**raw)
    with pytest.raises(ValueError, match="needs 'url'"):
        SMSConfig(provider="http", to="+15551230001")


def test_secrets_stay_out_of_repr() -> None:
    cfg = SMSConfig(provider="twilio", to="+15551230001", from_="+15557654321", account_sid=SID, auth_token="hush")
    assert "hush" not in repr(cfg)


def _cfg(provider: str, service: LoopbackService) -> SMSConfig:
    if provider == "twilio":
        return twilio(service)
    return SMSConfig(provider="http", to="+15551230001", url=service.url)
