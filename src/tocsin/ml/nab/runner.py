"""Run a detector over NAB data files, one fresh detector per file, points strictly in file order.

Like NAB's own harness, the runner tells a detector that takes one (`Detector.takes_learning_period`)
the file's probationary period, min(15% of rows, 750): a count derived from the file's length, never
from its values, so a score still depends only on the points before it. `probation_hint=False` runs
the detector with its fixed time constants instead.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tocsin.ml.detectors import DETECTORS, make_detector
from tocsin.ml.nab.corpus import CorpusError, Series, iter_data_files, read_series, results_file_name
from tocsin.ml.nab.scoring import probation_length


@dataclass(frozen=True)
class RunTask:
    relative: str
    data_path: str
    out_path: str
    detector: str
    params: tuple[tuple[str, Any], ...] = ()
    probation_hint: bool = True


def detect_series(
    series: Series, detector: str, params: Mapping[str, Any] | None = None, probation_hint: bool = True,
) -> list[float]:
    """Scores for one series; the detector sees each point once, in order, and never the labels."""
    kwargs = dict(params or {})
    cls = DETECTORS.get(detector)
    if probation_hint and cls is not None and cls.takes_learning_period:
        kwargs.setdefault("learning_period", probation_length(len(series.values)))
    det = make_detector(detector, **kwargs)
    return det.update_many(series.values, series.epoch_seconds())


def write_results(path: Path, series: Series, scores: list[float]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["timestamp", "value", "anomaly_score"])
        for t, v, s in zip(series.timestamps, series.values, scores, strict=True):
            w.writerow([t.strftime("%Y-%m-%d %H:%M:%S"), repr(v), repr(s)])
    os.replace(tmp, path)


def _run_task(task: RunTask) -> tuple[str, int]:
    # Keep each worker to one BLAS thread: the machine is shared and the work is per-point Python.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    series = read_series(Path(task.data_path), task.relative)
    scores = detect_series(series, task.detector, dict(task.params), task.probation_hint)
    write_results(Path(task.out_path), series, scores)
    return task.relative, len(scores)


def plan(
    data_dir: Path, out_dir: Path, detector: str, params: Mapping[str, Any] | None = None,
    only: Iterable[str] | None = None, probation_hint: bool = True,
) -> list[RunTask]:
    wanted = set(only) if only is not None else None
    tasks = []
    for rel, path in iter_data_files(data_dir):
        if wanted is not None and rel not in wanted:
            continue
        out = out_dir / detector / results_file_name(detector, rel)
        tasks.append(RunTask(rel, str(path), str(out), detector, tuple(sorted((params or {}).items())),
                             probation_hint))
    if not tasks:
        raise CorpusError(f"{data_dir}: no data files to run")
    return tasks


def run_corpus(
    tasks: list[RunTask], workers: int = 2, on_done: Callable[[str, int], None] | None = None,
) -> None:
    """Run tasks in `workers` processes (largest files first so the tail is short)."""
    order = sorted(tasks, key=lambda t: -os.path.getsize(t.data_path))
    if workers <= 1:
        for t in order:
            rel, n = _run_task(t)
            if on_done:
                on_done(rel, n)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_run_task, t) for t in order]
        for fut in as_completed(futures):
            rel, n = fut.result()
            if on_done:
                on_done(rel, n)


def read_results(results_dir: Path, detector: str | None = None) -> dict[str, tuple[list[datetime], list[float]]]:
    """Load `<category>/<detector>_<name>.csv` results back into data-relative names."""
    out: dict[str, tuple[list[datetime], list[float]]] = {}
    for rel, path in iter_data_files(results_dir):
        folder, _, base = rel.rpartition("/")
        if detector is not None:
            prefix = f"{detector}_"
            if not base.startswith(prefix):
                continue
            base = base[len(prefix) :]
        else:
            base = base.split("_", 1)[1] if "_" in base else base
        s = read_series(path, rel, value_column="anomaly_score")
        for i, v in enumerate(s.values):
            if not 0.0 <= v <= 1.0:
                raise CorpusError(f"{path}:{i + 2}: anomaly_score {v!r} is outside [0, 1]")
        out[f"{folder}/{base}" if folder else base] = (s.timestamps, s.values)
    return out
