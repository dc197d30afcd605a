"""Discord: execute-webhook JSON with one embed (https://discord.com/developers/docs/resources/webhook)."""

from __future__ import annotations

from pathlib import Path

from tests.notify.loopback import LoopbackService, Reply
from tests.notify_misc.channels_under_test import DISCORD_PATH, discord_cfg
from tests.notify_misc.misc_support import check_shape, firing_alerts, make_ctx, resolved_alerts

from tocsin.config.notifiers import DiscordConfig
from tocsin.notify import discord
from tocsin.notify.integration import NotifierDeps

WEBHOOK = {
    "required": {"embeds": list},
    "optional": {"content": str, "username": str, "avatar_url": str},
    "max_len": {"content": 2000, "embeds": 10},
    "extra": False,
}
EMBED = {
    "required": {"title": str, "description": str, "color": int},
    "max_len": {"title": 256, "description": 4096},
    "extra": False,
}


async def test_misc_discord_payload_shape_and_defaults(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(204))
    cfg = discord_cfg(service.url, username="Tocsin", avatar_url="https://example.com/bell.png")
    await discord.build(cfg, deps).notify(make_ctx(), firing_alerts())
    (req,) = service.requests
    assert req.method == "POST"
    assert req.path == DISCORD_PATH
    body = req.json()
    check_shape(body, WEBHOOK)
    (embed,) = body["embeds"]
    check_shape(embed, EMBED, "embeds[0]")
    assert 0 <= embed["color"] <= 0xFFFFFF
    assert embed["color"] == discord.COLOR_FIRING
    assert embed["title"] == "[FIRING:2] HighLatency (api critical)"
    assert "instance = a:9090" in embed["description"]
    assert body["username"] == "Tocsin"
    assert body["avatar_url"] == "https://example.com/bell.png"


async def test_misc_discord_resolved_is_green(service: LoopbackService, deps: NotifierDeps) -> None:
    await discord.build(discord_cfg(service.url), deps).notify(make_ctx(), resolved_alerts())
    body = service.requests[0].json()
    assert body["embeds"][0]["color"] == discord.COLOR_RESOLVED
    assert body["embeds"][0]["title"].startswith("[RESOLVED]")
    assert "username" not in body


async def test_misc_discord_truncates_embed_fields(service: LoopbackService, deps: NotifierDeps) -> None:
    cfg = discord_cfg(service.url, title="t" * 300, message="m" * 5000, content="c" * 2500)
    await discord.build(cfg, deps).notify(make_ctx(), firing_alerts())
    body = service.requests[0].json()
    embed = body["embeds"][0]
    assert len(embed["title"]) == 256 and embed["title"].endswith("…")
    assert len(embed["description"]) == 4096 and embed["description"].endswith("…")
    assert len(body["content"]) == 2000 and body["content"].endswith("…")


async def test_misc_discord_webhook_url_file(service: LoopbackService, deps: NotifierDeps, tmp_path: Path) -> None:
    (tmp_path / "url").write_text(service.url + DISCORD_PATH + "\n")
    cfg = DiscordConfig.model_validate({"webhook_url_file": str(tmp_path / "url")})
    await discord.build(cfg, deps).notify(make_ctx(), firing_alerts())
    assert service.requests[0].path == DISCORD_PATH
