"""Go fmt formatting details that templates rely on (independent of amtool)."""

from __future__ import annotations

import pytest

from tocsin.notify.template.gofmt import go_quote, sprint, sprintf, sprintln
from tocsin.notify.template.gotime import duration_string


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.0, "1"), (1e6, "1e+06"), (123456.0, "123456"), (1e-5, "1e-05"), (0.0001, "0.0001"), (-2.5, "-2.5")],
)
def test_float_printing(value: float, expected: str) -> None:
    assert sprint([value]) == expected


def test_sprintf_in_band_errors() -> None:
    assert sprintf("%d", ["x"]) == "%!d(string=x)"
    assert sprintf("%s %s", ["a"]) == "a %!s(MISSING)"
    assert sprintf("%s", ["a", 1]) == "a%!(EXTRA int=1)"
    assert sprintf("%5.1f|%-4d|%04d|%x|%q", [3.14159, 7, -7, "hi", "a\tb"]) == '  3.1|7   |-007|6869|"a\\tb"'


def test_sprint_spacing_and_sprintln() -> None:
    assert sprint(["a", 1, 2, "b", True]) == "a1 2btrue"
    assert sprintln(["a", 1]) == "a 1\n"


def test_go_quote_and_durations() -> None:
    assert go_quote('é\x01"\u00a0') == '"é\\x01\\"\\u00a0"'
    assert duration_string(0) == "0s"
    assert duration_string(1_500_000) == "1.5ms"
    assert duration_string(3_723_500_000_000) == "1h2m3.5s"
    assert duration_string(-60_000_000_000) == "-1m0s"
