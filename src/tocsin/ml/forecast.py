"""Streaming forecasters with prediction intervals, and the probability of crossing a threshold.

All forecasters share one additive state-space form (level, damped trend, season) updated point by
point in O(1):  e = y - (l + phi*b + s),  l += phi*b + alpha*e,  b = phi*b + alpha*beta*e,  s += gamma*e.
- `SeasonalNaiveForecaster` is the special case alpha = beta = 0, gamma = 1 (the value one season ago;
  a plain naive forecast with alpha = 1 when there is no season);
- `HoltWintersForecaster` refits alpha/beta/gamma/phi with statsmodels' ExponentialSmoothing on a bounded
  history every `refit_every` points (and on a detected season), then keeps updating incrementally;
  if fitting fails or there is too little data it behaves as the seasonal naive forecaster.
Intervals use the ETS variance formula var_h = sigma^2 * (1 + sum_{j<h} c_j^2); `crossing_probability`
simulates sample paths from the same model, so "will it cross X within the horizon" accounts for the
path, not only for the marginal of each step.
"""

from __future__ import annotations

import math
import warnings
from collections import deque
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from tocsin.ml.seasonality import detect_period


@dataclass(frozen=True)
class Forecast:
    """Forecast for steps 1..h after the last point; `step` seconds apart when timestamps were given."""

    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    sigma: np.ndarray
    level: float
    model: str
    last_timestamp: float | None
    step: float | None

    def timestamps(self) -> list[float] | None:
        if self.last_timestamp is None or self.step is None:
            return None
        return [self.last_timestamp + self.step * (i + 1) for i in range(len(self.mean))]


@dataclass(frozen=True)
class Crossing:
    """Answer to "will the series cross `threshold` within `horizon` steps?"."""

    probability: float
    threshold: float
    direction: str
    horizon: int
    expected_step: float | None  # median first-crossing step among paths that cross
    model: str


