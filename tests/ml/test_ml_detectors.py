"""Streaming detectors on synthetic series with known spikes, level shifts, drifts and seasonality."""

from __future__ import annotations

import json
import math
import random

import pytest
from tests.ml.ml_synth import noise, seasonal, timestamps

from tocsin.ml.base import DetectorStateError, score_to_pvalue, z_to_score
from tocsin.ml.detectors import DETECTORS, make_detector, restore_detector
from tocsin.ml.ensemble import EnsembleDetector
from tocsin.ml.state import dumps, loads

ALL = sorted(DETECTORS)


def run(name: str, values: list[float], ts: list[float] | None = None) -> list[float]:
    return make_detector(name).update_many(values, ts)


def top_index(scores: list[float]) -> int:
    return max(range(len(scores)), key=lambda i: scores[i])


def test_calibration_is_monotone_and_bounded() -> None:
    zs = [0.0, 1.0, 3.0, 5.0, 6.99, 7.0, 7.01, 20.0, 1e3, 1e6]
    scores = [z_to_score(z) for z in zs]
    assert scores == sorted(scores) and all(0.0 <= s < 1.0 for s in scores)
    assert len(set(scores)) == len(scores)  # no saturation, the far tail stays ordered
    # 0.5 is a one-in-a-million event
    assert score_to_pvalue(0.5) == pytest.approx(1e-6)
    assert z_to_score(4.891638) == pytest.approx(0.5, abs=1e-4)


@pytest.mark.parametrize("name", ALL)
def test_spike_is_the_top_score(name: str) -> None:
    xs = noise(1500, seed=1)
    xs[1200] += 12.0
    scores = run(name, xs)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert top_index(scores) == 1200
    assert scores[1200] > 0.5
    # calm elsewhere after warm-up (the seasonal naive baseline also flags the step back down)
    others = scores[100:1200] + scores[1202 if name == "seasonal" else 1201 :]
    assert max(others) < scores[1200] - 0.1


@pytest.mark.parametrize("name", ["tocsin", "robust_z", "ewma"])
def test_level_shift_is_detected_at_its_start(name: str) -> None:
    xs = noise(1500, seed=2)
    for i in range(1000, 1500):
        xs[i] += 8.0
    scores = run(name, xs)
    first = next(i for i, s in enumerate(scores) if i > 100 and s > max(scores[:1000]))
    assert 1000 <= first <= 1003


def test_drift_is_detected_before_it_is_large() -> None:
    xs = noise(2000, seed=3)
    for i in range(1200, 2000):
        xs[i] += 0.05 * (i - 1200)  # 1 sigma every 20 points
    scores = run("tocsin", xs)
    # the drift is the strongest signal of the series, and it is flagged within 4 sigma of drift
    before = max(scores[:1200])
    first = next(i for i, s in enumerate(scores) if i >= 1200 and s > before)
    assert 1200 < first < 1280
    # the statistical components alone stay quiet on the noise (calibrated: 0.3 ~ p of 1e-3)
    stat = make_detector("tocsin", ctx=False).update_many(xs)
    assert max(stat[100:1200]) < 0.3 <= max(stat[1200:1300])


def test_seasonal_pattern_break_inside_the_normal_range() -> None:
    # a daily sine sampled every 5 minutes; one day the pattern goes flat at its mean, which is a
    # perfectly ordinary value for the level component, so only the seasonal component can see it
    n = 288 * 8
    xs = seasonal(n, period=288, amp=10.0, sd=0.3, seed=4)
    ts = timestamps(n)
    for i in range(288 * 6 + 60, 288 * 6 + 160):
        xs[i] = 50.0 + (xs[i] - 50.0) * 0.05
    det = make_detector("tocsin")
    scores = det.update_many(xs, ts)
    assert det.period == 288
    first = next(i for i, s in enumerate(scores) if i > 288 * 4 and s >= 0.3)
    assert 288 * 6 + 60 <= first <= 288 * 6 + 90
    assert max(scores[288 * 4 : 288 * 6 + 60]) < 0.3


def test_seasonal_series_without_anomaly_stays_quiet() -> None:
    n = 288 * 8
    scores = run("tocsin", seasonal(n, period=288, amp=10.0, sd=0.5, seed=5), timestamps(n))
    # Gaussian noise alone reaches |z| ~ 4 in a few thousand points (score ~0.4); nothing beyond that
    assert max(scores[288 * 4 :]) < 0.45


@pytest.mark.parametrize("name", ALL)
def test_update_many_equals_point_by_point(name: str) -> None:
    xs = seasonal(1500, period=96, seed=6)
    xs[700] += 30
    ts = timestamps(1500)
    det = make_detector(name)
    one = [det.update(x, t) for x, t in zip(xs, ts, strict=True)]
    assert make_detector(name).update_many(xs, ts) == one


