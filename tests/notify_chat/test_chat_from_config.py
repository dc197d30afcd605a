"""The channels built from a whole Alertmanager configuration file, with the loader's global defaults applied."""

from __future__ import annotations

from tests.notify.loopback import LoopbackService, Reply
from tests.notify_chat.chatkit import alert, context

from tocsin.config.loader import load_config_text
from tocsin.notify import mattermost, msteams, rocketchat, slack
from tocsin.notify.integration import NotifierDeps


async def test_global_settings_reach_the_channels(service: LoopbackService, deps: NotifierDeps) -> None:
    service.default = Reply(200, {"ok": True, "success": True}, {"Content-Type": "application/json"})
    cfg = load_config_text(
        f"""
global:
  slack_app_token: xoxb-from-global
  slack_app_url: {service.url}/api/chat.postMessage
  rocketchat_api_url: {service.url}/rc/
  rocketchat_token: rc-token
  rocketchat_token_id: rc-user
  mattermost_webhook_url: {service.url}/hooks/mm
route:
  receiver: chat
receivers:
  - name: chat
    slack_configs: [{{channel: "#ops"}}]
    rocketchat_configs: [{{channel: "#ops"}}]
    mattermost_configs: [{{}}]
    msteamsv2_configs: [{{webhook_url: "{service.url}/workflows/x"}}]
"""
    )
    (rcv,) = [r for r in cfg.receivers if r.name == "chat"]
    notifiers = [
        slack.build(rcv.slack_configs[0], deps),
        rocketchat.build(rcv.rocketchat_configs[0], deps),
        mattermost.build(rcv.mattermost_configs[0], deps),
        msteams.build(rcv.msteamsv2_configs[0], deps),
    ]
    for n in notifiers:
        await n.notify(context(), [alert()])
    by_path = {r.path: r for r in service.requests}
    assert set(by_path) == {"/api/chat.postMessage", "/rc/api/v1/chat.postMessage", "/hooks/mm", "/workflows/x"}
    assert by_path["/api/chat.postMessage"].headers["authorization"] == "Bearer xoxb-from-global"
    assert by_path["/rc/api/v1/chat.postMessage"].headers["x-auth-token"] == "rc-token"
    assert by_path["/rc/api/v1/chat.postMessage"].headers["x-user-id"] == "rc-user"
    assert by_path["/hooks/mm"].json()["username"] == "Alertmanager"
    assert by_path["/workflows/x"].json()["type"] == "message"
