"""Rolling-origin backtest: metrics by hand and no look-ahead."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from tests.ml.ml_synth import seasonal

from tocsin.ml.backtest import ErrorSums, backtest_series
from tocsin.ml.nab.corpus import Series


def make_series(values: list[float], step_minutes: int = 15) -> Series:
    t0 = datetime(2020, 1, 1)
    return Series("s.csv", [t0 + timedelta(minutes=step_minutes * i) for i in range(len(values))], values)


def test_error_sums_by_hand() -> None:
    e = ErrorSums()
    e.add(100.0, 110.0, scale=5.0)
    e.add(50.0, 40.0, scale=5.0)
    e.add(0.0, 1.0, scale=5.0)  # no MAPE term for a zero actual
    assert e.n == 3 and e.ape_n == 2
    assert e.mape == pytest.approx(100 * (0.1 + 0.2) / 2)
    assert e.smape == pytest.approx(100 * (20 / 210 + 20 / 90 + 2.0) / 3)
    assert e.mase == pytest.approx((2 + 2 + 0.2) / 3)


def test_backtest_horizons_and_models() -> None:
    xs = seasonal(96 * 12, period=96, amp=10.0, sd=1.0, seed=11)
    r = backtest_series(make_series(xs), origins=10, min_train=400)
    assert r.horizons == {"1h": 4, "24h": 96}
    assert set(r.errors) == {(m, h) for m in ("auto", "holt_winters", "seasonal_naive") for h in ("1h", "24h")}
    assert all(e.n >= 10 for e in r.errors.values())
    # on a clean season both are far better than the in-sample seasonal-naive scale... and HW wins at 1h
    assert r.errors[("holt_winters", "1h")].mase < r.errors[("seasonal_naive", "1h")].mase


def test_backtest_has_no_look_ahead() -> None:
    xs = seasonal(96 * 12, period=96, amp=10.0, sd=1.0, seed=12)
    base = backtest_series(make_series(xs), models=("seasonal_naive",), origins=10, min_train=400)
    # changing only the very last point can only change errors of forecasts that target it
    changed = [*xs[:-1], xs[-1] + 1000.0]
    again = backtest_series(make_series(changed), models=("seasonal_naive",), origins=10, min_train=400)
    for key, e in base.errors.items():
        assert again.errors[key].n == e.n
    # 1 h forecasts never target the last point: if any forecast had seen it, these would move
    h1, h24 = ("seasonal_naive", "1h"), ("seasonal_naive", "24h")
    assert again.errors[h1].scaled == base.errors[h1].scaled
    # the last 24 h forecast targets exactly the changed point, so the test can fail
    assert again.errors[h24].scaled > base.errors[h24].scaled
