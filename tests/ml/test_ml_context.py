"""The context memory behind the default detector's novelty: facts, widening of levels, state."""

from __future__ import annotations

import json
import random

import pytest

from tocsin.ml.context import ContextMemory
from tocsin.ml.detectors import make_detector, restore_detector
from tocsin.ml.state import decode, dumps, encode, loads


def test_a_repeated_context_is_not_new() -> None:
    mem = ContextMemory(bins=4, grow=0.0)
    mem.start([0.0, 1.0, 2.0, 3.0, 4.0])
    cycle = [0.5, 1.5, 2.5, 3.5] * 8
    for v in cycle:
        mem.learn(v)
    assert all(mem.learn(v) == 0.0 for v in cycle)
    assert mem.learn(9.0) == 1.0  # a level never visited: every fact is new


def test_widening_keeps_what_was_learned() -> None:
    # learn a pattern, widen the levels, replay it: the facts were mapped, nothing looks new
    rng = random.Random(3)
    mem = ContextMemory(bins=6, grow=3.0)
    warm = [rng.uniform(0.0, 6.0) for _ in range(50)]
    mem.start(warm)
    pattern = [float(v % 6) + 0.5 for v in range(200)]
    for v in pattern:
        mem.learn(v)
    bw = mem.bw
    mem.learn(60.0)  # range grows to 60 > 3 x 6 levels of width 1: the width doubles (twice or more)
    assert mem.bw >= 4 * bw
    assert mem.vhi - mem.vlo <= mem.grow * mem.bins * mem.bw
    # on the wider levels, the old pattern maps onto contexts that are all known already, except
    # those that reach back to the 60 (still in the 16-point history)
    for v in pattern[:40]:
        mem.learn(v)
    assert all(mem.learn(v) == 0.0 for v in pattern[40:80])


def test_widening_is_the_same_as_learning_on_wide_levels() -> None:
    # facts mapped by floor(b / 2) equal those learned directly on the doubled width (exactly for the
    # facts made of levels and of the min/max of levels; the rounded means may differ by one level)
    rng = random.Random(5)
    xs = [rng.uniform(0.0, 8.0) for _ in range(300)]
    fine = ContextMemory(bins=8, grow=0.0)
    fine.start([0.0, 8.0])
    wide = ContextMemory(bins=4, grow=0.0)
    wide.start([0.0, 8.0])
    for v in xs:
        fine.learn(v)
        wide.learn(v)
    fine._coarsen()
    assert fine.bw == wide.bw and list(fine.hist) == list(wide.hist)
    exact = (0, 1, 2, 3, 4, 7)
    assert {f for f in fine.seen if f & 7 in exact} == {f for f in wide.seen if f & 7 in exact}


def test_memory_is_bounded() -> None:
    mem = ContextMemory(bins=6, grow=0.0, cap=500)
    mem.start([0.0, 1.0])
    rng = random.Random(1)
    for _ in range(5000):
        mem.learn(rng.uniform(-1000.0, 1000.0))
    assert len(mem.seen) <= 500


def test_state_codec_round_trip() -> None:
    mem = ContextMemory()
    mem.start([1.0, 2.0, 3.0])
    for v in (1.5, 2.5, 40.0, 2.0):
        mem.learn(v)
    text = json.dumps(encode(mem))
    back = decode(json.loads(text))
    assert isinstance(back, ContextMemory)
    assert back.seen == mem.seen and list(back.hist) == list(mem.hist) and back.bw == mem.bw
    assert back.learn(7.0) == mem.learn(7.0)


def test_detector_resumes_exactly_across_a_widening() -> None:
    # the range keeps growing after the restart point, so the restored memory is widened again
    rng = random.Random(11)
    xs = [rng.gauss(0.0, 1.0) * (1.0 + i / 500.0) for i in range(3000)]
    full = make_detector("tocsin").update_many(xs)
    first = make_detector("tocsin")
    first.update_many(xs[:1000])
    resumed = restore_detector(loads(dumps(first.get_state())))
    assert resumed.update_many(xs[1000:]) == full[1000:]


def test_bad_parameters() -> None:
    with pytest.raises(ValueError, match="bins"):
        ContextMemory(bins=0)
    with pytest.raises(ValueError, match="grow"):
        ContextMemory(grow=0.5)


def test_one_glitch_does_not_blind_the_detector() -> None:
    # a single absurd value (and a short burst of them) is reported, but the levels are not widened
    # for it, so a later 6-sigma level shift is still new to the context memory
    for width in (1, 3):
        rng = random.Random(1)
        xs = [rng.gauss(0.0, 1.0) for _ in range(6000)]
        for k in range(width):
            xs[1000 + k] = 1000.0
        for i in range(4000, 4300):
            xs[i] += 6.0
        scores = make_detector("tocsin").update_many(xs)
        assert scores[1000] > 0.5
        assert max(scores[4000:4050]) > 0.5
        # without the trim the glitch widens the levels and the shift goes unseen
        blind = make_detector("tocsin", ctx_trim=0).update_many(xs)
        assert max(blind[4000:4050]) < 0.2
