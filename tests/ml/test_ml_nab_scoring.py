"""NAB scoring rules against hand-computed examples."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from tocsin.ml.nab.corpus import CorpusError
from tocsin.ml.nab.scoring import (
    PROFILES,
    Profile,
    best_threshold,
    file_score,
    probation_length,
    row_weights,
    scaled_sigmoid,
    score_corpus,
)

STANDARD = PROFILES[0]
T0 = datetime(2020, 1, 1)


def ts(n: int) -> list[datetime]:
    return [T0 + timedelta(minutes=5 * i) for i in range(n)]


def sig(x: float) -> float:
    return 2.0 / (1.0 + math.exp(5.0 * x)) - 1.0


def test_scaled_sigmoid_reference_points() -> None:
    assert scaled_sigmoid(-1.0) == pytest.approx(0.98661, abs=1e-5)
    assert scaled_sigmoid(-0.5) == pytest.approx(0.84828, abs=1e-5)
    assert scaled_sigmoid(0.0) == pytest.approx(0.0)
    assert scaled_sigmoid(1.0) == pytest.approx(-0.98661, abs=1e-5)
    assert scaled_sigmoid(3.0) == -1.0
    assert scaled_sigmoid(10.0) == -1.0


def test_probation_length() -> None:
    assert probation_length(100) == 15
    assert probation_length(4032) == 604
    assert probation_length(22695) == 750
    assert probation_length(6) == 0


def test_profiles_are_nabs() -> None:
    assert [(p.name, p.tp, p.fp, p.fn) for p in PROFILES] == [
        ("standard", 1.0, 0.11, 1.0),
        ("reward_low_FP_rate", 1.0, 0.22, 1.0),
        ("reward_low_FN_rate", 1.0, 0.11, 2.0),
    ]


def test_hand_computed_file() -> None:
    # 40 rows, probation = 6 rows; one window over rows 20..29 (width 10).
    t = ts(40)
    windows = [(t[20], t[29])]
    scores = [0.0] * 40
    scores[2] = 0.9  # inside probation: ignored
    scores[10] = 0.8  # false positive before any window: -0.11
    scores[23] = 0.7  # in the window at position -(29-23+1)/10 = -0.7
    scores[25] = 0.9  # later in the same window: no extra credit
    scores[31] = 0.6  # two rows after the window: position |29-31| / 9
    fw = row_weights(t, scores, windows, STANDARD)
    assert len(fw.scores) == 34 and fw.n_windows == 1
    tp_early = sig(-0.7) / sig(-1.0)  # 0.9467
    tp_late = sig(-(29 - 25 + 1) / 10) / sig(-1.0)  # 0.8598
    fp_after = 0.11 * sig(2 / 9)  # -0.0554: cheaper than a far-away FP
    # Threshold 0.6 keeps rows 10, 23, 25, 31 (row 2 is in probation); the window counts once.
    at_06 = file_score(fw, STANDARD, 0.6, "f")
    assert at_06.score == pytest.approx(-0.11 + tp_early + fp_after)
    assert (at_06.detected, at_06.false_positives) == (1, 2)
    assert file_score(fw, STANDARD, 0.7, "f").score == pytest.approx(-0.11 + tp_early)
    # the best cut is 0.9: only the late detection, no false positive
    res = best_threshold([fw], STANDARD, n_label_windows=1)
    assert res.threshold == pytest.approx(0.9)
    assert res.score == pytest.approx(tp_late)
    assert res.null_score == -1.0 and res.perfect_score == 1.0
    assert res.normalized == pytest.approx(100 * (tp_late + 1.0) / 2.0)


def test_threshold_sweep_picks_the_best_cut() -> None:
    # a high-scoring false positive far before the window, then a lower true positive
    t = ts(100)
    windows = [(t[60], t[69])]
    scores = [0.0] * 100
    scores[30] = 0.95
    scores[60] = 0.5
    fw = row_weights(t, scores, windows, STANDARD)
    res = best_threshold([fw], STANDARD, 1)
    # including the FP costs 0.11 but detecting the window (at its first row) gains 2
    assert res.threshold == 0.5
    assert res.score == pytest.approx(1.0 - 0.11)
    # with a 10x costlier FP nothing changes; with a 20x one, detecting is no longer worth it
    heavy = Profile("heavy", 1.0, 2.5, 1.0)
    res2 = best_threshold([row_weights(t, scores, windows, heavy)], heavy, 1)
    assert math.isinf(res2.threshold) and res2.score == -1.0


def test_missed_window_costs_fn_weight() -> None:
    t = ts(100)
    windows = [(t[60], t[69])]
    fw = row_weights(t, [0.0] * 100, windows, PROFILES[2])
    res = best_threshold([fw], PROFILES[2], 1)
    assert res.score == -2.0 and res.normalized == 0.0


def test_corpus_threshold_is_shared_across_files() -> None:
    t = ts(100)
    w = {"a.csv": [(t[60], t[69])], "b.csv": [(t[60], t[69])]}
    # file a: detection at 0.9; file b: detection only at 0.3 with a FP at 0.5 before it
    a = [0.0] * 100
    a[60] = 0.9
    b = [0.0] * 100
    b[30] = 0.5
    b[65] = 0.3
    out = score_corpus({"a.csv": (t, a), "b.csv": (t, b)}, w, [STANDARD])[0]
    tp_b = sig(-(69 - 65 + 1) / 10) / sig(-1.0)
    assert out.sweep.threshold == 0.3
    assert out.sweep.score == pytest.approx(1.0 + tp_b - 0.11)
    assert [f.detected for f in out.files] == [1, 1]
    assert out.files[1].false_positives == 1


def test_missing_results_is_an_error() -> None:
    t = ts(10)
    with pytest.raises(CorpusError, match=r"b\.csv"):
        score_corpus({"a.csv": (t, [0.0] * 10)}, {"a.csv": [], "b.csv": []})


def test_length_mismatch_is_an_error() -> None:
    with pytest.raises(CorpusError, match="timestamps"):
        row_weights(ts(10), [0.0] * 9, [], STANDARD)
