"""`tocsin notify history|retry|test`: the delivery side of a running server, over its HTTP API."""

from __future__ import annotations

import json
import os
from typing import Any

import httpx
import typer

notify_app = typer.Typer(no_args_is_help=True, add_completion=False, help="Notification delivery: history and retries.")

URL_HELP = "Tocsin to talk to (env ALERTMANAGER_URL)."


def api_base(url: str | None) -> str:
    return (url or os.environ.get("ALERTMANAGER_URL") or "http://localhost:9093").rstrip("/") + "/api/tocsin/v1"


def call_api(method: str, url: str, **kw: Any) -> Any:
    try:
        resp = httpx.request(method, url, timeout=30, **kw)
    except httpx.HTTPError as exc:
        typer.echo(f"tocsin: error: cannot reach {url.split('/api/')[0]}: {type(exc).__name__}", err=True)
        raise typer.Exit(1) from None
    if resp.status_code >= 400:
        try:
            detail = resp.json()
        except ValueError:
            detail = resp.text
        typer.echo(f"tocsin: error: {resp.status_code}: {detail}", err=True)
        raise typer.Exit(1)
    return resp.json()


def _table(entries: list[dict[str, Any]]) -> str:
    head = ("ID", "Status", "Receiver", "Integration", "Attempts", "Updated", "Group", "Last error")
    rows = [
        (
            e["id"][:8],
            e["status"] + (" (test)" if e.get("test") else ""),
            e["receiver"],
            e["integration"],
            str(e["attempts"]),
            e["updatedAt"],
            e["groupKey"][:48],
            (e["lastError"] or "")[:60],
        )
        for e in entries
    ]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [head, *rows])


@notify_app.command()
def history(
    group_key: str = typer.Option(None, "--group-key", help="Only this alert group."),
    status: str = typer.Option(None, "--status", help="pending, delivered, dead or superseded."),
    limit: int = typer.Option(100, "--limit"),
    output: str = typer.Option("simple", "-o", "--output", help="simple or json."),
    url: str = typer.Option(None, "--alertmanager.url", help=URL_HELP),
) -> None:
    """What was sent where, when, with which outcome and how many attempts."""
    params: dict[str, Any] = {"limit": limit}
    if group_key:
        params["group_key"] = group_key
    if status:
        params["status"] = status
    entries = call_api("GET", f"{api_base(url)}/notifications", params=params)
    typer.echo(json.dumps(entries, indent=2) if output == "json" else _table(entries))


@notify_app.command()
def retry(
    entry_id: str = typer.Argument(..., help="ID of a dead letter (from `tocsin notify history --status dead`)."),
    url: str = typer.Option(None, "--alertmanager.url", help=URL_HELP),
) -> None:
    """Send a dead letter again."""
    if len(entry_id) < 36:
        matches = [
            e["id"]
            for e in call_api("GET", f"{api_base(url)}/notifications", params={"status": "dead", "limit": 10_000})
            if e["id"].startswith(entry_id)
        ]
        if len(matches) != 1:
            typer.echo(f"tocsin: error: {len(matches)} dead letters match {entry_id!r}", err=True)
            raise typer.Exit(1)
        entry_id = matches[0]
    entry = call_api("POST", f"{api_base(url)}/notifications/{entry_id}/retry")
    typer.echo(f"queued {entry['id']} for {entry['receiver']}/{entry['integration']}")


@notify_app.command()
def test(
    receiver: str = typer.Argument(..., help="Receiver name from the configuration."),
    url: str = typer.Option(None, "--alertmanager.url", help=URL_HELP),
) -> None:
    """Send a test notification through every integration of a receiver."""
    entries = call_api("POST", f"{api_base(url)}/receivers/{receiver}/test")
    for e in entries:
        typer.echo(f"queued test notification {e['id']} via {e['integration']}")
