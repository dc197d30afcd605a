"""Forecasters: seasonality, intervals, incremental updates and crossing probabilities."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from tests.ml.ml_synth import seasonal, timestamps

from tocsin.ml.forecast import AutoForecaster, HoltWintersForecaster, SeasonalNaiveForecaster, make_forecaster
from tocsin.ml.seasonality import detect_period


def test_detect_period_from_timestamps_and_from_acf() -> None:
    xs = seasonal(288 * 3, period=288, seed=1)
    assert detect_period(xs, step_seconds=300.0) == 288
    assert detect_period(seasonal(600, period=40, seed=2)) == 40
    rng = random.Random(3)
    walk = list(np.cumsum([rng.gauss(0, 1) for _ in range(2000)]))
    assert detect_period(walk, step_seconds=300.0) is None
    assert detect_period([1.0] * 500) is None


def test_holt_winters_beats_seasonal_naive_on_a_noisy_season() -> None:
    n = 96 * 12
    xs = seasonal(n + 48, period=96, amp=10.0, sd=2.0, seed=4)
    ts = timestamps(n + 48, step=900.0)
    hw = HoltWintersForecaster(learn=300, refit_every=200)
    sn = SeasonalNaiveForecaster(learn=300)
    for f in (hw, sn):
        f.update_many(xs[:n], ts[:n])
    assert hw.period == sn.period == 96
    assert hw.fitted and "holt_winters(period=96" in hw.describe()
    truth = np.asarray(xs[n:])
    err_hw = float(np.mean(np.abs(hw.forecast(48).mean - truth)))
    err_sn = float(np.mean(np.abs(sn.forecast(48).mean - truth)))
    assert err_hw < err_sn
    assert err_hw < 3.0


def test_intervals_cover_and_widen() -> None:
    n = 96 * 10
    xs = seasonal(n + 96, period=96, amp=10.0, sd=1.0, seed=5)
    f = HoltWintersForecaster(learn=300, refit_every=500)
    f.update_many(xs[:n], timestamps(n, step=900.0))
    fc = f.forecast(96, level=0.95)
    assert np.all(fc.lower < fc.mean) and np.all(fc.mean < fc.upper)
    assert np.all(np.diff(fc.sigma) >= -1e-12)
    inside = np.mean((np.asarray(xs[n:]) >= fc.lower) & (np.asarray(xs[n:]) <= fc.upper))
    assert inside >= 0.85
    stamps = fc.timestamps()
    assert stamps is not None and stamps[0] == pytest.approx(1_400_000_000.0 + n * 900.0)


def test_fallback_before_enough_data() -> None:
    f = HoltWintersForecaster(learn=300)
    with pytest.raises(ValueError, match="at least 2 points"):
        f.forecast(3)
    f.update_many([1.0, 2.0, 3.0, 4.0])
    fc = f.forecast(3)
    assert "seasonal_naive" in fc.model and fc.mean[0] == pytest.approx(4.0)


def test_incremental_update_moves_the_forecast() -> None:
    # a random walk: the fitted model tracks the level, and keeps doing so between refits
    f = make_forecaster("holt_winters", learn=100, refit_every=10_000)
    rng = random.Random(6)
    walk = list(np.cumsum([rng.gauss(0, 1) for _ in range(200)]))
    f.update_many(walk)
    assert f.fitted
    before = f.forecast(1).mean[0]
    assert before == pytest.approx(walk[-1], abs=3.0)
    for _ in range(30):
        f.update(walk[-1] + 20.0)
    after = f.forecast(1).mean[0]
    assert after == pytest.approx(walk[-1] + 20.0, abs=3.0)


def test_crossing_probability() -> None:
    rng = random.Random(7)
    f = make_forecaster("holt_winters", learn=200, refit_every=10_000)
    f.update_many([50.0 + 0.05 * i + rng.gauss(0, 1) for i in range(400)])
    far = f.crossing_probability(1000.0, 24)
    near = f.crossing_probability(f.forecast(1).mean[0] + 0.5, 24)
    mid = f.crossing_probability(f.forecast(1).mean[0] + 3.0, 24)
    assert far.probability == 0.0 and far.expected_step is None
    assert near.probability > mid.probability > 0.0
    assert near.expected_step is not None and 1 <= near.expected_step <= 24
    longer = f.crossing_probability(f.forecast(1).mean[0] + 3.0, 96)
    assert longer.probability >= mid.probability
    below = f.crossing_probability(0.0, 24, direction="below")
    assert below.probability == 0.0
    with pytest.raises(ValueError, match="direction"):
        f.crossing_probability(1.0, 3, direction="sideways")


def test_bad_arguments() -> None:
    f = make_forecaster("seasonal_naive")
    f.update_many([1.0, 2.0])
    with pytest.raises(ValueError, match="horizon"):
        f.forecast(0)
    with pytest.raises(ValueError, match="level"):
        f.forecast(1, level=1.5)
    with pytest.raises(ValueError, match="unknown forecaster 'x'"):
        make_forecaster("x")
    f.update(math.nan)  # ignored
    assert f.n == 2


def test_auto_prefers_the_rule_that_has_been_more_accurate() -> None:
    # irregular bursts on a flat baseline: the last value beats any smoothed mean most of the time
    rng = random.Random(15)
    xs = [0.0] * 1500
    i = 0
    while i < 1500:
        i += rng.randint(20, 60)
        for j in range(rng.randint(2, 5)):
            if i + j < 1500:
                xs[i + j] = 100.0
    auto = make_forecaster("auto", learn=300, refit_every=300)
    auto.update_many(xs)
    assert isinstance(auto, AutoForecaster)
    assert auto._use_fallback()
    assert auto.describe().startswith("auto -> seasonal_naive")
    # a smooth noisy season: Holt-Winters is the better one and gets chosen
    ys = seasonal(96 * 12, period=96, amp=10.0, sd=2.0, seed=13)
    auto2 = make_forecaster("auto", learn=300, refit_every=300)
    auto2.update_many(ys, timestamps(len(ys), step=900.0))
    assert isinstance(auto2, AutoForecaster)
    assert not auto2._use_fallback()
    assert auto2.describe().startswith("auto -> holt_winters")


def test_a_fixed_period_is_used() -> None:
    xs = seasonal(400, period=24, amp=10.0, sd=0.1, seed=16)
    f = SeasonalNaiveForecaster(period=24, learn=10)
    f.update_many(xs[:380])
    assert f.period == 24
    fc = f.forecast(20)
    assert np.max(np.abs(fc.mean - np.asarray(xs[380:]))) < 1.0
    with pytest.raises(ValueError, match="period"):
        SeasonalNaiveForecaster(period=1)
