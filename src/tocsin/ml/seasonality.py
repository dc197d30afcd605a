"""Finding a series' season length (in points) from its own history.

Candidates come from the sampling step when timestamps are known (one day, one week), otherwise from
autocorrelation peaks; a candidate is accepted only when the series really repeats at that lag, so a
random walk or white noise gets no season and detectors fall back to non-seasonal baselines.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DAY = 86400.0
WEEK = 7 * DAY


def candidate_periods(step_seconds: float | None, max_period: int) -> list[int]:
    if not step_seconds or step_seconds <= 0:
        return []
    out: list[int] = []
    for span in (DAY, WEEK):
        p = round(span / step_seconds)
        if 4 <= p <= max_period and abs(p * step_seconds - span) <= 0.05 * span:
            out.append(p)
    return out


def acf_at(x: np.ndarray, lag: int) -> float:
    if lag <= 0 or lag >= len(x) - 2:
        return 0.0
    a = x[:-lag] - x[:-lag].mean()
    b = x[lag:] - x[lag:].mean()
    den = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / den) if den > 0 else 0.0


def detect_period(
    values: Sequence[float],
    step_seconds: float | None = None,
    max_period: int = 2016,
    min_cycles: float = 2.0,
    min_acf: float = 0.3,
) -> int | None:
    """Best season length with at least `min_cycles` cycles of data and autocorrelation >= `min_acf`.

    The lag-1 autocorrelation of a smooth trend is high at every lag, so a candidate must also beat
    the correlation at half its length: a true season is anti-correlated (or at least less correlated)
    half a cycle away.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n < 16 or float(np.ptp(x)) == 0.0:
        return None
    cands = candidate_periods(step_seconds, max_period)
    calendar = bool(cands)
    if not cands:
        limit = min(max_period, int(n / min_cycles))
        if limit < 4:
            return None
        xc = x - x.mean()
        spec = np.fft.rfft(xc, 2 * n)
        ac = np.fft.irfft(spec * np.conj(spec))[: limit + 1]
        if ac[0] <= 0:
            return None
        ac = ac / ac[0]
        peaks = [k for k in range(4, limit) if ac[k] >= ac[k - 1] and ac[k] >= ac[k + 1] and ac[k] > 0]
        cands = sorted(peaks, key=lambda k: -ac[k])[:3]
    scored: list[tuple[int, float]] = []
    for p in cands:
        if n < min_cycles * p:
            continue
        r = acf_at(x, p)
        half = acf_at(x, max(1, p // 2))
        if r >= min_acf and r - half > 0.2:
            scored.append((p, r))
    if not scored:
        return None
    top = max(r for _, r in scored)
    if calendar:
        # a week is not just seven days (weekends differ), so the better-correlated calendar season wins
        return max(scored, key=lambda pr: pr[1])[0]
    # multiples of an autocorrelation season correlate about as well; prefer the shortest nearly as good
    return min(p for p, r in scored if r >= 0.9 * top)
