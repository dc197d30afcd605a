"""Normalisation and validation of posted alerts (Alertmanager's rules), incl. a property test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.ingest.alerts import LabelSetCache, alerts_decoder, normalise_alerts
from tocsin.model.labels import fingerprint

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def run(body: bytes) -> tuple[list[object], list[str]]:
    res = normalise_alerts(alerts_decoder.decode(body), NOW, 300, LabelSetCache())
    return list(res.valid), res.errors


def test_defaults_start_now_and_timeout_end() -> None:
    valid, errors = run(b'[{"labels":{"alertname":"A","empty":""},"annotations":{"s":"x"}}]')
    assert errors == []
    (a,) = valid
    assert a.labels == {"alertname": "A"}  # type: ignore[attr-defined]
    assert a.starts_at == NOW and a.ends_at == NOW + timedelta(seconds=300)  # type: ignore[attr-defined]
    assert a.timeout is True  # type: ignore[attr-defined]
    assert a.fingerprint == fingerprint({"alertname": "A"})  # type: ignore[attr-defined]


def test_go_zero_times_mean_unset_and_end_only_sets_start() -> None:
    valid, _ = run(
        b'[{"labels":{"a":"b"},"startsAt":"0001-01-01T00:00:00.000Z","endsAt":"2024-03-01T11:00:00Z"}]'
    )
    (a,) = valid
    assert a.starts_at == a.ends_at == datetime(2024, 3, 1, 11, tzinfo=UTC)  # type: ignore[attr-defined]
    assert a.timeout is False  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'[{"labels":{}}]', "at least one label pair required"),
        (b'[{"labels":{"a":""}}]', "at least one label pair required"),
        (b'[{"labels":{"":"v"}}]', "empty label name"),
        (b'[{"labels":{"1bad":"v"}}]', "invalid label name '1bad'"),
        (b'[{"labels":{"a":1}}]', "Expected `str`, got `int`"),
        (b'[{"labels":{"a":"b"},"annotations":{"x-y":"v"}}]', "invalid annotation name 'x-y'"),
        (b'[{"labels":{"a":"\xff"}}]', "not valid UTF-8"),
        (b'[{"labels":{"a":"b"},"annotations":{"s":"\xfe"}}]', "not valid UTF-8"),
        (
            b'[{"labels":{"a":"b"},"startsAt":"2024-03-01T12:00:00Z","endsAt":"2024-03-01T11:00:00Z"}]',
            "start time must be before end time",
        ),
    ],
)
def test_invalid_alerts_are_named(body: bytes, message: str) -> None:
    valid, errors = run(body)
    assert valid == []
    assert len(errors) == 1 and errors[0].startswith("alerts[0]") and message in errors[0], errors


def test_valid_alerts_of_a_mixed_batch_are_kept() -> None:
    valid, errors = run(b'[{"labels":{"a":"b"}},{"labels":{}},{"labels":{"c":"d"}}]')
    assert len(valid) == 2 and len(errors) == 1 and errors[0].startswith("alerts[1]")


def test_malformed_bodies_raise_decode_errors() -> None:
    lone_surrogate = b'[{"labels":{"a":"\\ud800"}}]'
    for body in (b"[{", b'{"labels":{}}', b'[{"annotations":{}}]', b"\xff\xfe", lone_surrogate):
        with pytest.raises(msgspec.DecodeError):
            alerts_decoder.decode(body)


def test_cache_shares_label_dicts_between_sightings() -> None:
    cache = LabelSetCache()
    body = b'[{"labels":{"alertname":"A"}}]'
    a1 = normalise_alerts(alerts_decoder.decode(body), NOW, 300, cache).valid[0]
    a2 = normalise_alerts(alerts_decoder.decode(body), NOW, 300, cache).valid[0]
    assert a1.labels is a2.labels


label_names = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,10}", fullmatch=True)


@given(st.dictionaries(label_names, st.text(max_size=20), min_size=1, max_size=6))
def test_any_valid_label_set_round_trips(labels: dict[str, str]) -> None:
    body = msgspec.json.encode([{"labels": labels}])
    valid, errors = run(body)
    kept = {k: v for k, v in labels.items() if v != ""}
    if not kept:
        assert errors and not valid
        return
    assert errors == []
    assert valid[0].labels == kept  # type: ignore[attr-defined]
    assert valid[0].fingerprint == fingerprint(kept)  # type: ignore[attr-defined]


@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_crash(body: bytes) -> None:
    try:
        posted = alerts_decoder.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return
    normalise_alerts(posted, NOW, 300, LabelSetCache())

