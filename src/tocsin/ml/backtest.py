"""Rolling-origin backtest of forecasters on NAB series, with no look-ahead.

Each forecaster is fed the series point by point; at every origin (every `origin_every` points once
`min_train` points have been seen) it forecasts the horizons asked for, and the error is measured
against the value that arrives that many steps later. Models are scored with MAPE, sMAPE and MASE; the
MASE scale is the mean absolute error of the seasonal naive rule on the training part before the first
origin, so it never uses data from the future either.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from tocsin.ml.forecast import make_forecaster
from tocsin.ml.nab.corpus import Series
from tocsin.ml.seasonality import detect_period


@dataclass
class ErrorSums:
    """Running sums for one (model, horizon)."""

    n: int = 0
    ape: float = 0.0
    ape_n: int = 0
    sape: float = 0.0
    scaled: float = 0.0

    def add(self, actual: float, pred: float, scale: float) -> None:
        err = abs(actual - pred)
        self.n += 1
        if abs(actual) > 1e-9:
            self.ape += err / abs(actual)
            self.ape_n += 1
        den = abs(actual) + abs(pred)
        self.sape += 2.0 * err / den if den > 0 else 0.0
        self.scaled += err / scale

    def merge(self, other: ErrorSums) -> None:
        self.n += other.n
        self.ape += other.ape
        self.ape_n += other.ape_n
        self.sape += other.sape
        self.scaled += other.scaled

    @property
    def mape(self) -> float:
        return 100.0 * self.ape / self.ape_n if self.ape_n else math.nan

    @property
    def smape(self) -> float:
        return 100.0 * self.sape / self.n if self.n else math.nan

    @property
    def mase(self) -> float:
        return self.scaled / self.n if self.n else math.nan


@dataclass
class SeriesBacktest:
    name: str
    step_seconds: float
    horizons: dict[str, int]
    errors: dict[tuple[str, str], ErrorSums] = field(default_factory=dict)


def _step_seconds(ts: Sequence[float]) -> float:
    d = np.diff(np.asarray(ts, dtype=float))
    d = d[d > 0]
    return float(np.median(d)) if len(d) else 0.0


def backtest_series(
    series: Series,
    models: Sequence[str] = ("auto", "holt_winters", "seasonal_naive"),
    horizons_seconds: dict[str, float] | None = None,
    min_train: int = 600,
    origins: int = 40,
    on_progress: Callable[[], None] | None = None,
) -> SeriesBacktest:
    horizons_seconds = horizons_seconds or {"1h": 3600.0, "24h": 86400.0}
    ts = series.epoch_seconds()
    values = series.values
    step = _step_seconds(ts)
    if step <= 0:
        raise ValueError(f"{series.name}: cannot determine the sampling step")
    horizons = {k: max(1, round(v / step)) for k, v in horizons_seconds.items()}
    n = len(values)
    hmax = max(horizons.values())
    out = SeriesBacktest(series.name, step, horizons)
    last_origin = n - 1 - hmax
    if last_origin <= min_train:
        return out
    # origins are indices of the last point seen; counted back from the end so that the last one
    # forecasts exactly up to the final point
    every = max(1, (last_origin - min_train) // origins)
    origin_set = set(range(last_origin, min_train - 1, -every))
    # MASE scale from the training part only
    train = values[:min_train]
    p = detect_period(train, step) or 1
    p = p if p < len(train) else 1
    diffs = np.abs(np.diff(np.asarray(train, dtype=float), n=1)) if p == 1 else np.abs(
        np.asarray(train[p:], dtype=float) - np.asarray(train[:-p], dtype=float))
    scale = float(diffs.mean()) if len(diffs) and diffs.mean() > 0 else 1.0
    fcs = {m: make_forecaster(m) for m in models}
    for m in models:
        for hname in horizons:
            out.errors[(m, hname)] = ErrorSums()
    for i in range(last_origin + 1):
        for f in fcs.values():
            f.update(values[i], ts[i])
        if i in origin_set:
            # the forecasters have seen points 0..i; a forecast h steps ahead is for point i + h
            for m, f in fcs.items():
                fc = f.forecast(hmax)
                for hname, steps in horizons.items():
                    out.errors[(m, hname)].add(values[i + steps], float(fc.mean[steps - 1]), scale)
            if on_progress:
                on_progress()
    return out