@pytest.mark.parametrize("name", ALL)
def test_no_look_ahead(name: str) -> None:
    xs = seasonal(1200, period=96, seed=7)
    base = run(name, xs)
    altered = xs[:800] + [x * 5 + 100 for x in xs[800:]]
    again = run(name, altered)
    assert again[:800] == base[:800]
    assert again[800:] != base[800:]  # the alteration is visible, so the test can fail


@pytest.mark.parametrize("name", ALL)
def test_state_round_trip_resumes_exactly(name: str) -> None:
    xs = seasonal(2500, period=96, seed=8)
    xs[2100] -= 25
    ts = timestamps(2500)
    full = make_detector(name)
    expected = full.update_many(xs, ts)
    first = make_detector(name)
    first.update_many(xs[:1300], ts[:1300])
    text = dumps(first.get_state())
    json.loads(text)  # plain JSON
    resumed = restore_detector(loads(text))
    assert type(resumed) is type(first)
    assert resumed.update_many(xs[1300:], ts[1300:]) == expected[1300:]


def test_state_for_another_detector_is_rejected() -> None:
    state = make_detector("ewma").get_state()
    with pytest.raises(DetectorStateError, match="ewma"):
        DETECTORS["tocsin"].from_state(state)
    state["version"] = 99
    with pytest.raises(DetectorStateError, match="version"):
        restore_detector(state)
    with pytest.raises(DetectorStateError, match="unknown"):
        restore_detector({"detector": "nope"})


@pytest.mark.parametrize("name", ALL)
def test_explanation_and_bands(name: str) -> None:
    xs = noise(800, seed=9)
    det = make_detector(name)
    det.update_many(xs)
    lo, hi = det.bands()
    assert lo < 50.0 < hi
    s = det.update(80.0)
    e = det.explain()
    assert e.score == s > 0.5
    assert e.observed == 80.0 and e.upper < 80.0
    assert e.lower < e.expected < e.upper
    assert e.component and "above the band" in e.text()
    assert set(e.as_dict()) >= {"score", "observed", "expected", "lower", "upper", "component", "detail"}


def test_warm_up_scores_zero_and_says_so() -> None:
    det = make_detector("tocsin")
    assert det.update_many([1.0, 100.0, -50.0]) == [0.0, 0.0, 0.0]
    assert det.explain().warming_up


def test_nan_and_inf_are_ignored() -> None:
    xs = noise(300, seed=10)
    det = make_detector("tocsin")
    a = det.update_many(xs[:200])
    assert det.update(math.nan) == 0.0 and det.update(math.inf) == 0.0
    b = det.update_many(xs[200:])
    assert a + b == make_detector("tocsin").update_many(xs)


def test_flat_series_then_small_step() -> None:
    xs = [5.0] * 500 + [5.5] * 10
    scores = run("tocsin", xs)
    assert max(scores[:500]) == 0.0
    assert scores[500] > 0.5


def test_bad_parameters_are_named() -> None:
    with pytest.raises(ValueError, match="window"):
        make_detector("tocsin", window=3)
    with pytest.raises(ValueError, match="learning_period must be >= 1, got 0"):
        make_detector("tocsin", learning_period=0)
    with pytest.raises(ValueError, match="period_multiples: unknown key 'holdd'"):
        make_detector("tocsin", learning_period=100, period_multiples={"holdd": 2.0})
    with pytest.raises(ValueError, match=r"period_multiples\['hold'\] must be a number >= 0, got -1"):
        make_detector("tocsin", period_multiples={"hold": -1})
    with pytest.raises(ValueError, match="unknown detector 'nope'"):
        make_detector("nope")
    with pytest.raises(TypeError):
        make_detector("ewma", bogus=1)


def test_log_transform_explains_in_original_units_and_round_trips() -> None:
    import random

    rng = random.Random(14)
    xs = [rng.expovariate(1 / 20.0) for _ in range(1500)]
    xs[1300] = 2000.0
    det = make_detector("tocsin", transform="log", ctx=False)
    scores = det.update_many(xs[:1301])
    assert top_index(scores) == 1300
    e = det.explain()
    assert e.observed == pytest.approx(2000.0)
    assert e.lower < e.expected < e.upper < 2000.0
    assert "log scale" in e.detail
    resumed = restore_detector(loads(dumps(det.get_state())))
    assert resumed.update_many(xs[1301:]) == det.update_many(xs[1301:])
    with pytest.raises(ValueError, match="transform"):
        make_detector("tocsin", transform="sqrt")


@pytest.mark.parametrize("name", ["robust_z", "ewma"])
def test_band_edge_scores_one_half(name: str) -> None:
    # the band a point is judged against depends only on the history before it: a twin detector
    # fed the band's upper edge instead of the point scores exactly BAND_SCORE
    a, b = make_detector(name), make_detector(name)
    history = noise(600, seed=17)
    a.update_many(history)
    b.update_many(history)
    a.update(50.3)
    _, upper = a.bands()
    assert b.update(upper) == pytest.approx(0.5, abs=1e-6)


