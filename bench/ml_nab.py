"""NAB scores of every tocsin.ml detector on the NAB data in ../shared/nab (or --data/--labels).

Runs each detector through the same runner as `tocsin ml nab` (fresh detector per file, points in
order, 2 worker processes) into a scratch directory, scores it with NAB's rules as `tocsin ml nab-score`
does, and prints a Markdown table. Usage:

    nice -n 10 .venv/bin/python bench/ml_nab.py [--data DIR] [--labels FILE] [--out DIR] [--workers 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tocsin.ml.detectors import DEFAULT_DETECTOR, DETECTORS
from tocsin.ml.nab.corpus import read_windows
from tocsin.ml.nab.runner import plan, read_results, run_corpus
from tocsin.ml.nab.scoring import score_corpus

HERE = Path(__file__).resolve().parent
NAB = HERE.parent.parent / "shared" / "nab"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=NAB / "data")
    ap.add_argument("--labels", type=Path, default=NAB / "labels" / "combined_windows.json")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--detectors", default=",".join([DEFAULT_DETECTOR, *sorted(set(DETECTORS) - {DEFAULT_DETECTOR})]))
    args = ap.parse_args()
    windows = read_windows(args.labels)
    out = args.out or Path(tempfile.mkdtemp(prefix="tocsin-nab-"))
    runs: list[tuple[str, str, dict[str, object]]] = [(n, n, {}) for n in args.detectors.split(",")]
    if DEFAULT_DETECTOR in args.detectors.split(","):
        runs.insert(1, (f"{DEFAULT_DETECTOR} ctx=False", DEFAULT_DETECTOR, {"ctx": False}))
    rows = []
    for label, name, params in runs:
        base = out / label.replace(" ", "_").replace("=", "-")
        tasks = plan(args.data, base, name, params, only=windows.keys())
        t0 = time.perf_counter()
        run_corpus(tasks, workers=args.workers)
        elapsed = time.perf_counter() - t0
        scored = score_corpus(read_results(base / name, name), windows)
        rows.append((label, [p.sweep.normalized for p in scored], [p.sweep.threshold for p in scored], elapsed))
    print(f"{len(windows)} files, {sum(len(w) for w in windows.values())} windows; results in {out}\n")
    print("| detector | standard | reward_low_FP_rate | reward_low_FN_rate | thresholds | run time |")
    print("|---|---:|---:|---:|---|---:|")
    for name, scores, thr, el in rows:
        s = " | ".join(f"{x:.1f}" for x in scores)
        t = " / ".join(f"{x:.4f}" for x in thr)
        print(f"| {name} | {s} | {t} | {el:.1f} s |")


if __name__ == "__main__":
    main()
