"""Bad input against API v2: every request below must be refused with 400/413 (422 is
accepted for schema violations, as Alertmanager answers) and a body that names the
problem, and must leave stored alerts and silences exactly as they were.

Alertmanager 0.25 is held to what it actually does (recorded in `AM_ANSWERS`): it
accepts invalid UTF-8 (replacing it with U+FFFD) and has no body size limit.  Tocsin must
refuse all of them.  A partly invalid batch is the one deliberate exception: both store the
valid alerts and answer 400 naming the rejected ones (docs/adr/0002), because refusing the
whole batch would make one bad rule hide every alert Prometheus batched with it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest

from .conftest import selected_impls
from .e2e_model import alert, iso, matcher, now, silence
from .e2e_server import ServerProcess

pytestmark = pytest.mark.e2e

# The server's request body limit (Tocsin's default); the oversized cases exceed it.
MAX_BODY_BYTES = int(os.environ.get("TOCSIN_E2E_MAX_BODY_BYTES", str(10 * 1024 * 1024)))

BASELINE_LABELS = {"alertname": "Baseline", "severity": "page"}
FUTURE = "2031-01-01T00:00:00Z"
FUTURE_END = "2031-01-02T00:00:00Z"


@dataclass(frozen=True)
class BadRequest:
    id: str
    endpoint: str  # "alerts" or "silences"
    body: bytes = field(repr=False)
    names: tuple[str, ...]  # the error body must mention at least one of these (case-insensitive)
    status: frozenset[int] = frozenset({400, 422})


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _silence_with(**fields: Any) -> dict[str, Any]:
    body = silence(matcher("alertname", "Baseline"), duration=7200)
    body.update(fields)
    return body


def _oversized_alerts() -> bytes:
    body = [{"labels": {"alertname": "Huge"}, "annotations": {"blob": "x" * (MAX_BODY_BYTES + 1024)}}]
    return _json(body)


def _oversized_silence() -> bytes:
    return _json(_silence_with(comment="x" * (MAX_BODY_BYTES + 1024)))


SIZE_NAMES = ("too large", "limit", "size", "bytes")
UTF8_NAMES = ("utf-8", "utf8", "unicode")
# The malformed documents below are truncated, so "truncated" names the problem too.
JSON_NAMES = ("json", "parse", "parsing", "truncated")

CASES = [
    # --- alerts -------------------------------------------------------------------
    BadRequest("alerts-malformed-json", "alerts", b'[{"labels": {"alertname": "X"}', JSON_NAMES),
    BadRequest("alerts-not-a-list", "alerts", _json({"labels": BASELINE_LABELS}), ("array", "list")),
    BadRequest("alerts-missing-labels", "alerts", _json([{"annotations": {"a": "b"}}]), ("labels",)),
    BadRequest("alerts-empty-labels", "alerts", _json([{"labels": {}}]), ("label",)),
    BadRequest("alerts-label-value-number", "alerts", _json([{"labels": {"alertname": 1}}]), ("labels",)),
    BadRequest("alerts-empty-label-name", "alerts", _json([{"labels": {"": "x", "alertname": "E"}}]), ("name",)),
    BadRequest("alerts-invalid-label-name", "alerts", _json([{"labels": {"a-b": "x"}}]), ("a-b",)),
    BadRequest("alerts-starts-at-number", "alerts", _json([{"labels": BASELINE_LABELS, "startsAt": 5}]), ("startsAt",)),
    BadRequest(
        "alerts-starts-at-not-a-time",
        "alerts",
        _json([{"labels": BASELINE_LABELS, "startsAt": "yesterday"}]),
        ("startsAt", "yesterday"),
    ),
    BadRequest(
        "alerts-end-before-start",
        "alerts",
        _json([{"labels": BASELINE_LABELS, "startsAt": FUTURE_END, "endsAt": FUTURE}]),
        ("endsAt", "end time", "before"),
    ),
    BadRequest(
        "alerts-annotation-number",
        "alerts",
        _json([{"labels": BASELINE_LABELS, "annotations": {"summary": 1}}]),
        ("annotations",),
    ),
    BadRequest(
        "alerts-generator-url-number",
        "alerts",
        _json([{"labels": BASELINE_LABELS, "generatorURL": 5}]),
        ("generatorURL",),
    ),
    BadRequest(
        "alerts-invalid-utf8-label-value",
        "alerts",
        b'[{"labels": {"alertname": "Baseline", "severity": "\xff\xfe"}}]',
        UTF8_NAMES,
    ),
    BadRequest("alerts-invalid-utf8-label-name", "alerts", b'[{"labels": {"\xff": "v"}}]', (*UTF8_NAMES, "name")),
    BadRequest(
        "alerts-invalid-utf8-annotation",
        "alerts",
        b'[{"labels": {"alertname": "Baseline", "severity": "page"}, "annotations": {"s": "\xc3\x28"}}]',
        UTF8_NAMES,
    ),
    BadRequest(
        "alerts-partly-invalid-batch",
        "alerts",
        _json([alert("Sneaky"), {"labels": {"": "x", "alertname": "Broken"}}]),
        ("name",),
    ),
    BadRequest("alerts-oversized-body", "alerts", _oversized_alerts(), SIZE_NAMES, frozenset({413})),
    # --- silences -----------------------------------------------------------------
    BadRequest("silences-malformed-json", "silences", b'{"matchers": [', JSON_NAMES),
    BadRequest("silences-missing-matchers", "silences", _json(_silence_with(matchers=None)), ("matcher",)),
    BadRequest("silences-no-matchers", "silences", _json(_silence_with(matchers=[])), ("matcher",)),
    BadRequest(
        "silences-empty-matcher-name",
        "silences",
        _json(_silence_with(matchers=[matcher("", "x")])),
        ("name",),
    ),
    BadRequest(
        "silences-invalid-regex",
        "silences",
        _json(_silence_with(matchers=[matcher("alertname", "(", regex=True)])),
        ("regex", "regular expression"),
    ),
    BadRequest(
        "silences-is-regex-string",
        "silences",
        _json(_silence_with(matchers=[{"name": "a", "value": "x", "isRegex": "yes"}])),
        ("isRegex",),
    ),
    BadRequest(
        "silences-match-all-empty-value",
        "silences",
        _json(_silence_with(matchers=[matcher("alertname", "")])),
        ("empty string",),
    ),
    BadRequest(
        "silences-match-all-regex",
        "silences",
        _json(_silence_with(matchers=[matcher("alertname", ".*", regex=True), matcher("team", "")])),
        ("empty string",),
    ),
    BadRequest(
        "silences-start-after-end",
        "silences",
        _json(_silence_with(startsAt=FUTURE_END, endsAt=FUTURE)),
        ("start", "endsAt"),
    ),
    BadRequest(
        "silences-end-in-past",
        "silences",
        _json(_silence_with(startsAt="2020-01-01T00:00:00Z", endsAt="2020-01-02T00:00:00Z")),
        ("past", "endsAt"),
    ),
    BadRequest(
        "silences-starts-at-not-a-time",
        "silences",
        _json(_silence_with(startsAt="soon")),
        ("startsAt", "soon"),
    ),
    BadRequest(
        "silences-missing-created-by",
        "silences",
        _json({k: v for k, v in _silence_with().items() if k != "createdBy"}),
        ("createdBy",),
    ),
    BadRequest(
        "silences-invalid-utf8-comment",
        "silences",
        _json(_silence_with(comment="PLACEHOLDER")).replace(b"PLACEHOLDER", b"\xff"),
        UTF8_NAMES,
    ),
    BadRequest(
        "silences-invalid-utf8-matcher-value",
        "silences",
        _json(_silence_with(matchers=[matcher("alertname", "PLACEHOLDER")])).replace(b"PLACEHOLDER", b"\xfe"),
        UTF8_NAMES,
    ),
    BadRequest("silences-oversized-body", "silences", _oversized_silence(), SIZE_NAMES, frozenset({413})),
]

# Where Alertmanager 0.25 breaks the rule above: (status, text in its answer).  Every other
# case holds Alertmanager to the same rule as Tocsin.
AM_ANSWERS: dict[str, tuple[int, str]] = {
    # Refused, but the answer does not say that the body is not an array.
    "alerts-not-a-list": (400, "cannot unmarshal object"),
    # Refused, but the valid alert of the same batch is stored anyway.
    "alerts-partly-invalid-batch": (400, "invalid name"),
    # Accepted: Go's JSON decoder replaces invalid UTF-8 with U+FFFD.
    "alerts-invalid-utf8-label-value": (200, ""),
    "alerts-invalid-utf8-annotation": (200, ""),
    "silences-invalid-utf8-comment": (200, "silenceID"),
    "silences-invalid-utf8-matcher-value": (200, "silenceID"),
    # Accepted: no request body limit.
    "alerts-oversized-body": (200, ""),
    "silences-oversized-body": (200, "silenceID"),
}


@pytest.fixture(scope="module", params=selected_impls())
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server per implementation for the whole module, holding one alert and one silence."""
    impl: str = request.param
    config = """
route:
  receiver: blackhole
  group_wait: 1h
receivers:
- name: blackhole
"""
    server = ServerProcess(impl=impl, workdir=tmp_path_factory.mktemp(f"bad-{impl}"), config=config)
    server.start()
    try:
        server.api.post_alerts(alert("Baseline", severity="page", annotations={"summary": "kept"}))
        server.api.post_silence(
            silence(matcher("alertname", "Baseline"), starts=now(), ends=now() + timedelta(days=365))
        )
        yield server
    finally:
        server.stop()


