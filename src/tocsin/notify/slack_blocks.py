"""Tocsin's Block Kit layout for Slack (`block_kit: true`), with the interactive buttons.

Alertmanager sends one legacy attachment with templated fields; that stays the default so an existing
configuration sends the same messages. The Block Kit layout is what a person triaging from Slack wants: a
colour bar by severity, a header, the group's facts, each alert with its summary and own labels, links, and
buttons (Acknowledge, Silence, Run workflow) that call back into Tocsin. The blocks sit inside one attachment
because only attachments carry the colour bar.

Slack's documented limits are enforced here (https://api.slack.com/reference/block-kit/blocks): 50 blocks per
message, 150 characters of header, 3,000 per section text, 10 fields of 2,000, 75 per button label and 2,000 per
button value; overlong text is cut with a marker, never rejected by Slack.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from tocsin.config.notifiers import SlackConfig
from tocsin.model.alert import Alert
from tocsin.model.duration import format_duration
from tocsin.notify.context import NotifyContext
from tocsin.notify.render import Renderer
from tocsin.notify.text import group_id, truncate_chars

MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_SECTION = 3000
MAX_FIELDS = 10
MAX_FIELD = 2000
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_CONTEXT_ELEMENTS = 10
# Alerts listed one section each; the rest are counted. Keeps room under MAX_BLOCKS for the fixed blocks.
MAX_LISTED_ALERTS = 20

ACTION_ACK = "tocsin_ack"
ACTION_SILENCE = "tocsin_silence"
ACTION_WORKFLOW = "tocsin_workflow"
ACTIONS_BLOCK_ID = "tocsin_actions"

# Severity label values, most urgent first, and their colour bars (Slack's brand red, yellow, blue).
_SEVERITY_RANK = {"critical": 0, "page": 0, "error": 1, "high": 1, "warning": 2, "warn": 2, "info": 3}
_COLOURS = {0: "#E01E5A", 1: "#E01E5A", 2: "#ECB22E", 3: "#439FE0"}
RESOLVED_COLOUR = "#2EB67D"
DEFAULT_COLOUR = "#439FE0"
_EMOJI = {0: ":red_circle:", 1: ":red_circle:", 2: ":large_orange_circle:", 3: ":large_blue_circle:"}
RESOLVED_EMOJI = ":white_check_mark:"


def mrkdwn_escape(text: str) -> str:
    """Slack's three control characters in mrkdwn and plain text (https://api.slack.com/reference/surfaces/formatting)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str, label: str) -> str:
    return f"<{url.replace('|', '%7C').replace('>', '%3E')}|{mrkdwn_escape(label)}>"


def _rank(alert: Alert) -> int | None:
    return _SEVERITY_RANK.get(alert.labels.get("severity", "").strip().lower())


def worst_severity(alerts: Sequence[Alert]) -> tuple[int | None, str]:
    """The most urgent known severity among the alerts: its rank and the label value as written."""
    best: tuple[int | None, str] = (None, "")
    for a in alerts:
        r = _rank(a)
        if r is not None and (best[0] is None or r < best[0]):
            best = (r, a.labels.get("severity", ""))
    if best[0] is None:
        for a in alerts:
            if a.labels.get("severity"):
                return None, a.labels["severity"]
    return best


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate_chars(text or " ", limit), "emoji": True}


def _mrkdwn(text: str, limit: int = MAX_SECTION) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate_chars(text or " ", limit)}


def _alert_section(alert: Alert, group_labels: dict[str, str], now_firing: bool) -> dict[str, Any]:
    ann = alert.annotations
    title = ann.get("summary") or ann.get("title") or alert.labels.get("alertname", "alert")
    rank = _rank(alert)
    icon = RESOLVED_EMOJI if not now_firing else _EMOJI.get(rank if rank is not None else -1, ":red_circle:")
    # Each part has its own budget so a huge description cannot push the links out of the 3,000 characters.
    lines = [f"{icon} *{truncate_chars(mrkdwn_escape(title), 300)}*"]
    detail = ann.get("description") or ann.get("message") or ""
    if detail:
        lines.append(truncate_chars(mrkdwn_escape(detail), 1500))
    own = {k: v for k, v in sorted(alert.labels.items()) if group_labels.get(k) != v}
    if own:
        labels = " ".join(f"`{mrkdwn_escape(k)}={mrkdwn_escape(v)}`" for k, v in own.items())
        lines.append(truncate_chars(labels, 600))
    since = int(alert.starts_at.timestamp())
    meta = f"Since <!date^{since}^{{date_short_pretty}} {{time}}|{alert.starts_at.isoformat()}>"
    if alert.generator_url:
        meta += " · " + _link(alert.generator_url, "Source")
    runbook = ann.get("runbook_url") or ann.get("runbook")
    if runbook:
        meta += " · " + _link(runbook, "Runbook")
    lines.append(meta)
    return {"type": "section", "text": _mrkdwn("\n".join(lines))}


def _button_value(payload: dict[str, Any]) -> str:
    return orjson.dumps(payload).decode()


