"""NAB's scoring rules, written from the published description (paper, README, wiki).

Per data file, every row after the probation period gets a weight:
- inside an anomaly window of width w rows ending at row r: the scaled sigmoid of the relative
  position -(r - i + 1) / w, divided by its value at -1 so the earliest row is worth exactly A_TP;
- outside every window: A_FP times the scaled sigmoid of the distance past the previous window's end,
  relative to that window's width (or the full -A_FP if no window came before).
For a threshold t the rows with score >= t are detections: each window contributes the best weight of its
detections (its earliest) or -A_FN if it has none, and every detection outside windows adds its weight.
The threshold is chosen once per profile for the whole corpus by an exact sweep over all distinct scores,
and the total is normalised to 100 * (S - S_null) / (S_perfect - S_null).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tocsin.ml.nab.corpus import CorpusError


@dataclass(frozen=True)
class Profile:
    name: str
    tp: float
    fp: float
    fn: float


PROFILES: tuple[Profile, ...] = (
    Profile("standard", 1.0, 0.11, 1.0),
    Profile("reward_low_FP_rate", 1.0, 0.22, 1.0),
    Profile("reward_low_FN_rate", 1.0, 0.11, 2.0),
)

PROBATION_FRACTION = 0.15


def probation_length(rows: int) -> int:
    """Rows at the start of a file that are never scored: min(floor(15% of rows), 750)."""
    return min(math.floor(PROBATION_FRACTION * rows), int(PROBATION_FRACTION * 5000))


def scaled_sigmoid(position: float) -> float:
    """2*sigmoid(-5x) - 1, flattened to -1 from x = 3 on (far after a window)."""
    if position >= 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


_MAX_TP = scaled_sigmoid(-1.0)


@dataclass(frozen=True)
class RowWeights:
    """The scorable rows of one file: anomaly score, weight and window id (-1 outside windows)."""

    scores: list[float]
    weights: list[float]
    window_ids: list[int]
    n_windows: int  # windows that contain at least one scorable row


def _first_index_at_or_after(timestamps: Sequence[datetime], t: datetime) -> int:
    for i, ts in enumerate(timestamps):
        if ts >= t:
            return i
    return len(timestamps)


def row_weights(
    timestamps: Sequence[datetime],
    scores: Sequence[float],
    windows: Sequence[tuple[datetime, datetime]],
    profile: Profile,
) -> RowWeights:
    if len(timestamps) != len(scores):
        raise CorpusError(f"{len(timestamps)} timestamps but {len(scores)} anomaly scores")
    n = len(timestamps)
    # Window limits as row indices: first row at/after the start, first row at/after the end (NAB finds
    # the first row equal to each limit; these coincide when the limits are data timestamps).
    spans: list[tuple[int, int]] = []
    for start, end in sorted(windows):
        left = _first_index_at_or_after(timestamps, start)
        right = _first_index_at_or_after(timestamps, end)
        if right >= n or timestamps[right] != end:
            right = min(right, n) - 1
        if left <= right:
            spans.append((left, right))
    probation = probation_length(n)
    out_scores: list[float] = []
    weights: list[float] = []
    ids: list[int] = []
    used: set[int] = set()
    span_i = 0
    prev_right = -1
    prev_width = 0.0
    for i in range(n):
        while span_i < len(spans) and spans[span_i][1] < i:
            prev_right = spans[span_i][1]
            prev_width = float(spans[span_i][1] - spans[span_i][0] + 1)
            span_i += 1
        inside = span_i < len(spans) and spans[span_i][0] <= i <= spans[span_i][1]
        if inside:
            left, right = spans[span_i]
            width = float(right - left + 1)
            weight = scaled_sigmoid(-(right - i + 1) / width) * profile.tp / _MAX_TP
            wid = span_i
        else:
            if prev_right < 0:
                position = 3.0
            elif prev_width > 1:
                position = abs(prev_right - i) / (prev_width - 1.0)
            else:
                position = 3.0
            weight = scaled_sigmoid(position) * profile.fp
            wid = -1
        if i < probation:
            continue
        out_scores.append(float(scores[i]))
        weights.append(weight)
        ids.append(wid)
        if wid >= 0:
            used.add(wid)
    # Renumber windows densely so that corpus-level bookkeeping can use one flat array.
    remap = {w: k for k, w in enumerate(sorted(used))}
    return RowWeights(out_scores, weights, [remap[w] if w >= 0 else -1 for w in ids], len(remap))


@dataclass
class SweepResult:
    threshold: float
    score: float
    null_score: float
    perfect_score: float

    @property
    def normalized(self) -> float:
        span = self.perfect_score - self.null_score
        return 100.0 * (self.score - self.null_score) / span if span else 0.0


@dataclass
class FileScore:
    name: str
    score: float
    windows: int
    detected: int
    false_positives: int


@dataclass
class ProfileResult:
    profile: Profile
    sweep: SweepResult
    files: list[FileScore] = field(default_factory=list)


def best_threshold(files: Sequence[RowWeights], profile: Profile, n_label_windows: int) -> SweepResult:
    """Exact sweep: try every distinct score as the threshold (and 'none') and keep the best total."""
    rows: list[tuple[float, float, int]] = []
    offset = 0
    for fw in files:
        rows.extend(
            (s, w, (wid + offset) if wid >= 0 else -1)
            for s, w, wid in zip(fw.scores, fw.weights, fw.window_ids, strict=True)
        )
        offset += fw.n_windows
    rows.sort(key=lambda r: r[0], reverse=True)
    best = [-profile.fn] * offset
    total = -profile.fn * offset
    null_score = total
    best_total = total
    best_thr = math.inf
    i = 0
    while i < len(rows):
        s = rows[i][0]
        while i < len(rows) and rows[i][0] == s:
            _, w, wid = rows[i]
            if wid < 0:
                total += w
            elif w > best[wid]:
                total += w - best[wid]
                best[wid] = w
            i += 1
        if total > best_total:
            best_total = total
            best_thr = s
    perfect = profile.tp * n_label_windows
    return SweepResult(best_thr, best_total, null_score, perfect)


def file_score(fw: RowWeights, profile: Profile, threshold: float, name: str) -> FileScore:
    best = [-profile.fn] * fw.n_windows
    fp_total = 0.0
    fps = 0
    for s, w, wid in zip(fw.scores, fw.weights, fw.window_ids, strict=True):
        if s < threshold:
            continue
        if wid < 0:
            fp_total += w
            fps += 1
        else:
            best[wid] = max(best[wid], w)
    detected = sum(1 for b in best if b > -profile.fn)
    return FileScore(name, fp_total + sum(best), fw.n_windows, detected, fps)


def score_corpus(
    results: Mapping[str, tuple[Sequence[datetime], Sequence[float]]],
    windows: Mapping[str, Sequence[tuple[datetime, datetime]]],
    profiles: Sequence[Profile] = PROFILES,
) -> list[ProfileResult]:
    """Score detector output for every file in `windows`; a file without results is an error."""
    missing = sorted(set(windows) - set(results))
    if missing:
        raise CorpusError(f"no results for {len(missing)} labelled file(s), e.g. {missing[0]}")
    n_label_windows = sum(len(w) for w in windows.values())
    out: list[ProfileResult] = []
    names = sorted(windows)
    for profile in profiles:
        per_file = [row_weights(*results[n], windows[n], profile) for n in names]
        sweep = best_threshold(per_file, profile, n_label_windows)
        files = [file_score(fw, profile, sweep.threshold, n) for fw, n in zip(per_file, names, strict=True)]
        out.append(ProfileResult(profile, sweep, files))
    return out
