from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.model.duration import (
    DurationError,
    format_duration,
    format_duration_ms,
    parse_duration,
    parse_duration_ms,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0", 0.0),
        ("0s", 0.0),
        ("5m", 300.0),
        ("1h30m", 5400.0),
        ("324ms", 0.324),
        ("3s", 3.0),
        ("1d", 86400.0),
        ("2w", 14 * 86400.0),
        ("1y", 365 * 86400.0),
        ("1y2w3d4h5m6s7ms", (365 + 14 + 3) * 86400 + 4 * 3600 + 5 * 60 + 6.007),
        ("90d", 90 * 86400.0),
    ],
)
def test_duration_parse(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty duration string"),
        ("5x", 'not a valid duration string: "5x"'),
        ("1.5h", "1.5h"),
        ("-1s", "-1s"),
        ("30m1h", "30m1h"),
        ("1h1h", "1h1h"),
        ("h", '"h"'),
        ("5", '"5"'),
        (" 5m", '" 5m"'),
        ("5m\n", '"5m\\n"'),
        ("300y", "out of range"),
    ],
)
def test_duration_rejects(text: str, message: str) -> None:
    with pytest.raises(DurationError) as info:
        parse_duration(text)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (300, "5m"),
        (5400, "1h30m"),
        (86400, "1d"),
        (7 * 86400, "1w"),
        (90 * 86400, "90d"),
        (365 * 86400, "1y"),
        (366 * 86400, "366d"),
        (0.5, "500ms"),
        (61.001, "1m1s1ms"),
        (14 * 86400 + 1, "14d1s"),
        (-5, ""),
    ],
)
def test_duration_format_like_prometheus(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@given(st.integers(min_value=0, max_value=200 * 365 * 86400 * 1000))
def test_duration_round_trip(ms: int) -> None:
    text = format_duration_ms(ms)
    assert parse_duration_ms(text) == ms
    assert format_duration_ms(parse_duration_ms(text)) == text
