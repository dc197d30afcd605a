"""The default detector: statistical components plus context novelty, one score in [0, 1].

Statistical components, each expressed as a Gaussian-equivalent z (calibrated: score 0.5 is a p-value
of 1e-6, see `tocsin.ml.base`):
- level: distance of the point from the median of the recent window in robust sigmas (IQR, or the
  2-98% spread for quantised data), weighted by how rare the value is in a long history sample that
  keeps every block's extremes (a value the series often reaches is not news);
- seasonal: residual against the median of the same phase in the last three seasons (tolerating a
  one-sample drift of edges), scaled by the larger of the series-wide residual size and the spread of
  that phase, once a daily/weekly or autocorrelation season has been found;
- shift and surprise rate (optional, off by default): change-point evidence from the mean of the last
  few standardised points, and the recent average surprise against its long-run mean (like Numenta's
  anomaly likelihood).
The strongest gives the surprise d = -log10(p), divided by (1 + count)^beta and capped at the empirical
rarity of the quantised 3-point pattern it occurs in, and ramped in after warm-up.

Context novelty (`tocsin.ml.context`): values are cut into levels (first the range of the first
`ctx_warmup` points / `ctx_bins`, widened by doubling whenever the range the series has shown exceeds
`ctx_grow` x `ctx_bins` levels, with the memory mapped onto the wider levels; that range is the one of
the long-history sample less its `ctx_trim` most extreme values on each side, so one glitch does not
coarsen the levels for good); each point yields 8
context facts (its level with the previous 1, 2 and 3 levels, with the level 4 points back, with the
mean level of the last 8 and 16 points, and with the range of the last 16); the novelty is the share of
those facts the series has never produced before. It catches patterns that are new although every single
value is ordinary, and is silent on patterns, however extreme, that the series has shown before.

Final score = max(novelty share (ramped in over `ctx_ramp` points), `stat_weight` x statistical score),
with `tie_weight` of the statistical score mixed in. Both weights are 0 by default: on NAB the
statistical events were mostly false positives (they fired on values that are extreme for the recent
window but not new for the series) and the tie-break did not rank better, so by default the statistics
only explain (expected value, band, |z|) and the score is the context novelty. Then a novelty hold: a
score counts only if it beats every score of the last `hold` points, and within `refractory` points of
the last detection it must be `refractory_factor` times as large, so one incident gives one detection
instead of a burst. Last, an emitted score is ranked by rarity: multiplied by R^`rarity_exp`, where
R = -ln((c + 1) / (a + 1)) / ln(a + 1), a = points scored for context so far and c = how many of them had
at least as many new facts as this one. A series that shows fully new contexts all the time (bursty
counts) thus ranks its next one lower than a calm series ranks its first; which points are emitted does
not change, only how they compare across series under one threshold.

The hold, refractory period, context warm-up and context ramp are counted in points: fixed
(`FIXED_TIME_SCALE`) or, given a `learning_period` P (the points a series is watched before its alerts
count; NAB gives every detector its probationary period), 2.5 P, P / 6, P / 4 and P / 2
(`period_multiples` changes these). Scaled, the detector scores about 3 points higher on NAB and is much
less sensitive to each constant (bench/RESULTS.md); a parameter given explicitly wins over both.

The novelty share is a proportion, not a p-value: with the context part on, 0.5 means "half of this
point's context is new", and pure noise reaches 0.3-0.6 over a few thousand points. Set `ctx=False` for
purely statistical, p-value-calibrated scores (`stat_weight` then does not apply). The defaults are the
single configuration measured on NAB (bench/RESULTS.md). Per point the work is float arithmetic, two
bisects, one dict and eight set lookups; memory is bounded (sorted windows, a float64 ring, at most
`seen_cap` patterns and 16,384 context facts; widening the levels is one pass over the facts, at most
once per doubling of the series' range).
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Mapping
from typing import Any

from tocsin.ml.base import Detector, Explanation, decades_to_score, z_to_decades
from tocsin.ml.context import MAX_FACTS, ContextMemory
from tocsin.ml.seasonality import detect_period

_IQR_TO_SIGMA = 1.0 / 1.349
_COMPONENTS = ("level", "seasonal", "shift", "surprise rate", "context novelty")

# Time constants in points when no learning period is known (measured on NAB, bench/RESULTS.md) ...
FIXED_TIME_SCALE = {"hold": 1200, "refractory": 100, "ctx_warmup": 150, "ctx_ramp": 300}
# ... and as multiples of a known learning period P (NAB gives every detector its probationary period).
LEARNING_PERIOD_MULTIPLES = {"hold": 2.5, "refractory": 1.0 / 6.0, "ctx_warmup": 0.25, "ctx_ramp": 0.5}


def _time_scale(learning_period: int | None, multiples: Mapping[str, float] | None) -> dict[str, int]:
    """The hold, refractory period, context warm-up and context ramp for a series: fixed, or in
    proportion to its learning period, because how far apart two incidents must be to count twice is
    a property of the series' time scale (a five-minute metric and a ten-second one differ 30-fold),
    not a number of points."""
    mult = dict(LEARNING_PERIOD_MULTIPLES)
    for k, m in (multiples or {}).items():
        if k not in mult:
            raise ValueError(f"period_multiples: unknown key {k!r}; known: {', '.join(mult)}")
        if not isinstance(m, int | float) or m < 0:
            raise ValueError(f"period_multiples[{k!r}] must be a number >= 0, got {m!r}")
        mult[k] = float(m)
    if learning_period is None:
        return dict(FIXED_TIME_SCALE)
    return {k: max(1, round(m * learning_period)) for k, m in mult.items()}


class EnsembleDetector(Detector):
    """Robust level + seasonal residual (+ optional shift, surprise rate) and context novelty."""

    name = "tocsin"
    takes_learning_period = True
    # 2: rarity ranking of emitted scores (`rarity_exp`, `new_counts`)
    state_version = 2
    upgradable_versions = (1,)

    @classmethod
    def upgrade_state(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        # a version-1 detector had no rarity ranking: keep scoring as it did (rarity off) rather than
        # rank its next events against an empty history
        data.setdefault("rarity_exp", 0.0)
        data.setdefault("new_counts", [0] * (MAX_FACTS + 1))
        return data

    def __init__(
        self,
        window: int = 384,
        warmup: int = 64,
        learn: int = 900,
        max_period: int = 2016,
        alpha: float = 0.01,
        hold: int | None = None,
        gamma: float = 0.5,
        lstride: int = 4,
        lsize: int = 1024,
        nov_beta: float = 0.5,
        nov_bins: int = 10,
        nov_cap: bool = True,
        local_scale: float = 0.25,
        refractory: int | None = None,
        refractory_factor: float = 2.0,
        ramp: int = 100,
        transform: str = "none",
        ctx: bool = True,
        ctx_warmup: int | None = None,
        ctx_bins: int = 6,
        ctx_ramp: int | None = None,
        tie_weight: float = 0.0,
        stat_weight: float = 0.0,
        ctx_grow: float = 2.25,
        ctx_trim: int = 2,
        rarity_exp: float = 0.25,
        short: int = 12,
        shift_gain: float = 0.0,
        rate_gain: float = 0.0,
        rate_window: int = 10,
        rate_alpha: float = 0.0005,
        learning_period: int | None = None,
        period_multiples: Mapping[str, float] | None = None,
    ) -> None:
        if learning_period is not None and learning_period < 1:
            raise ValueError(f"learning_period must be >= 1, got {learning_period}")
        scale = _time_scale(learning_period, period_multiples)
        hold = scale["hold"] if hold is None else hold
        refractory = scale["refractory"] if refractory is None else refractory
        ctx_warmup = scale["ctx_warmup"] if ctx_warmup is None else ctx_warmup
        ctx_ramp = scale["ctx_ramp"] if ctx_ramp is None else ctx_ramp
        for pname, val, lo in (("window", window, 16), ("lsize", lsize, 16), ("short", short, 1),
                               ("rate_window", rate_window, 1), ("lstride", lstride, 1), ("nov_bins", nov_bins, 1),
                               ("ctx_bins", ctx_bins, 1), ("hold", hold, 1), ("refractory", refractory, 0),
                               ("ctx_ramp", ctx_ramp, 0), ("ramp", ramp, 0)):
            if val < lo:
                raise ValueError(f"{pname} must be >= {lo}, got {val}")
        if not 0.0 < alpha < 1.0 or not 0.0 < rate_alpha < 1.0:
            raise ValueError(f"alpha and rate_alpha must be in (0, 1), got {alpha}, {rate_alpha}")
        self.window = window
        self.warmup = max(warmup, 16)
        self.learn = learn
        self.max_period = max_period
        self.alpha = alpha
        self.hold = hold
        self.n = 0
        if transform not in ("auto", "none", "log"):
            raise ValueError(f"transform must be 'auto', 'none' or 'log', got {transform!r}")
        self.transform = transform
        self.log_c = 0.0
        self.lo = math.inf
        self.hi = -math.inf
        self.prev = 0.0
        self.prev2 = 0.0
        self.first_ts: float | None = None
        self.last_ts: float | None = None
        # level: recent window, plus a long decimated history sample for the rarity weight
        self.ring: list[float] = []
        self.rpos = 0
        self.sorted: list[float] = []
        self.gamma = gamma
        self.lstride = lstride
        self.lsize = lsize
        self.lring: list[float] = []
        self.lsorted: list[float] = []
        self.lpos = 0
        self.blo = math.inf
        self.bhi = -math.inf
        # seasonal
        self.period = 0
        self.checked = False
        self.next_check = learn
        self.cap = max(learn, 3 * max_period + 1)
        self.hist = array("d")
        self.hpos = 0
        self.abs_res = 0.0
        self.res_n = 0
        self.local_scale = local_scale
        # shift
        self.short_ring = [0.0] * short
        self.short_sum = 0.0
        self.spos = 0
        self.shift_gain = shift_gain / short
        # surprise rate
        self.rate_gain = rate_gain
        self.rate_ring = [0.0] * rate_window
        self.rate_sum = 0.0
        self.rate_pos = 0
        self.rate_mean = 0.0
        self.rate_var = 0.0
        self.rate_n = 0
        self.rate_alpha = rate_alpha
        self.rate_min = 2 * rate_window + 100
        # pattern novelty
        self.nov_beta = nov_beta
        self.nov_bins = nov_bins
        self.nov_cap = nov_cap
        self.bin_width = 1.0
        self.seen: dict[int, int] = {}
        self.seen_cap = 8192
        # context novelty
        self.ctx_on = ctx
        self.ctx_warmup = min(max(ctx_warmup, self.warmup), window)
        self.ctx_bins = ctx_bins
        self.ctx = ContextMemory(ctx_bins, ctx_grow)
        self.ctx_trim = ctx_trim
        self.ctx_ramp = ctx_ramp
        self.ctx_new = 0
        self.ctx_m = 1
        self.tie_weight = tie_weight
        # rarity ranking: points by how many of their context facts were new, since warm-up
        if rarity_exp < 0.0:
            raise ValueError(f"rarity_exp must be >= 0, got {rarity_exp}")
        self.rarity_exp = rarity_exp
        self.new_counts = [0] * (MAX_FACTS + 1)
        self.stat_weight = stat_weight
        # novelty hold: (index, score) pairs of a sliding maximum
        self.maxq: deque[tuple[int, float]] = deque()
        self.refractory = refractory
        self.ramp = ramp
        self.refractory_factor = refractory_factor
        self.last_fire = -(10**9)
        self.last_fire_dec = 0.0
        # explanation of the last point: observed, score, expected, sigma, component index, z
        self.last: tuple[float, float, float, float, int, float] = (0.0, 0.0, 0.0, 0.0, 0, 0.0)

    # -- helpers -------------------------------------------------------------------------------

    def _lag(self, k: int) -> float:
        h = self.hist
        return h[(self.hpos - k) % len(h)] if len(h) == self.cap else h[len(h) - k]

    def _learn_period(self) -> None:
        """Look for a season once, in the first `learn` points. (Looking again later over longer
        histories finds late daily seasons in bursty series, which cost more false positives than they
        saved on NAB, so it is not done.)"""
        step = None
        if self.first_ts is not None and self.last_ts is not None and self.n > 1:
            step = (self.last_ts - self.first_ts) / (self.n - 1)
        span = min(self.next_check, len(self.hist))
        recent = [self._lag(k) for k in range(span, 0, -1)]
        self.period = detect_period(recent, step, self.max_period, min_cycles=1.5) or 0
        self.checked = True

    def _start_context(self) -> None:
        """Fix the level width from the warm-up and learn the warm-up's contexts."""
        self.ctx.start(self.ring[: self.ctx_warmup])

    def _fwd(self, x: float) -> float:
        c = self.log_c
        if not c:
            return x
        y = x + c
        return math.log(y if y > c * 1e-3 else c * 1e-3)

    def _inv(self, y: float) -> float:
        return math.exp(y) - self.log_c if self.log_c else y

    def _choose_transform(self) -> None:
        """At the end of warm-up: model a non-negative, right-skewed series (counts, bytes, latencies)
        on a log scale, where its noise is closer to additive; y = log(x + c), c the warm-up median."""
        if self.transform == "none":
            return
        srt = self.sorted
        k = len(srt)
        med = srt[k >> 1]
        lo, hi = srt[0], srt[-1]
        skewed = lo >= 0.0 and med > 0.0 and (srt[k - 1 - k // 50] - med) > 3.0 * (med - srt[k // 50])
        if self.transform != "log" and not skewed:
            return
        if lo < 0.0:
            return
        self.log_c = max(med, (hi - lo) * 0.01, 1e-9)
        f = self._fwd
        self.ring = [f(v) for v in self.ring]
        self.sorted = [f(v) for v in srt]
        self.hist = array("d", (f(v) for v in self.hist))
        self.lring = [f(v) for v in self.lring]
        self.lsorted = [f(v) for v in self.lsorted]
        self.blo, self.bhi = (f(self.blo) if self.blo != math.inf else math.inf,
                              f(self.bhi) if self.bhi != -math.inf else -math.inf)
        self.lo, self.hi = f(self.lo), f(self.hi)
        self.prev, self.prev2 = f(self.prev), f(self.prev2)

    def _learn(self, x: float, n: int) -> None:
        """Fold the point into the windows after it has been scored (no look-ahead)."""
        ring = self.ring
        srt = self.sorted
        if len(ring) < self.window:
            ring.append(x)
        else:
            old = ring[self.rpos]
            ring[self.rpos] = x
            self.rpos = (self.rpos + 1) % self.window
            del srt[bisect_left(srt, old)]
        insort(srt, x)
        # the long sample keeps the lowest and highest point of every block of `lstride` points, so
        # that single-point spikes are remembered however the blocks fall
        if x < self.blo:
            self.blo = x
        if x > self.bhi:
            self.bhi = x
        if (n + 1) % self.lstride == 0:
            lr = self.lring
            ls = self.lsorted
            for y in (self.blo, self.bhi):
                if len(lr) < self.lsize:
                    lr.append(y)
                else:
                    old = lr[self.lpos]
                    lr[self.lpos] = y
                    self.lpos = (self.lpos + 1) % self.lsize
                    del ls[bisect_left(ls, old)]
                insort(ls, y)
            self.blo = math.inf
            self.bhi = -math.inf
        hist = self.hist
        if len(hist) < self.cap:
            hist.append(x)
        else:
            hist[self.hpos] = x
            self.hpos = (self.hpos + 1) % self.cap
        if x < self.lo:
            self.lo = x
        if x > self.hi:
            self.hi = x
        if n + 1 == self.warmup:
            self._choose_transform()
            srt = self.sorted
            spread = srt[-1] - srt[0]
            self.bin_width = spread / self.nov_bins if spread > 0 else 1e-9 + 1e-3 * abs(x)
        self.prev2 = self.prev
        self.prev = self._fwd(x) if n + 1 == self.warmup else x
        self.n = n + 1
        if self.ctx_on and self.n == self.ctx_warmup:
            self._start_context()
        if not self.checked and self.n >= self.next_check:
            self._learn_period()

    # -- the hot path --------------------------------------------------------------------------

    def update(self, value: float, timestamp: float | None = None) -> float:
        x = float(value)
        if x != x or x in (math.inf, -math.inf):
            return 0.0
        n = self.n
        if timestamp is not None:
            if self.first_ts is None:
                self.first_ts = timestamp
            self.last_ts = timestamp
        if n < self.warmup:
            self.last = (x, 0.0, x, 0.0, 0, 0.0)
            self._learn(x, n)
            return 0.0
        if self.log_c:
            x = self._fwd(x)
        srt = self.sorted
        k = len(srt)
        med = srt[k >> 1]
        sigma = (srt[(3 * k) >> 2] - srt[k >> 2]) * _IQR_TO_SIGMA
        wide = (srt[k - 1 - k // 50] - srt[k // 50]) * 0.2434
        if wide > sigma:
            sigma = wide
        floor = (self.hi - self.lo) * 0.002 + 1e-9 + 1e-6 * abs(med)
        if sigma < floor:
            sigma = floor
        u = (x - med) / sigma
        best = u if u >= 0.0 else -u
        if self.gamma > 0.0 and self.lsorted:
            ls = self.lsorted
            m = len(ls)
            r = bisect_left(ls, x) if u < 0.0 else m - bisect_right(ls, x)
            best *= (-math.log10((r + 1.0) / (m + 1.0)) / math.log10(m + 1.0)) ** self.gamma
        comp, expected, scale = 0, med, sigma
        # seasonal residual against the median of the same phase in the last (up to) three seasons
        p = self.period
        if p and n >= 2 * p + 1:
            # per phase offset -1/0/+1 (a tolerance for edges that drift by a sample), the median
            # of the last seasons; the closest of the three is the expectation
            ar = math.inf
            e = x
            vmin = math.inf
            vmax = -math.inf
            for j in (-1, 0, 1):
                if n >= 3 * p + 1:
                    a, b, c = self._lag(p + j), self._lag(2 * p + j), self._lag(3 * p + j)
                    ej = max(min(a, b), min(max(a, b), c))
                    lo3 = a if a < b else b
                    lo3 = lo3 if lo3 < c else c
                    hi3 = a if a > b else b
                    hi3 = hi3 if hi3 > c else c
                else:
                    a, b = self._lag(p + j), self._lag(2 * p + j)
                    ej = 0.5 * (a + b)
                    lo3, hi3 = (a, b) if a < b else (b, a)
                if lo3 < vmin:
                    vmin = lo3
                if hi3 > vmax:
                    vmax = hi3
                dj = x - ej
                dj = dj if dj >= 0.0 else -dj
                if dj < ar:
                    ar, e = dj, ej
            # the residual scale is the larger of the series-wide one and the spread of the same phase
            # in past seasons, so noisier phases and drifting edges are not held to the calm ones' scale
            sd = 1.2533 * self.abs_res
            local = (vmax - vmin) * self.local_scale
            if local > sd:
                sd = local
            if sd < floor:
                sd = floor
            z_s = ar / sd
            if self.res_n > p and z_s > best:
                best, comp, expected, scale = z_s, 1, e, sd
            cap = 6.0 * sd
            self.abs_res += self.alpha * ((ar if ar < cap else cap) - self.abs_res)
            self.res_n += 1
        # shift: mean of the last `short` clipped standardised points
        if self.shift_gain > 0.0:
            sh = self.short_ring
            uc = u if -4.0 <= u <= 4.0 else (4.0 if u > 0 else -4.0)
            self.short_sum += uc - sh[self.spos]
            sh[self.spos] = uc
            self.spos = (self.spos + 1) % len(sh)
            z_c = abs(self.short_sum) * self.shift_gain
            if z_c > best:
                best, comp = z_c, 2
        # surprise rate: recent mean of the capped surprise against its long-run mean and spread
        if self.rate_gain > 0.0:
            ev = best if best < 6.0 else 6.0
            rr = self.rate_ring
            self.rate_sum += ev - rr[self.rate_pos]
            rr[self.rate_pos] = ev
            self.rate_pos = (self.rate_pos + 1) % len(rr)
            sm = self.rate_sum / len(rr)
            if self.rate_n > self.rate_min:
                z_r = (sm - self.rate_mean) / (math.sqrt(self.rate_var) + 0.05) * self.rate_gain
                if z_r > best:
                    best, comp = z_r, 3
            ra = self.rate_alpha if self.rate_n * self.rate_alpha > 1.0 else 1.0 / (self.rate_n + 1.0)
            dm = sm - self.rate_mean
            self.rate_mean += ra * dm
            self.rate_var = (1.0 - ra) * (self.rate_var + ra * dm * dm)
            self.rate_n += 1
        dec = z_to_decades(best)
        # pattern novelty: how often has this series shown this quantised 3-point pattern before
        if self.nov_beta > 0.0:
            bw = self.bin_width
            key = int(x // bw) * 1_000_003 + int(self.prev // bw) * 1_009 + int(self.prev2 // bw)
            seen = self.seen
            cnt = seen.get(key, 0)
            if cnt:
                dec /= (1.0 + cnt) ** self.nov_beta
                if self.nov_cap:
                    emp = -math.log10((cnt + 1.0) / (n + 1.0))
                    if dec > emp:
                        dec = emp
            if cnt or len(seen) < self.seen_cap:
                seen[key] = cnt + 1
        if self.ramp > 0 and n < self.warmup + self.ramp:
            # a young model's surprises are less trustworthy: ramp their weight up after warm-up
            dec *= (n - self.warmup + 1.0) / self.ramp
        calibrated = decades_to_score(dec)
        total = calibrated * self.stat_weight if self.ctx_on else calibrated
        if self.ctx_on and n >= self.ctx_warmup:
            # context novelty: the share of this point's context facts never seen before, nudged up
            # as the model matures (which also breaks ties between equally new contexts in favour of
            # the later, better informed one)
            ls = self.lsorted
            if self.ctx_trim and len(ls) > 4 * self.ctx_trim:
                # widen for the range of the recent long-history sample less its `ctx_trim` most extreme
                # values on each side, so that a single glitch does not coarsen the levels for good
                frac = self.ctx.learn(x, ls[-1 - self.ctx_trim] - ls[self.ctx_trim])
            else:
                frac = self.ctx.learn(x)
            self.ctx_new, self.ctx_m = self.ctx.new, self.ctx.m
            nov = frac * (1.0 - 1.0 / (1.0 + math.log(n + 1.0)))
            age = n - self.ctx_warmup + 1
            if age < self.ctx_ramp:
                # the context memory is nearly empty at first: ramp its evidence up
                nov *= age / self.ctx_ramp
            if nov >= total:
                total = nov
                if frac > 0.0:
                    comp = 4
            # among equally new contexts, the statistically stronger one ranks higher
            total = (1.0 - self.tie_weight) * total + self.tie_weight * calibrated
        # novelty hold: count the score only if it beats every score of the last `hold` points
        # (a sliding maximum kept in a monotone deque)
        q = self.maxq
        while q and q[0][0] <= n - self.hold:
            q.popleft()
        score = total if not q or total > q[0][1] else 0.0
        while q and q[-1][1] <= total:
            q.pop()
        q.append((n, total))
        if score > 0.0 and self.refractory > 0:
            # right after a detection, a follow-up must be much stronger to count again
            if n - self.last_fire < self.refractory and score < self.last_fire_dec * self.refractory_factor:
                score = 0.0
            else:
                self.last_fire = n
                self.last_fire_dec = score
        if self.ctx_on and n >= self.ctx_warmup:
            # rank an emitted point by how rare its degree of novelty is in this series so far: a series
            # that produces fully new contexts all the time (bursty counts) ranks another one lower than
            # a calm series showing its first; the emitted set is unchanged, only the order across series
            k = self.ctx_new
            counts = self.new_counts
            counts[k] += 1
            if score > 0.0 and self.rarity_exp > 0.0:
                a = sum(counts)
                c = sum(counts[k:])
                rarity = -math.log((c + 1.0) / (a + 1.0)) / math.log(a + 1.0) if a > 1 else 0.0
                score *= (rarity if rarity > 1e-3 else 1e-3) ** self.rarity_exp
        self.last = (x, score, expected, scale, comp, best)
        self._learn(x, n)
        return score

    def explain(self) -> Explanation:
        x, score, expected, scale, comp, z = self.last
        name = _COMPONENTS[comp]
        if name == "seasonal":
            detail = f"|z|={z:.2f} against the same phase of the last seasons ({self.period} points each)"
        elif name == "shift":
            detail = f"mean of the last {len(self.short_ring)} points is shifted, equivalent |z|={z:.2f}"
        elif name == "context novelty":
            lo, hi = self.ctx.level()
            detail = (f"{self.ctx_new} of {self.ctx_m} context facts never seen before in this series "
                      f"(value level [{self._inv(lo):.4g}, {self._inv(hi):.4g}) with its recent "
                      f"levels); statistical |z|={z:.2f}")
            seen = sum(self.new_counts)
            if score > 0.0 and seen:
                share = sum(self.new_counts[self.ctx_new:]) / seen
                detail += f"; as novel as {100.0 * share:.2g}% of the {seen} points seen"
        elif name == "surprise rate":
            detail = f"recent surprise is unusually high for this series, equivalent |z|={z:.2f}"
        else:
            detail = f"|z|={z:.2f} against the median/IQR of the last {self.window} points"
        if score == 0.0 and z > 0.0 and self.n > self.warmup:
            detail += " (not new: similar or stronger signals seen recently)"
        if self.log_c and self.n > self.warmup:
            inv = self._inv
            return Explanation(
                score, inv(x), inv(expected), inv(expected - self.band_z * scale),
                inv(expected + self.band_z * scale), name, detail + " on a log scale", False,
            )
        return Explanation(
            score, x, expected, expected - self.band_z * scale, expected + self.band_z * scale,
            name, detail, self.n <= self.warmup,
        )