def _num(v: Any, default: float) -> float:
    """A statsmodels parameter as a float; absent or NaN (a component the model does not have) -> default."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return default
    return f if math.isfinite(f) else default


class _StateSpace:
    """Additive level/damped-trend/season recursion shared by every forecaster."""

    def __init__(self) -> None:
        self.alpha = 1.0
        self.beta = 0.0
        self.gamma = 0.0
        self.phi = 1.0
        self.m = 0
        self.level = 0.0
        self.trend = 0.0
        self.season: list[float] = []
        self.t = 0  # points absorbed since the states were set; season index is t % m
        self.sigma2 = 0.0
        self.resid_n = 0

    def one_step(self) -> float:
        s = self.season[self.t % self.m] if self.m else 0.0
        return self.level + self.phi * self.trend + s

    def step(self, y: float) -> float:
        """Absorb y; return its one-step-ahead error."""
        f = self.one_step()
        e = y - f
        tr = self.phi * self.trend
        self.level += tr + self.alpha * e
        self.trend = tr + self.alpha * self.beta * e
        if self.m:
            self.season[self.t % self.m] += self.gamma * e
        self.t += 1
        # running variance of one-step errors, equal weights first, then a slow EWMA
        self.resid_n += 1
        w = 1.0 / self.resid_n if self.resid_n < 500 else 0.002
        self.sigma2 += w * (e * e - self.sigma2)
        return e

    def means(self, h: int) -> np.ndarray:
        out = np.empty(h)
        damp = 0.0
        pw = 1.0
        for i in range(h):
            pw *= self.phi
            damp += pw
            s = self.season[(self.t + i) % self.m] if self.m else 0.0
            out[i] = self.level + damp * self.trend + s
        return out

    def sigmas(self, h: int) -> np.ndarray:
        sig = math.sqrt(max(self.sigma2, 0.0))
        acc = 0.0
        out = np.empty(h)
        damp = 0.0
        pw = 1.0
        for j in range(h):
            out[j] = sig * math.sqrt(1.0 + acc)
            pw *= self.phi
            damp += pw
            c = self.alpha * (1.0 + self.beta * damp)
            if self.m and (j + 1) % self.m == 0:
                c += self.gamma
            acc += c * c
        return out

    def simulate(self, h: int, paths: int, rng: np.random.Generator) -> np.ndarray:
        sig = math.sqrt(max(self.sigma2, 0.0))
        level = np.full(paths, self.level)
        trend = np.full(paths, self.trend)
        season = np.tile(np.asarray(self.season if self.m else [0.0], dtype=float), (paths, 1))
        out = np.empty((paths, h))
        for i in range(h):
            k = (self.t + i) % self.m if self.m else 0
            tr = self.phi * trend
            mean = level + tr + season[:, k]
            e = rng.normal(0.0, sig, paths) if sig > 0 else np.zeros(paths)
            out[:, i] = mean + e
            level = level + tr + self.alpha * e
            trend = tr + self.alpha * self.beta * e
            if self.m:
                season[:, k] += self.gamma * e
        return out


class Forecaster:
    """Base: feed points with `update`, ask for `forecast(h)` or `crossing_probability`."""

    model_name = "forecaster"

    def __init__(self, period: int | None = None, max_period: int = 2016, learn: int = 600,
                 max_history: int = 4032) -> None:
        if period is not None and period < 2:
            raise ValueError(f"period must be >= 2 points, got {period}")
        self.fixed_period = period
        self.max_period = max_period
        self.learn = max(learn, 2 * period) if period else learn
        self.max_history = max(max_history, self.learn)
        self.history: deque[float] = deque(maxlen=self.max_history)
        self.n = 0
        self.first_ts: float | None = None
        self.last_ts: float | None = None
        self.ss = _StateSpace()
        self.ss.level = math.nan
        self.period = 0
        self.checked = False

    @property
    def step_seconds(self) -> float | None:
        if self.first_ts is None or self.last_ts is None or self.n < 2:
            return None
        return (self.last_ts - self.first_ts) / (self.n - 1)

    def update(self, value: float, timestamp: float | None = None) -> None:
        y = float(value)
        if not math.isfinite(y):
            return
        if timestamp is not None:
            if self.first_ts is None:
                self.first_ts = timestamp
            self.last_ts = timestamp
        self.history.append(y)
        self.n += 1
        if math.isnan(self.ss.level):
            self.ss.level = y
            return
        self.ss.step(y)
        if not self.checked and self.n >= self.learn:
            self.checked = True
            self.period = self.fixed_period or detect_period(self.history, self.step_seconds,
                                                             self.max_period) or 0
            self._on_period()
        self._after_update()

    def update_many(self, values: Any, timestamps: Any = None) -> None:
        if timestamps is None:
            for v in values:
                self.update(v)
        else:
            for v, t in zip(values, timestamps, strict=True):
                self.update(v, t)

    def _on_period(self) -> None:
        """Hook: a season length has just been decided."""

    def _after_update(self) -> None:
        """Hook: called after each absorbed point."""

    def _require_data(self) -> None:
        if self.n < 2:
            raise ValueError(f"{self.model_name}: need at least 2 points before forecasting, have {self.n}")

    def forecast(self, horizon: int, level: float = 0.95) -> Forecast:
        if horizon < 1:
            raise ValueError(f"horizon must be >= 1, got {horizon}")
        if not 0.0 < level < 1.0:
            raise ValueError(f"level must be in (0, 1), got {level}")
        self._require_data()
        mean = self.ss.means(horizon)
        sigma = self.ss.sigmas(horizon)
        zq = NormalDist().inv_cdf(0.5 + level / 2.0)
        return Forecast(mean, mean - zq * sigma, mean + zq * sigma, sigma, level, self.describe(),
                        self.last_ts, self.step_seconds)

    def describe(self) -> str:
        return f"{self.model_name}(period={self.period})"

    def crossing_probability(
        self, threshold: float, horizon: int, direction: str = "above", paths: int = 2000, seed: int = 0,
    ) -> Crossing:
        """P(some value in the next `horizon` steps is >= threshold (or <= for "below"))."""
        if direction not in ("above", "below"):
            raise ValueError(f"direction must be 'above' or 'below', got {direction!r}")
        if horizon < 1:
            raise ValueError(f"horizon must be >= 1, got {horizon}")
        self._require_data()
        sims = self.ss.simulate(horizon, paths, np.random.default_rng(seed))
        hit = sims >= threshold if direction == "above" else sims <= threshold
        crossed = hit.any(axis=1)
        prob = float(crossed.mean())
        first = np.argmax(hit[crossed], axis=1) + 1 if crossed.any() else np.array([])
        expected = float(np.median(first)) if len(first) else None
        return Crossing(prob, threshold, direction, horizon, expected, self.describe())


class SeasonalNaiveForecaster(Forecaster):
    """The value one season ago (or the last value without a season), with random-walk intervals."""

    model_name = "seasonal_naive"

    def _on_period(self) -> None:
        p = self.period
        if not p or len(self.history) < p:
            self.ss.alpha, self.ss.gamma, self.ss.m = 1.0, 0.0, 0
            return
        ss = _StateSpace()
        ss.alpha, ss.beta, ss.gamma, ss.phi, ss.m = 0.0, 0.0, 1.0, 1.0, p
        hist = list(self.history)
        ss.level = 0.0
        ss.season = list(hist[-p:])
        ss.t = 0
        # errors of the seasonal naive rule over the history give the interval width
        errs = [hist[i] - hist[i - p] for i in range(p, len(hist))]
        ss.sigma2 = float(np.mean(np.square(errs))) if errs else 0.0
        ss.resid_n = len(errs)
        self.ss = ss

    def __init__(self, period: int | None = None, **kw: Any) -> None:
        super().__init__(period=period, **kw)
        self.ss.alpha = 1.0


class HoltWintersForecaster(Forecaster):
    """Additive Holt-Winters with damped trend, refitted by statsmodels on a bounded history."""

    model_name = "holt_winters"

    def __init__(self, period: int | None = None, refit_every: int = 288, trend: str | None = "add",
                 **kw: Any) -> None:
        super().__init__(period=period, **kw)
        if trend not in ("add", None):
            raise ValueError(f"trend must be 'add' or None, got {trend!r}")
        self.trend = trend
        self.refit_every = refit_every
        self.since_fit = 0
        self.fitted = False
        self.fallback = SeasonalNaiveForecaster(period=period, max_period=self.max_period, learn=self.learn,
                                                max_history=self.max_history)

    def update(self, value: float, timestamp: float | None = None) -> None:
        self.fallback.update(value, timestamp)
        super().update(value, timestamp)

    def _on_period(self) -> None:
        self._refit()

    def _after_update(self) -> None:
        self.since_fit += 1
        if self.checked and self.since_fit >= self.refit_every:
            self._refit()

    def _refit(self) -> None:
        from statsmodels.tsa.holtwinters import ExponentialSmoothing

        self.since_fit = 0
        y = np.asarray(self.history, dtype=float)
        p = self.period
        seasonal = "add" if p else None
        if len(y) < 20 or (p and len(y) < 2 * p + 2):
            # a season is known but not yet two cycles long: the seasonal naive rule is better
            # than a non-seasonal fit that would miss it
            self.fitted = False
            return
        # the heuristic start for seasons avoids optimising one initial value per phase (slow for 288)
        init = "heuristic" if seasonal else "estimated"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = ExponentialSmoothing(
                    y, trend=self.trend, damped_trend=self.trend is not None, seasonal=seasonal,
                    seasonal_periods=p if seasonal else None, initialization_method=init,
                ).fit()
        except (ValueError, np.linalg.LinAlgError):
            self.fitted = False
            return
        prm = res.params
        ss = _StateSpace()
        ss.alpha = _num(prm.get("smoothing_level"), 1.0)
        ss.beta = _num(prm.get("smoothing_trend"), 0.0)
        ss.gamma = _num(prm.get("smoothing_seasonal"), 0.0) if seasonal else 0.0
        ss.phi = _num(prm.get("damping_trend"), 1.0)
        ss.m = p if seasonal else 0
        ss.level = _num(prm.get("initial_level"), float(y[0]))
        ss.trend = _num(prm.get("initial_trend"), 0.0)
        ss.season = [float(v) for v in prm["initial_seasons"]] if seasonal else []
        if not all(math.isfinite(v) for v in (ss.alpha, ss.beta, ss.gamma, ss.phi, ss.level, ss.trend)):
            self.fitted = False
            return
        # replay the bounded history with the new parameters (statsmodels' recursion in
        # error-correction form), which leaves the state ready for incremental updates
        for v in self.history:
            ss.step(v)
        self.ss = ss
        self.fitted = True

    def forecast(self, horizon: int, level: float = 0.95) -> Forecast:
        if not self.fitted:
            return self.fallback.forecast(horizon, level)
        return super().forecast(horizon, level)

    def crossing_probability(
        self, threshold: float, horizon: int, direction: str = "above", paths: int = 2000, seed: int = 0,
    ) -> Crossing:
        if not self.fitted:
            return self.fallback.crossing_probability(threshold, horizon, direction, paths, seed)
        return super().crossing_probability(threshold, horizon, direction, paths, seed)

    def describe(self) -> str:
        if not self.fitted:
            return f"{self.fallback.describe()} (holt_winters not fitted yet)"
        ss = self.ss
        return (f"holt_winters(period={ss.m}, alpha={ss.alpha:.3f}, beta={ss.beta:.3f}, "
                f"gamma={ss.gamma:.3f}, phi={ss.phi:.3f})")


class AutoForecaster(HoltWintersForecaster):
    """Holt-Winters that answers with the seasonal naive rule whenever that rule has lately been the
    more accurate of the two (EWMA of absolute one-step errors, measured before each point is seen).

    Spiky or step-like metrics (disk writes, request bursts) often sit at a baseline that the last
    value predicts better than any smoothed mean; this keeps Holt-Winters for the series it suits.
    """

    model_name = "auto"

    def __init__(self, period: int | None = None, err_alpha: float = 0.02, **kw: Any) -> None:
        super().__init__(period=period, **kw)
        self.err_alpha = err_alpha
        self.err_hw = 0.0
        self.err_sn = 0.0

    def update(self, value: float, timestamp: float | None = None) -> None:
        y = float(value)
        if math.isfinite(y) and self.n >= 2:
            a = self.err_alpha
            if self.fitted:
                self.err_hw += a * (abs(y - self.ss.one_step()) - self.err_hw)
            else:
                self.err_hw += a * (abs(y - self.fallback.ss.one_step()) - self.err_hw)
            self.err_sn += a * (abs(y - self.fallback.ss.one_step()) - self.err_sn)
        super().update(value, timestamp)

    def _use_fallback(self) -> bool:
        return not self.fitted or self.err_sn < self.err_hw

    def forecast(self, horizon: int, level: float = 0.95) -> Forecast:
        if self._use_fallback():
            return self.fallback.forecast(horizon, level)
        return Forecaster.forecast(self, horizon, level)

    def crossing_probability(
        self, threshold: float, horizon: int, direction: str = "above", paths: int = 2000, seed: int = 0,
    ) -> Crossing:
        if self._use_fallback():
            return self.fallback.crossing_probability(threshold, horizon, direction, paths, seed)
        return Forecaster.crossing_probability(self, threshold, horizon, direction, paths, seed)

    def describe(self) -> str:
        chosen = self.fallback.describe() if self._use_fallback() else super().describe()
        return f"auto -> {chosen}"


FORECASTERS: dict[str, type[Forecaster]] = {
    "auto": AutoForecaster,
    "holt_winters": HoltWintersForecaster,
    "seasonal_naive": SeasonalNaiveForecaster,
}


def make_forecaster(name: str = "holt_winters", **params: Any) -> Forecaster:
    try:
        cls = FORECASTERS[name]
    except KeyError:
        raise ValueError(f"unknown forecaster {name!r}; known: {', '.join(sorted(FORECASTERS))}") from None
    return cls(**params)