def _snapshot(server: ServerProcess) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    alerts = sorted(server.api.get_alerts(), key=lambda a: a["fingerprint"])
    silences = sorted(server.api.get_silences(), key=lambda s: s["id"])
    return alerts, silences


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_request_is_refused_and_changes_nothing(seeded: ServerProcess, case: BadRequest) -> None:
    before = _snapshot(seeded)
    r = httpx.post(
        f"{seeded.base_url}/api/v2/{case.endpoint}",
        content=case.body,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    after = _snapshot(seeded)

    deviation = AM_ANSWERS.get(case.id) if seeded.impl == "alertmanager" else None
    if deviation is not None:
        status, says = deviation
        assert r.status_code == status, f"Alertmanager answered {r.status_code}: {r.text[:300]}"
        assert says in r.text, f"Alertmanager's answer changed: {r.text[:300]}"
        if case.id == "alerts-partly-invalid-batch":
            assert any(a["labels"].get("alertname") == "Sneaky" for a in after[0]), "AM stores the valid part"
        elif status >= 400:
            assert after == before
        return

    if case.id == "alerts-partly-invalid-batch":
        assert r.status_code == 400, r.text
        assert "alerts[1]" in r.text and "accepted 1 of 2" in r.text, r.text
        stored = {a["labels"]["alertname"]: a for a in after[0]}
        assert "Sneaky" in stored and "Broken" not in stored
        assert [a for a in after[0] if a["labels"]["alertname"] != "Sneaky"] == before[0]
        assert after[1] == before[1]
        return

    assert r.status_code in case.status, (
        f"{case.id}: expected {sorted(case.status)}, got {r.status_code}: {r.text[:500]}"
    )
    text = r.text.lower()
    assert any(n.lower() in text for n in case.names), (
        f"{case.id}: error body does not name the problem (any of {case.names}): {r.text[:500]}"
    )
    assert after == before, f"{case.id}: stored state changed by a rejected request"


def test_well_formed_requests_are_accepted(seeded: ServerProcess) -> None:
    """A control: the same endpoints accept well-formed input (the cases above are not refused for
    an unrelated reason), and the accepted write shows up."""
    sid = seeded.api.post_silence(silence(matcher("alertname", "Control"), duration=60))
    assert any(s["id"] == sid for s in seeded.api.get_silences())
    seeded.api.post_alerts(alert("Control", starts=now(), annotations={"at": iso(now())}))
    assert sid in seeded.api.alert_by_name("Control")["status"]["silencedBy"]
    seeded.api.delete_silence(sid)
