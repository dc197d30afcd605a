"""Every channel classifies service failures the same way: 5xx retry, 4xx permanent, 429 with its wait,
a hung service times out as retryable, and no error ever shows a secret."""

from __future__ import annotations

import httpx
import pytest
from tests.notify.loopback import LoopbackService, Reply
from tests.notify_misc.channels_under_test import CHANNELS, SECRETS, Channel
from tests.notify_misc.misc_support import SHARED_TEMPLATES, ShortTimeoutTransport, firing_alerts, make_ctx, make_deps

from tocsin.model.clock import FakeClock
from tocsin.notify.integration import NotifierDeps, NotifyError

IDS = [c.name for c in CHANNELS]


def _no_secret(err: NotifyError) -> None:
    for secret in SECRETS:
        assert secret not in str(err)


async def _fail(channel: Channel, service: LoopbackService, deps: NotifierDeps, reply: Reply) -> NotifyError:
    service.script(*channel.before, reply)
    notifier = channel.make(service.url, deps)
    with pytest.raises(NotifyError) as info:
        await notifier.notify(make_ctx(), firing_alerts())
    await notifier.close()
    _no_secret(info.value)
    return info.value


@pytest.mark.parametrize("channel", CHANNELS, ids=IDS)
async def test_misc_server_error_is_retried(channel: Channel, service: LoopbackService, deps: NotifierDeps) -> None:
    err = await _fail(channel, service, deps, Reply(503, "upstream unavailable"))
    assert err.retry is True
    assert "503" in str(err)


@pytest.mark.parametrize("channel", CHANNELS, ids=IDS)
async def test_misc_client_error_is_permanent(channel: Channel, service: LoopbackService, deps: NotifierDeps) -> None:
    err = await _fail(channel, service, deps, Reply(400, {"error": "bad request body"}))
    assert err.retry is False
    assert "400" in str(err)


@pytest.mark.parametrize("channel", CHANNELS, ids=IDS)
async def test_misc_rate_limit_honours_retry_after(
    channel: Channel, service: LoopbackService, deps: NotifierDeps
) -> None:
    err = await _fail(channel, service, deps, Reply(429, "slow down", headers={"Retry-After": "17"}))
    assert err.retry is True
    assert err.retry_after == 17.0


@pytest.mark.parametrize("channel", CHANNELS, ids=IDS)
async def test_misc_hung_service_times_out(channel: Channel, service: LoopbackService) -> None:
    async with httpx.AsyncClient(transport=ShortTimeoutTransport(0.1)) as client:
        deps = make_deps(client, SHARED_TEMPLATES, FakeClock())
        err = await _fail(channel, service, deps, Reply(200, "{}", delay=0.4))
    assert err.retry is True
    assert "timed out" in str(err)
