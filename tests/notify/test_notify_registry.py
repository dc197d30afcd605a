"""Every channel the registry names exists and builds from its configuration model."""

from __future__ import annotations

import importlib

import httpx
import pytest

from tocsin.config import load_config_text
from tocsin.model.clock import FakeClock
from tocsin.notify.integration import NotifierDeps
from tocsin.notify.registry import INTEGRATIONS, FailingNotifier, build_integrations


@pytest.mark.parametrize(("field", "entry"), sorted(INTEGRATIONS.items()))
def test_registered_modules_expose_build(field: str, entry: tuple[str, str | None]) -> None:
    _, module = entry
    if module is not None:
        assert callable(importlib.import_module(module).build)


async def test_webhook_only_config_builds_without_templates() -> None:
    cfg = load_config_text(
        "route: {receiver: r}\nreceivers:\n- name: r\n  webhook_configs: [{url: 'http://127.0.0.1:9/'}]\n"
    )

    def no_templates() -> object:
        raise AssertionError("a webhook must not load the template engine")

    async with httpx.AsyncClient() as http:
        deps = NotifierDeps(http, no_templates, FakeClock())  # type: ignore[arg-type]
        (integ,) = build_integrations(cfg.receivers[0], deps)
    assert integ.name == "webhook" and not isinstance(integ.notifier, FailingNotifier)


def test_webhook_payload_receiver_is_regexp_quoted_like_alertmanager() -> None:
    from datetime import UTC, datetime

    from tocsin.notify.payload import template_data

    data = template_data("team.a(b)", {}, [], "", datetime.now(UTC))
    assert data["receiver"] == "team\\.a\\(b\\)"


async def test_sms_configs_from_the_configuration_file_send(service: object) -> None:
    from datetime import UTC, datetime, timedelta

    from tests.notify.loopback import LoopbackService

    from tocsin.model.alert import Alert
    from tocsin.notify.context import NotifyContext
    from tocsin.notify.template import Templates

    assert isinstance(service, LoopbackService)
    cfg = load_config_text(
        "route: {receiver: pager}\n"
        "receivers:\n"
        "- name: pager\n"
        "  sms_configs:\n"
        f"  - {{provider: http, to: '+15551234567', from: '+15557654321', url: '{service.url}/sms'}}\n"
    )
    now = datetime.now(UTC)
    alert = Alert({"alertname": "DiskFull"}, {"summary": "95%"}, now, now + timedelta(hours=1), now)
    ctx = NotifyContext(group_key="{}:{}", group_labels={}, receiver="pager", now=now, repeat_interval=0)
    async with httpx.AsyncClient() as http:
        (integ,) = build_integrations(cfg.receivers[0], NotifierDeps(http, Templates.from_globs([]), FakeClock()))
        await integ.notifier.notify(ctx, [alert])
    body = service.requests[0].json()
    assert body["to"] == "+15551234567" and "DiskFull" in body["message"] and "95%" in body["message"]
