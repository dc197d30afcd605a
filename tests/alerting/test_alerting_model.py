from datetime import UTC, datetime, timedelta

import pytest

from tocsin.model.alert import Alert, merge_alerts, overlaps
from tocsin.model.labels import fingerprint, fingerprint_hex, labels_to_string

T0 = datetime(2024, 1, 1, tzinfo=UTC)


# Vectors printed by prometheus/common/model (Go) from Debian's source tree.
@pytest.mark.parametrize(
    ("labels", "fp", "text"),
    [
        ({}, "cbf29ce484222325", "{}"),
        ({"alertname": "test"}, "1f56cb8f931d1bd4", '{alertname="test"}'),
        (
            {"alertname": "HighLatency", "job": "api", "instance": "10.0.0.1:9090", "severity": "critical"},
            "e2520b5776801b44",
            '{alertname="HighLatency", instance="10.0.0.1:9090", job="api", severity="critical"}',
        ),
        ({"a": "ü€😀", "b": ""}, "020eb57fc6851430", '{a="ü€😀", b=""}'),
    ],
)
def test_fingerprint_and_string_match_alertmanager(labels: dict[str, str], fp: str, text: str) -> None:
    assert fingerprint_hex(fingerprint(labels)) == fp
    assert labels_to_string(labels) == text


def _alert(start: int, end: int | None, updated: int, timeout: bool = False) -> Alert:
    return Alert(
        labels={"a": "b"},
        annotations={},
        starts_at=T0 + timedelta(seconds=start),
        ends_at=None if end is None else T0 + timedelta(seconds=end),
        updated_at=T0 + timedelta(seconds=updated),
        timeout=timeout,
    )


def test_merge_keeps_earliest_start_and_latest_explicit_end() -> None:
    old = _alert(0, 600, 10)
    new = _alert(100, 300, 20, timeout=True)
    merged = merge_alerts(old, new, now=T0 + timedelta(seconds=30))
    assert merged.starts_at == T0
    # old end was explicit and later: a timeout re-send does not shorten it
    assert merged.ends_at == T0 + timedelta(seconds=600)
    assert merged.updated_at == new.updated_at


def test_merge_timeout_end_does_not_win() -> None:
    old = _alert(0, 600, 10, timeout=True)
    new = _alert(0, 300, 20)
    merged = merge_alerts(old, new, now=T0 + timedelta(seconds=30))
    assert merged.ends_at == T0 + timedelta(seconds=300)


def test_merge_resolved_takes_latest_resolution() -> None:
    now = T0 + timedelta(seconds=1000)
    old = _alert(0, 500, 10)
    new = _alert(0, 400, 20)
    assert merge_alerts(old, new, now).ends_at == T0 + timedelta(seconds=500)


def test_merge_younger_wins_regardless_of_argument_order() -> None:
    old = _alert(0, 600, 30)
    new = _alert(0, 300, 20)
    merged = merge_alerts(old, new, now=T0)
    assert merged.updated_at == old.updated_at


def test_overlap_rules() -> None:
    stored = _alert(100, 500, 0)
    assert overlaps(stored, _alert(200, 900, 1))  # starts inside
    assert overlaps(stored, _alert(0, 300, 1))  # ends inside
    assert not overlaps(stored, _alert(600, 900, 1))  # after: a new occurrence, replaced not merged
