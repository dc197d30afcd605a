"""What each integration of a receiver would send for a set of alerts, without sending anything.

The receiver's real notifiers run against an HTTP transport that records requests and answers like a healthy
service, so the preview is exactly the request Tocsin would make (URLs shown without path or query, which often
hold credentials). Channels that do not speak HTTP (email, SNS) are named but not previewed.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from tocsin.alerting.route import build_route_tree
from tocsin.config import Config
from tocsin.config.loader import config_values
from tocsin.ingest.alerts import LabelSetCache, alerts_decoder, normalise_alerts
from tocsin.model.clock import SystemClock
from tocsin.model.labels import labels_to_string
from tocsin.notify.context import NotifyContext
from tocsin.notify.integration import NotifierDeps, NotifyError
from tocsin.notify.registry import build_integrations
from tocsin.notify.template import Templates

_HEALTHY_JSON = {
    "ok": True,
    "success": True,
    "errcode": 0,
    "access_token": "preview",
    "expires_in": 7200,
    "issues": [],
    "result": {"message_id": 1},
    "ts": "0000000000.000000",
}
_NOT_HTTP = frozenset({"email", "sns"})


@dataclass
class Preview:
    integration: str
    requests: list[str]
    error: str | None = None


def _show(request: httpx.Request) -> str:
    parts = urlsplit(str(request.url))
    body = request.content.decode("utf-8", "replace")
    ctype = request.headers.get("content-type", "")
    if "json" in ctype:
        with contextlib.suppress(ValueError):
            body = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    return f"{request.method} {parts.scheme}://{parts.netloc}/… ({ctype or 'no content type'})\n{body}"


async def preview_receiver(config: Config, receiver: str, alerts_json: bytes, external_url: str) -> list[Preview]:
    recv = next((r for r in config.receivers if r.name == receiver), None)
    if recv is None:
        raise ValueError(f"no receiver named {receiver!r} (have: {', '.join(r.name for r in config.receivers)})")
    now = datetime.now(UTC)
    result = normalise_alerts(alerts_decoder.decode(alerts_json), now, config.global_.resolve_timeout, LabelSetCache())
    if result.errors:
        raise ValueError("; ".join(result.errors))
    alerts = result.valid
    route = next((r for r in build_route_tree(config.route).walk() if r.receiver == receiver), None)
    group_labels = route.group_labels(alerts[0].labels) if route is not None and alerts else {}
    key_prefix = route.key() if route is not None else "{}"
    ctx = NotifyContext(
        group_key=f"{key_prefix}:{labels_to_string(group_labels)}",
        group_labels=group_labels,
        receiver=receiver,
        now=now,
        repeat_interval=0,
        external_url=external_url,
    )
    results: dict[str, Preview] = {}
    order: list[str] = []
    # First pass: services answer JSON; integrations that reject that answer (Slack's incoming webhooks want the
    # text "ok") get a second pass with a text answer.
    for text_reply in (False, True):
        captured: list[httpx.Request] = []

        def answer(
            request: httpx.Request, text_reply: bool = text_reply, captured: list[httpx.Request] = captured
        ) -> httpx.Response:
            captured.append(request)
            return httpx.Response(200, text="ok") if text_reply else httpx.Response(200, json=_HEALTHY_JSON)

        async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
            deps = NotifierDeps(http, lambda: Templates.from_globs(list(config.templates)), SystemClock(), external_url)
            for integ in build_integrations(recv, deps):
                name = str(integ)
                if name not in order:
                    order.append(name)
                done = results.get(name)
                if done is not None and done.error is None:
                    continue
                if integ.name in _NOT_HTTP:
                    results[name] = Preview(name, [], f"{integ.name} does not use HTTP: not previewed")
                    continue
                captured.clear()
                try:
                    await integ.notifier.notify(ctx, alerts)
                except NotifyError as exc:
                    results[name] = Preview(name, [_show(r) for r in captured], str(exc))
                    continue
                results[name] = Preview(name, [_show(r) for r in captured])
    return [results[n] for n in order]


def secret_values(model: Any) -> set[str]:
    """Every secret string in a (nested) config model, so the preview can mask them."""
    return {v.get_secret_value() for v in config_values(model) if isinstance(v, SecretStr) and v.get_secret_value()}


def format_previews(previews: Sequence[Preview], secrets: Collection[str] = ()) -> str:
    chunks = []
    for p in previews:
        head = f"=== {p.integration}" + (f"  (error: {p.error})" if p.error else "")
        chunks.append("\n".join([head, *p.requests]))
    text = "\n\n".join(chunks) + "\n"
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "<secret>")
    return text