def test_context_novelty_fires_on_a_never_seen_pattern_only() -> None:
    # a square wave between two levels, then it stalls half-way for a while: every value stays
    # inside the usual range (the level component sees nothing), but that level was never visited
    xs: list[float] = []
    for i in range(3000):
        phase = (i // 10) % 2
        xs.append(10.0 if phase else 0.0)
    for i in range(2500, 2520):
        xs[i] = 5.0
    det = make_detector("tocsin")
    scores = det.update_many([x + 0.01 * ((i * 7919) % 13) for i, x in enumerate(xs)])
    assert max(scores[600:2500]) < 0.2
    top = top_index(scores)
    assert 2500 <= top <= 2505 and scores[top] > 0.5
    det2 = make_detector("tocsin")
    det2.update_many(xs[:top + 1])
    assert det2.explain().component == "context novelty"


def _bursty(n: int, seed: int) -> list[float]:
    """Counts that burst to a new shape every ~150 points (like Twitter mention volumes)."""
    rng = random.Random(seed)
    xs = [5.0 + rng.random() for _ in range(n)]
    for start in range(300, n - 20, 150):
        height = rng.choice((20.0, 35.0, 50.0, 65.0, 80.0))
        for k in range(rng.randint(2, 12)):
            xs[start + k] = height * rng.uniform(0.4, 1.0)
    return xs


def test_rarity_ranks_without_changing_which_points_are_emitted() -> None:
    xs = _bursty(3000, seed=11)
    ranked = make_detector("tocsin").update_many(xs)
    plain = make_detector("tocsin", rarity_exp=0.0).update_many(xs)
    assert [s > 0.0 for s in ranked] == [s > 0.0 for s in plain]
    assert sum(s > 0.0 for s in ranked) >= 3  # the series does emit, so the comparison can fail
    assert all(r <= p for r, p in zip(ranked, plain, strict=True))
    assert any(r < p for r, p in zip(ranked, plain, strict=True))


def test_rarity_ranks_a_calm_series_first_novelty_above_a_bursty_series_next_one() -> None:
    # the same never-seen excursion at the end of a calm series and of a series that keeps bursting
    tail = [5.5] * 5 + [140.0, 150.0, 145.0] + [5.5] * 5
    calm = noise(3000, seed=12, sd=0.3, base=5.5)
    bursty = _bursty(3000, seed=12)
    det_calm, det_bursty = make_detector("tocsin"), make_detector("tocsin")
    s_calm = max(det_calm.update_many(calm + tail)[3000:])
    s_bursty = max(det_bursty.update_many(bursty + tail)[3000:])
    assert s_calm > 0.0 and s_bursty > 0.0
    assert s_calm > s_bursty


def test_version_1_state_is_upgraded_and_keeps_scoring_as_before() -> None:
    xs = seasonal(2500, period=96, seed=9)
    xs[2100] += 25
    old = make_detector("tocsin", rarity_exp=0.0)
    expected = old.update_many(xs)
    first = make_detector("tocsin", rarity_exp=0.0)
    first.update_many(xs[:1300])
    state = first.get_state()
    data = loads(dumps(state))
    data["version"] = 1
    for key in ("rarity_exp", "new_counts"):
        del data["data"]["__dict__"][key]  # what a version-1 detector saved
    resumed = restore_detector(data)
    assert resumed.update_many(xs[1300:]) == expected[1300:]
    assert resumed.get_state()["version"] == 2


def test_learning_period_scales_the_time_constants_and_explicit_ones_win() -> None:
    fixed = EnsembleDetector()
    assert (fixed.hold, fixed.refractory, fixed.ctx_ramp) == (1200, 100, 300)
    scaled = EnsembleDetector(learning_period=600)
    assert (scaled.hold, scaled.refractory, scaled.ctx_ramp) == (1500, 100, 300)
    short = EnsembleDetector(learning_period=168, hold=50)
    # an explicit parameter wins; the others follow the period (ctx_warmup never below warm-up)
    assert (short.hold, short.refractory, short.ctx_ramp) == (50, 28, 84)
    assert short.ctx_warmup == 64
    assert EnsembleDetector(learning_period=600, period_multiples={"hold": 4}).hold == 2400


def test_a_shorter_learning_period_lets_a_second_incident_count_sooner() -> None:
    """The same spike value twice, 600 points apart: the repeat is partly familiar, so with the fixed
    constants it is held back by the first (hold 1,200 points); for a series watched for 150 points
    (hold 375) it counts again."""
    xs = noise(2000, seed=21)
    xs[900] += 12.0
    xs[1500] = xs[900]
    fixed = run("tocsin", xs)
    short = make_detector("tocsin", learning_period=150).update_many(xs)
    assert fixed[900] > 0.5 and short[900] > 0.5
    assert fixed[1500] == 0.0
    assert short[1500] > 0.5
