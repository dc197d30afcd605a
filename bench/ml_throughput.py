"""Points per second (one core) and memory per monitored series for each tocsin.ml detector.

Throughput: a 100,000-point series built from NAB's machine_temperature file (repeated), fed with
timestamps, once through `update` per point and once through `update_many`; best of 3 runs.
Memory: tracemalloc size of one detector after 20,000 points (steady state: every window full), and the
size of its saved JSON state. Usage:

    nice -n 10 .venv/bin/python bench/ml_throughput.py
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from pathlib import Path

from tocsin.ml.detectors import DEFAULT_DETECTOR, DETECTORS, make_detector
from tocsin.ml.nab.corpus import read_series
from tocsin.ml.state import dumps

HERE = Path(__file__).resolve().parent
SRC = HERE.parent.parent / "shared" / "nab" / "data" / "realKnownCause" / "machine_temperature_system_failure.csv"
N = 100_000


def series() -> tuple[list[float], list[float]]:
    s = read_series(SRC)
    vals: list[float] = []
    ts: list[float] = []
    base = s.epoch_seconds()
    span = base[-1] - base[0] + 300.0
    k = 0
    while len(vals) < N:
        vals.extend(s.values)
        ts.extend(t + k * span for t in base)
        k += 1
    return vals[:N], ts[:N]


def rate(name: str, vals: list[float], ts: list[float], batch: bool) -> float:
    best = 0.0
    for _ in range(3):
        det = make_detector(name)
        gc.collect()
        t0 = time.perf_counter()
        if batch:
            det.update_many(vals, ts)
        else:
            upd = det.update
            for v, t in zip(vals, ts, strict=True):
                upd(v, t)
        best = max(best, len(vals) / (time.perf_counter() - t0))
    return best


def memory(name: str, vals: list[float], ts: list[float]) -> tuple[int, int]:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    det = make_detector(name)
    det.update_many(vals[:20_000], ts[:20_000])
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return after - before, len(dumps(det.get_state()))


def main() -> None:
    vals, ts = series()
    names = [DEFAULT_DETECTOR, *sorted(set(DETECTORS) - {DEFAULT_DETECTOR})]
    print(f"{N} points, one process\n")
    print("| detector | points/s (update) | points/s (update_many) | memory per series | saved state |")
    print("|---|---:|---:|---:|---:|")
    for name in names:
        one = rate(name, vals, ts, batch=False)
        many = rate(name, vals, ts, batch=True)
        mem, state = memory(name, vals, ts)
        print(f"| {name} | {one:,.0f} | {many:,.0f} | {mem / 1024:,.0f} KiB | {state / 1024:,.0f} KiB |")


if __name__ == "__main__":
    main()
