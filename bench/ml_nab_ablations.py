"""NAB scores of the default detector with one setting changed at a time, and a neighbourhood summary.

The default runs as `tocsin ml nab` does, with each file's probationary period P as the detector's
learning period; rows marked "fixed" run without it (`--no-probation-hint`).

Every row runs the whole corpus (fresh detector per file, points in order, 2 worker processes) with the
given `--params` changes to the default `tocsin` detector and scores it with NAB's rules, as
`tocsin ml nab` + `tocsin ml nab-score` do. The neighbourhood summary runs nine configurations around a
base (level count, warm-up length and hold each moved, alone and together) and prints their mean and
minimum, which says more about robustness than the single default figure. Usage:

    nice -n 10 .venv/bin/python bench/ml_nab_ablations.py [--data DIR] [--labels FILE] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from tocsin.ml.nab.corpus import Windows, read_windows
from tocsin.ml.nab.runner import plan, read_results, run_corpus
from tocsin.ml.nab.scoring import score_corpus

HERE = Path(__file__).resolve().parent
NAB = HERE.parent.parent / "shared" / "nab"
# pseudo-parameter: False runs without the probation hint (`tocsin ml nab --no-probation-hint`)
HINT = "probation_hint"

SESSION1_DEFAULT: dict[str, Any] = {"ctx_grow": 0, "stat_weight": 0.6, "tie_weight": 0.01, "rarity_exp": 0.0,
                                     HINT: False}
# the session-3 default: fixed time constants (no learning period), levels widened at 3x
FIXED: dict[str, Any] = {HINT: False, "ctx_grow": 3}


def mult(**kw: float) -> dict[str, Any]:
    """Time constants as other multiples of the learning period."""
    return {"period_multiples": kw}


ABLATIONS: list[tuple[str, dict[str, Any]]] = [
    ("none (default: time constants scaled to NAB's probationary period P)", {}),
    ("no probation hint: fixed time constants (`--no-probation-hint`)", {HINT: False}),
    ("the session-3 default (fixed time constants, widening at 3x)", FIXED),
    ("hold 2 P / 3 P (default 2.5 P)", mult(hold=2.0)),
    ("", mult(hold=3.0)),
    ("hold 4 P", mult(hold=4.0)),
    ("refractory P / 8 / P / 5 (default P / 6)", mult(refractory=0.125)),
    ("", mult(refractory=0.2)),
    ("context warm-up P / 5 / P / 3 (default P / 4)", mult(ctx_warmup=0.2)),
    ("", mult(ctx_warmup=1 / 3)),
    ("context ramp P / 3 / P (default P / 2)", mult(ctx_ramp=1 / 3)),
    ("", mult(ctx_ramp=1.0)),
    ("no rarity ranking of emitted scores (`rarity_exp=0`, default 0.25)", {"rarity_exp": 0.0}),
    ("rarity exponent 0.125 / 0.5 / 1 (`rarity_exp`)", {"rarity_exp": 0.125}),
    ("", {"rarity_exp": 0.5}),
    ("", {"rarity_exp": 1.0}),
    ("session-1 default (fixed levels, statistics 0.6, tie-break 0.01, no rarity, fixed time constants)",
     SESSION1_DEFAULT),
    ("fixed levels (`ctx_grow=0`)", {"ctx_grow": 0}),
    ("widen for the full range seen, extremes included (`ctx_trim=0`, default 2)", {"ctx_trim": 0}),
    ("widen at 1.75x / 2x / 2.5x / 3x (`ctx_grow`, default 2.25; 3 until session 4)", {"ctx_grow": 1.75}),
    ("", {"ctx_grow": 2}),
    ("", {"ctx_grow": 2.5}),
    ("", {"ctx_grow": 3}),
    ("statistics back in (`stat_weight=0.6`)", {"stat_weight": 0.6}),
    ("statistics back in with the tie-break (`stat_weight=0.6, tie_weight=0.01`)",
     {"stat_weight": 0.6, "tie_weight": 0.01}),
    ("5 / 8 levels (`ctx_bins`, default 6)", {"ctx_bins": 5}),
    ("", {"ctx_bins": 8}),
    ("no novelty hold (`hold=1`)", {"hold": 1}),
    ("no refractory period (`refractory=0`)", {"refractory": 0}),
    ("log transform of skewed non-negative series (`transform=auto`)", {"transform": "auto"}),
    ("no context novelty (`ctx=False`, statistics only)", {"ctx": False}),
]

# Nine configurations around a base: level count, context warm-up and hold each moved, alone and together.
NEIGHBOURHOOD: list[dict[str, Any]] = [
    {}, {"ctx_bins": 5}, {"ctx_bins": 8}, mult(ctx_warmup=0.2), mult(ctx_warmup=1 / 3),
    {"ctx_bins": 5, **mult(ctx_warmup=1 / 3)}, {"ctx_bins": 8, **mult(ctx_warmup=0.2)}, mult(hold=2.0),
    mult(hold=3.0),
]
# The same moves in points, for bases with fixed time constants.
NEIGHBOURHOOD_FIXED: list[dict[str, Any]] = [
    {}, {"ctx_bins": 5}, {"ctx_bins": 8}, {"ctx_warmup": 100}, {"ctx_warmup": 300},
    {"ctx_bins": 5, "ctx_warmup": 300}, {"ctx_bins": 8, "ctx_warmup": 100}, {"hold": 800}, {"hold": 1600},
]


def nab(data: Path, windows: Windows, out: Path, params: dict[str, Any], workers: int) -> list[float]:
    base = out / json.dumps(params, sort_keys=True).replace(" ", "").replace('"', "").replace(":", "=")
    kwargs = {k: v for k, v in params.items() if k != HINT}
    tasks = plan(data, base, "tocsin", kwargs, only=windows.keys(), probation_hint=params.get(HINT, True))
    run_corpus(tasks, workers=workers)
    return [p.sweep.normalized for p in score_corpus(read_results(base / "tocsin", "tocsin"), windows)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=NAB / "data")
    ap.add_argument("--labels", type=Path, default=NAB / "labels" / "combined_windows.json")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-neighbourhood", action="store_true")
    args = ap.parse_args()
    windows = read_windows(args.labels)
    with tempfile.TemporaryDirectory(prefix="tocsin-nab-abl-") as tmp:
        out = Path(tmp)
        print("| change from the default | standard | reward_low_FP_rate | reward_low_FN_rate |")
        print("|---|---:|---:|---:|")
        rows: list[tuple[str, list[list[float]]]] = []
        for label, params in ABLATIONS:
            scores = nab(args.data, windows, out, params, args.workers)
            if label or not rows:
                rows.append((label, [scores]))
            else:  # a second value of the same setting joins the row above as "a / b"
                rows[-1][1].append(scores)
        for label, runs in rows:
            cells = [" / ".join(f"{r[k]:.1f}" for r in runs) for k in range(3)]
            print(f"| {label} | {' | '.join(cells)} |")
        if args.skip_neighbourhood:
            return
        print("\n| base | configurations | mean (std / lowFP / lowFN) | min (std / lowFP / lowFN) |")
        print("|---|---:|---|---|")
        bases: list[tuple[str, dict[str, Any], list[dict[str, Any]]]] = [
            ("default", {}, NEIGHBOURHOOD),
            ("default without rarity ranking", {"rarity_exp": 0.0}, NEIGHBOURHOOD),
            ("fixed time constants (no probation hint)", {HINT: False}, NEIGHBOURHOOD_FIXED),
            ("session-3 default", FIXED, NEIGHBOURHOOD_FIXED),
            ("session-1 default", SESSION1_DEFAULT, NEIGHBOURHOOD_FIXED),
        ]
        for label, base, moves in bases:
            runs = [nab(args.data, windows, out, {**base, **g}, args.workers) for g in moves]
            mean = [sum(r[k] for r in runs) / len(runs) for k in range(3)]
            low = [min(r[k] for r in runs) for k in range(3)]
            print(f"| {label} | {len(runs)} | {' / '.join(f'{x:.1f}' for x in mean)} | "
                  f"{' / '.join(f'{x:.1f}' for x in low)} |")


if __name__ == "__main__":
    main()
