"""Explainable baseline detectors: robust z over a sliding median, EWMA with variance, seasonal naive.

Each keeps O(window) memory and does a handful of float operations per point (the sliding median uses a
sorted list kept up to date with bisect, whose memmove is cheap for windows of a few hundred points).
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort

from tocsin.ml.base import Detector, Explanation, z_to_score
from tocsin.ml.seasonality import detect_period

_IQR_TO_SIGMA = 1.0 / 1.349


def _scale_floor(center: float) -> float:
    """Smallest scale used, so that a flat series does not divide by zero yet any real change shows."""
    return 1e-9 + 1e-6 * abs(center)


def window_sigma(srt: list[float], lo: float, hi: float) -> float:
    """Robust sigma of a sorted window: the IQR, or for quantised data whose IQR is zero the 2-98%
    spread, never below 0.2% of the all-time range [lo, hi] (so a series that sat still and then moves by
    one quantisation step is not a 10^9-sigma event)."""
    k = len(srt)
    sigma = (srt[(3 * k) >> 2] - srt[k >> 2]) * _IQR_TO_SIGMA
    wide = (srt[k - 1 - k // 50] - srt[k // 50]) * 0.2434
    if wide > sigma:
        sigma = wide
    rng = (hi - lo) * 0.002
    if rng > sigma:
        sigma = rng
    floor = 1e-9 + 1e-6 * abs(srt[k >> 1])
    return sigma if sigma > floor else floor


class RobustZDetector(Detector):
    """|x - median| / (IQR-sigma) over the previous `window` points."""

    name = "robust_z"

    def __init__(self, window: int = 288, warmup: int = 30) -> None:
        if window < 8:
            raise ValueError(f"window must be >= 8, got {window}")
        self.window = window
        self.warmup = max(warmup, 8)
        self.ring: list[float] = []
        self.pos = 0
        self.sorted: list[float] = []
        self.n = 0
        self.lo = math.inf
        self.hi = -math.inf
        self.last = (0.0, 0.0, 0.0, 1.0, 0.0)  # observed, score, center, sigma, z

    def _center_sigma(self) -> tuple[float, float]:
        s = self.sorted
        k = len(s)
        med = s[k // 2] if k % 2 else 0.5 * (s[k // 2 - 1] + s[k // 2])
        return med, window_sigma(s, self.lo, self.hi)

    def update(self, value: float, timestamp: float | None = None) -> float:
        x = float(value)
        score = 0.0
        if x != x:
            return 0.0
        if self.n >= self.warmup:
            med, sigma = self._center_sigma()
            z = abs(x - med) / sigma
            score = z_to_score(z)
            self.last = (x, score, med, sigma, z)
        else:
            self.last = (x, 0.0, x, 0.0, 0.0)
        if len(self.ring) < self.window:
            self.ring.append(x)
        else:
            old = self.ring[self.pos]
            self.ring[self.pos] = x
            self.pos = (self.pos + 1) % self.window
            del self.sorted[bisect_left(self.sorted, old)]
        insort(self.sorted, x)
        self.lo = min(self.lo, x)
        self.hi = max(self.hi, x)
        self.n += 1
        return score

    def explain(self) -> Explanation:
        x, score, center, sigma, z = self.last
        warm = self.n <= self.warmup
        return Explanation(
            score, x, center, center - self.band_z * sigma, center + self.band_z * sigma,
            "robust_z", f"|z|={z:.2f} against the median and IQR of the last {self.window} points", warm,
        )


class EWMADetector(Detector):
    """Exponentially weighted mean and variance; z of the new point against the previous estimate."""

    name = "ewma"

    def __init__(self, alpha: float = 0.02, warmup: int = 30) -> None:
        if not 0.0 < alpha < 1.0:
            raise ValueError(f"alpha must be in (0, 1), got {alpha}")
        self.alpha = alpha
        self.warmup = warmup
        self.mean = 0.0
        self.var = 0.0
        self.n = 0
        self.last = (0.0, 0.0, 0.0, 0.0, 0.0)

    def update(self, value: float, timestamp: float | None = None) -> float:
        x = float(value)
        if x != x:
            return 0.0
        score = 0.0
        if self.n == 0:
            self.mean = x
            self.last = (x, 0.0, x, 0.0, 0.0)
        else:
            sd = max(math.sqrt(self.var), _scale_floor(self.mean))
            z = abs(x - self.mean) / sd
            if self.n >= self.warmup:
                score = z_to_score(z)
            self.last = (x, score, self.mean, sd, z)
            a = self.alpha
            d = x - self.mean
            self.mean += a * d
            self.var = (1.0 - a) * (self.var + a * d * d)
        self.n += 1
        return score

    def explain(self) -> Explanation:
        x, score, mean, sd, z = self.last
        return Explanation(
            score, x, mean, mean - self.band_z * sd, mean + self.band_z * sd,
            "ewma", f"|z|={z:.2f} against the EWMA mean/variance (alpha={self.alpha})", self.n <= self.warmup,
        )


class SeasonalDetector(Detector):
    """Seasonal naive: expected value = median of the same phase in the last three seasons.

    The season is learned from the first `learn` points (autocorrelation, with day/week candidates when
    timestamps are given); until then, and if no season is found, the previous value is the forecast.
    Residuals are scaled by a robust EWMA of their absolute size.
    """

    name = "seasonal"

    def __init__(self, learn: int = 600, max_period: int = 2016, alpha: float = 0.01, warmup: int = 30) -> None:
        self.learn = learn
        self.max_period = max_period
        self.alpha = alpha
        self.warmup = warmup
        self.period = 0
        self.checked = False
        self.history: list[float] = []
        self.cap = max(learn, 3 * max_period + 1)
        self.pos = 0
        self.n = 0
        self.abs_res = 0.0
        self.lo = math.inf
        self.hi = -math.inf
        self.first_ts: float | None = None
        self.last_ts: float | None = None
        self.last = (0.0, 0.0, 0.0, 0.0, 0.0)

    def _lag(self, k: int) -> float:
        h = self.history
        return h[(self.pos - k) % len(h)] if len(h) == self.cap else h[len(h) - k]

    def _expected(self) -> float:
        p = self.period
        if p and self.n >= 3 * p:
            a, b, c = self._lag(p), self._lag(2 * p), self._lag(3 * p)
            return max(min(a, b), min(max(a, b), c))
        if p and self.n >= p:
            return self._lag(p)
        return self._lag(1)

    def _maybe_learn_period(self) -> None:
        if self.checked or self.n < self.learn:
            return
        self.checked = True
        step = None
        if self.first_ts is not None and self.last_ts is not None and self.n > 1:
            step = (self.last_ts - self.first_ts) / (self.n - 1)
        self.period = detect_period(self.history[-self.learn :], step, self.max_period, min_cycles=1.5) or 0

    def update(self, value: float, timestamp: float | None = None) -> float:
        x = float(value)
        if x != x:
            return 0.0
        if timestamp is not None:
            if self.first_ts is None:
                self.first_ts = timestamp
            self.last_ts = timestamp
        score = 0.0
        if self.n == 0:
            self.last = (x, 0.0, x, 0.0, 0.0)
        else:
            e = self._expected()
            r = x - e
            sd = max(1.2533 * self.abs_res, _scale_floor(e), (self.hi - self.lo) * 0.002)
            z = abs(r) / sd
            if self.n >= self.warmup:
                score = z_to_score(z)
            self.last = (x, score, e, sd, z)
            a = self.alpha if self.n > 10 else 1.0 / self.n
            # no winsorising: like the EWMA baseline, a burst widens the band for a while
            self.abs_res += a * (abs(r) - self.abs_res)
        self.lo = min(self.lo, x)
        self.hi = max(self.hi, x)
        if len(self.history) < self.cap:
            self.history.append(x)
        else:
            self.history[self.pos] = x
            self.pos = (self.pos + 1) % self.cap
        self.n += 1
        self._maybe_learn_period()
        return score

    def explain(self) -> Explanation:
        x, score, e, sd, z = self.last
        basis = f"season of {self.period} points" if self.period else "previous value (no season found)"
        return Explanation(
            score, x, e, e - self.band_z * sd, e + self.band_z * sd,
            "seasonal", f"|z|={z:.2f} of the residual against the {basis}", self.n <= self.warmup,
        )