def _buttons(cfg: SlackConfig, ctx: NotifyContext, gid: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for kind in cfg.buttons:
        if kind == "acknowledge":
            if ctx.ack is not None:
                continue  # already acknowledged: the context line says by whom
            out.append(
                {
                    "type": "button",
                    "action_id": ACTION_ACK,
                    "text": _plain("Acknowledge", MAX_BUTTON_TEXT),
                    "style": "primary",
                    "value": _button_value({"g": gid, "r": ctx.receiver}),
                }
            )
        elif kind == "silence":
            value: dict[str, Any] = {"g": gid, "r": ctx.receiver, "d": int(cfg.silence_duration)}
            with_labels = {**value, "m": ctx.group_labels}
            if len(_button_value(with_labels)) <= MAX_BUTTON_VALUE:
                value = with_labels  # the silence can then be created even if the group is gone by the click
            out.append(
                {
                    "type": "button",
                    "action_id": ACTION_SILENCE,
                    "text": _plain(f"Silence {format_duration(cfg.silence_duration)}", MAX_BUTTON_TEXT),
                    "value": _button_value(value),
                }
            )
        elif kind == "workflow":
            name = cfg.workflow.strip()
            out.append(
                {
                    "type": "button",
                    "action_id": ACTION_WORKFLOW,
                    "text": _plain(f"Run {name}", MAX_BUTTON_TEXT),
                    "style": "danger",
                    "value": _button_value({"g": gid, "r": ctx.receiver, "w": name}),  # name <= 200 (config)
                    "confirm": {
                        "title": _plain("Run workflow?", 100),
                        "text": _plain(f"Start workflow {name} for this alert group?", 300),
                        "confirm": _plain("Run", 30),
                        "deny": _plain("Cancel", 30),
                    },
                }
            )
    return out


def block_kit_attachment(
    cfg: SlackConfig, r: Renderer, ctx: NotifyContext, alerts: Sequence[Alert]
) -> dict[str, Any]:
    """The attachment (colour bar + blocks) for one notification of a group."""
    firing = [a for a in alerts if not a.resolved_at(ctx.now)]
    resolved = [a for a in alerts if a.resolved_at(ctx.now)]
    rank, severity = worst_severity(firing or alerts)
    colour = RESOLVED_COLOUR if not firing else _COLOURS.get(rank if rank is not None else -1, DEFAULT_COLOUR)
    icon = RESOLVED_EMOJI if not firing else _EMOJI.get(rank if rank is not None else -1, ":red_circle:")
    title = r.text("title", cfg.title)
    blocks: list[dict[str, Any]] = [{"type": "header", "text": _plain(f"{icon} {title}", MAX_HEADER)}]

    facts = [
        ("Status", "firing" if firing else "resolved"),
        ("Alerts", f"{len(firing)} firing, {len(resolved)} resolved"),
    ]
    if severity:
        facts.append(("Severity", severity))
    facts.append(("Receiver", ctx.receiver))
    facts += [(k, v) for k, v in sorted(ctx.group_labels.items()) if k != "severity"]
    blocks.append(
        {
            "type": "section",
            "fields": [
                _mrkdwn(f"*{mrkdwn_escape(k)}*\n{mrkdwn_escape(v)}", MAX_FIELD) for k, v in facts[:MAX_FIELDS]
            ],
        }
    )
    text = r.text("text", cfg.text)
    if text.strip():
        blocks.append({"type": "section", "text": _mrkdwn(text)})
    blocks.append({"type": "divider"})
    listed = [*firing, *resolved][:MAX_LISTED_ALERTS]
    for a in listed:
        blocks.append(_alert_section(a, ctx.group_labels, not a.resolved_at(ctx.now)))
    if len(alerts) > len(listed):
        blocks.append({"type": "context", "elements": [_mrkdwn(f"…and {len(alerts) - len(listed)} more alerts")]})

    links = []
    title_link = r.text("title_link", cfg.title_link)
    if title_link:
        links.append(_link(title_link, "Open in Tocsin"))
    footer = r.text("footer", cfg.footer)
    if footer:
        links.append(mrkdwn_escape(footer))
    if links:
        blocks.append({"type": "context", "elements": [_mrkdwn(" · ".join(links))][:MAX_CONTEXT_ELEMENTS]})
    if ctx.ack is not None:
        at = int(ctx.ack.acked_at.timestamp())
        note = f":white_check_mark: Acknowledged by *{mrkdwn_escape(ctx.ack.acked_by)}*"
        note += f" <!date^{at}^{{date_short_pretty}} {{time}}|{ctx.ack.acked_at.isoformat()}>"
        if ctx.ack.comment:
            note += f": {mrkdwn_escape(ctx.ack.comment)}"
        blocks.append({"type": "context", "elements": [_mrkdwn(note)]})
    if firing and cfg.buttons:
        buttons = _buttons(cfg, ctx, group_id(ctx.group_key))
        if buttons:
            blocks.append({"type": "actions", "block_id": ACTIONS_BLOCK_ID, "elements": buttons})
    if len(blocks) > MAX_BLOCKS:  # cannot happen with MAX_LISTED_ALERTS, but never let Slack reject the message
        blocks = [*blocks[: MAX_BLOCKS - 1], blocks[-1]]
    return {"color": colour, "fallback": r.text("fallback", cfg.fallback), "blocks": blocks}
