"""`tocsin group list|ack|unack`: alert groups and their acknowledgements on a running server."""

from __future__ import annotations

import getpass
import json
from typing import Any

import typer

from tocsin.api.notify_commands import URL_HELP, api_base, call_api

group_app = typer.Typer(no_args_is_help=True, add_completion=False, help="Alert groups and acknowledgements.")


def _table(groups: list[dict[str, Any]]) -> str:
    head = ("ID", "Receiver", "Firing", "Alerts", "Acknowledged by", "Labels")
    rows = [
        (
            g["id"],
            g["receiver"],
            str(g["firing"]),
            str(g["alerts"]),
            (g["acknowledgement"] or {}).get("ackedBy", ""),
            ", ".join(f"{k}={v}" for k, v in sorted(g["labels"].items()))[:80],
        )
        for g in groups
    ]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [head, *rows])


@group_app.command("list")
def list_groups(
    receiver: str = typer.Option(None, "--receiver", help="Only groups of this receiver."),
    acknowledged: bool = typer.Option(None, "--acknowledged/--unacknowledged", help="Filter by acknowledgement."),
    output: str = typer.Option("simple", "-o", "--output", help="simple or json."),
    url: str = typer.Option(None, "--alertmanager.url", help=URL_HELP),
) -> None:
    """Alert groups with the ids that `ack` takes."""
    params: dict[str, Any] = {}
    if receiver:
        params["receiver"] = receiver
    if acknowledged is not None:
        params["acknowledged"] = str(acknowledged).lower()
    groups = call_api("GET", f"{api_base(url)}/groups", params=params)
    typer.echo(json.dumps(groups, indent=2) if output == "json" else _table(groups))


@group_app.command()
def ack(
    group: str = typer.Argument(..., help="Group id from `tocsin group list` (or a unique prefix of 6+ characters)."),
    comment: str = typer.Option("", "-c", "--comment", help="Why, or what is being done."),
    acked_by: str = typer.Option(None, "-a", "--author", help="Who acknowledges (default: the local user)."),
    url: str = typer.Option(None, "--alertmanager.url", help=URL_HELP),
) -> None:
    """Acknowledge a group: no repeat notifications until a new alert fires; PagerDuty/Opsgenie/Slack are told."""
    body = {"ackedBy": acked_by or getpass.getuser(), "comment": comment}
    g = call_api("POST", f"{api_base(url)}/groups/{group}/ack", json=body)
    typer.echo(f"acknowledged {g['id']} ({g['receiver']}) as {g['acknowledgement']['ackedBy']}")


@group_app.command()
def unack(
    group: str = typer.Argument(..., help="Group id from `tocsin group list`."),
    url: str = typer.Option(None, "--alertmanager.url", help=URL_HELP),
) -> None:
    """Withdraw a group's acknowledgement (repeat notifications resume)."""
    g = call_api("DELETE", f"{api_base(url)}/groups/{group}/ack")
    typer.echo(f"acknowledgement of {g['id']} withdrawn")
