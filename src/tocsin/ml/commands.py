"""`tocsin ml ...`: run and score detectors on NAB, backtest forecasters, try a detector on a CSV.

This module only parses flags, shows progress and prints tables; the work lives in the library.
"""

from __future__ import annotations

import json
import math
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tocsin.ml.backtest import ErrorSums, SeriesBacktest, backtest_series
from tocsin.ml.detectors import DEFAULT_DETECTOR, DETECTORS, make_detector, restore_detector
from tocsin.ml.forecast import FORECASTERS, make_forecaster
from tocsin.ml.nab.corpus import CorpusError, iter_data_files, read_series, read_windows
from tocsin.ml.nab.runner import plan, read_results, run_corpus
from tocsin.ml.nab.scoring import score_corpus
from tocsin.ml.state import dumps, loads

ml_app = typer.Typer(no_args_is_help=True, add_completion=False, help="Anomaly detection and forecasting.")
# Wide enough for the backtest table when the output is a file or a pipe (rich assumes 80 columns).
console = Console(width=None if sys.stdout.isatty() else 160)

BACKTEST_CATEGORIES = ("realTraffic", "realAWSCloudwatch", "realKnownCause")


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=False,
    )


def _fail(msg: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {msg}")
    return typer.Exit(code=2)


def _check_detector(name: str) -> None:
    if name not in DETECTORS:
        raise _fail(f"unknown detector {name!r}; known: {', '.join(sorted(DETECTORS))}")


@ml_app.command("nab")
def nab_run(
    data: Annotated[Path, typer.Option(help="NAB data directory (<category>/<name>.csv).")],
    labels: Annotated[Path, typer.Option(help="combined_windows.json: which files to run (labels are not "
                                                "shown to the detector).")],
    out: Annotated[Path, typer.Option(help="Results directory; files go to OUT/<detector>/<category>/.")],
    detector: Annotated[str, typer.Option(help="Detector name.")] = DEFAULT_DETECTOR,
    workers: Annotated[int, typer.Option(min=1, help="Parallel processes (one series each).")] = 2,
    params: Annotated[str, typer.Option(help="Detector parameters as a JSON object.")] = "{}",
    probation_hint: Annotated[bool, typer.Option(
        help="Tell the detector each file's probationary period (min(15% of rows, 750)) as its learning "
             "period, as NAB's harness does; a count from the file's length, never its values. "
             "--no-probation-hint runs it with fixed time constants.")] = True,
) -> None:
    """Run a detector over NAB series, one fresh detector per file, writing NAB-layout result CSVs."""
    _check_detector(detector)
    try:
        kwargs = json.loads(params)
        if not isinstance(kwargs, dict):
            raise ValueError("not an object")
        make_detector(detector, **kwargs)
        names = read_windows(labels).keys()
        tasks = plan(data, out, detector, kwargs, only=names, probation_hint=probation_hint)
    except (CorpusError, ValueError, TypeError) as exc:
        raise _fail(f"--params/--data/--labels: {exc}") from exc
    with _progress() as prog:
        bar = prog.add_task(f"{detector} on {len(tasks)} series", total=len(tasks))
        run_corpus(tasks, workers=workers, on_done=lambda rel, n: prog.advance(bar))
    console.print(f"wrote {len(tasks)} result files under {out / detector}")


@ml_app.command("nab-score")
def nab_score(
    results: Annotated[Path, typer.Option(help="Directory of one detector's results (OUT/<detector>).")],
    data: Annotated[Path, typer.Option(help="NAB data directory, to check results against.")],
    labels: Annotated[Path, typer.Option(help="combined_windows.json")],
    detector: Annotated[str | None, typer.Option(help="Detector name prefix of result files "
                                                        "(default: the results directory name).")] = None,
    per_file: Annotated[bool, typer.Option(help="Also print the standard profile per file.")] = False,
) -> None:
    """Score results with NAB's rules: best corpus-wide threshold per profile, normalised 0..100."""
    name = detector or results.name
    if detector and (results / detector).is_dir():
        results = results / detector  # the --out directory of `tocsin ml nab` was given
    try:
        windows = read_windows(labels)
        res = read_results(results, name)
        lengths = {rel: len(read_series(p).values) for rel, p in iter_data_files(data) if rel in windows}
        for rel, (ts, _) in res.items():
            if rel in lengths and lengths[rel] != len(ts):
                raise CorpusError(f"{rel}: {len(ts)} result rows but {lengths[rel]} data rows")
        scored = score_corpus({k: v for k, v in res.items() if k in windows}, windows)
    except CorpusError as exc:
        raise _fail(str(exc)) from exc
    table = Table(title=f"NAB scores for {name} ({len(windows)} files)")
    for col in ("profile", "score", "threshold", "raw", "null", "perfect"):
        table.add_column(col, justify="right" if col != "profile" else "left")
    for pr in scored:
        sw = pr.sweep
        thr = "none" if math.isinf(sw.threshold) else f"{sw.threshold:.6f}"
        table.add_row(pr.profile.name, f"{sw.normalized:.1f}", thr, f"{sw.score:.2f}",
                      f"{sw.null_score:.1f}", f"{sw.perfect_score:.1f}")
    console.print(table)
    if per_file:
        ft = Table(title="standard profile per file")
        for col in ("file", "score", "windows", "detected", "false positives"):
            ft.add_column(col)
        for f in scored[0].files:
            ft.add_row(f.name, f"{f.score:.3f}", str(f.windows), str(f.detected), str(f.false_positives))
        console.print(ft)


def _median(xs: list[float]) -> float:
    return float(sorted(xs)[len(xs) // 2]) if xs else math.nan


def _backtest_one(args: tuple[str, str, tuple[str, ...], int]) -> SeriesBacktest:
    rel, path, models, origins = args
    return backtest_series(read_series(Path(path), rel), models, origins=origins)


@ml_app.command("backtest")
def backtest(
    data: Annotated[Path, typer.Option(help="NAB data directory.")],
    categories: Annotated[str, typer.Option(help="Comma-separated NAB categories.")] = ",".join(
        BACKTEST_CATEGORIES),
    models: Annotated[str, typer.Option(help="Comma-separated forecasters.")] = ",".join(FORECASTERS),
    origins: Annotated[int, typer.Option(min=1, help="Forecast origins per series.")] = 40,
    workers: Annotated[int, typer.Option(min=1)] = 2,
) -> None:
    """Rolling-origin backtest (1 h and 24 h ahead): MAPE, sMAPE and MASE per forecaster."""
    cats = [c.strip() for c in categories.split(",") if c.strip()]
    mods = tuple(m.strip() for m in models.split(",") if m.strip())
    for m in mods:
        if m not in FORECASTERS:
            raise _fail(f"unknown forecaster {m!r}; known: {', '.join(FORECASTERS)}")
    try:
        files = [(rel, str(p)) for rel, p in iter_data_files(data) if rel.split("/")[0] in cats]
    except CorpusError as exc:
        raise _fail(str(exc)) from exc
    if not files:
        raise _fail(f"no series in categories {cats} under {data}")
    results: list[SeriesBacktest] = []
    with _progress() as prog:
        bar = prog.add_task(f"backtest {len(files)} series", total=len(files))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futs = [pool.submit(_backtest_one, (rel, p, mods, origins)) for rel, p in files]
            for fut in as_completed(futs):
                results.append(fut.result())
                prog.advance(bar)
    totals: dict[tuple[str, str], ErrorSums] = {}
    per_series: dict[tuple[str, str], list[ErrorSums]] = {}
    for r in results:
        for key, e in r.errors.items():
            totals.setdefault(key, ErrorSums()).merge(e)
            if e.n:
                per_series.setdefault(key, []).append(e)
    table = Table(title=f"Rolling-origin backtest on {len(results)} series ({', '.join(cats)}); pooled over "
                        "all forecasts, and the median over series")
    for col in ("model", "horizon", "forecasts", "MAPE %", "sMAPE %", "MASE", "median sMAPE %",
                "median MASE", "series won (MASE)"):
        table.add_column(col, justify="left" if col in ("model", "horizon") else "right")
    for (m, h), e in sorted(totals.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        rows = per_series.get((m, h), [])
        wins = sum(
            1 for r in results
            if r.errors.get((m, h)) and r.errors[(m, h)].n
            and r.errors[(m, h)].mase <= min(r.errors[(o, h)].mase for o in mods if (o, h) in r.errors)
        )
        table.add_row(
            m, h, str(e.n), f"{e.mape:.2f}", f"{e.smape:.2f}", f"{e.mase:.3f}",
            f"{_median([x.smape for x in rows]):.2f}", f"{_median([x.mase for x in rows]):.3f}", str(wins),
        )
    console.print(table)


@ml_app.command("detect")
def detect(
    file: Annotated[Path, typer.Option(help="CSV with timestamp,value columns.")],
    detector: Annotated[str, typer.Option(help="Detector name.")] = DEFAULT_DETECTOR,
    top: Annotated[int, typer.Option(min=1, help="How many of the highest scores to explain.")] = 10,
    state: Annotated[Path | None, typer.Option(help="Resume from / save detector state to this JSON file.")]
    = None,
) -> None:
    """Run a detector over one CSV and explain its strongest detections."""
    _check_detector(detector)
    try:
        series = read_series(file)
    except CorpusError as exc:
        raise _fail(str(exc)) from exc
    det = make_detector(detector)
    if state is not None and state.exists():
        try:
            det = restore_detector(loads(state.read_text()))
        except ValueError as exc:
            raise _fail(f"{state}: {exc}") from exc
    found: list[tuple[float, int, str]] = []
    for i, (v, t) in enumerate(zip(series.values, series.epoch_seconds(), strict=True)):
        s = det.update(v, t)
        if s > 0.0:
            found.append((s, i, det.explain().text()))
    found.sort(reverse=True)
    table = Table(title=f"{detector}: top {min(top, len(found))} of {len(series.values)} points")
    for col in ("timestamp", "score", "explanation"):
        table.add_column(col)
    for s, i, text in found[:top]:
        table.add_row(str(series.timestamps[i]), f"{s:.3f}", text)
    console.print(table)
    if state is not None:
        state.write_text(dumps(det.get_state()))
        console.print(f"state saved to {state}")


@ml_app.command("forecast")
def forecast_cmd(
    file: Annotated[Path, typer.Option(help="CSV with timestamp,value columns.")],
    horizon: Annotated[int, typer.Option(min=1, help="Steps ahead.")] = 12,
    model: Annotated[str, typer.Option(help="Forecaster.")] = "holt_winters",
    threshold: Annotated[float | None, typer.Option(help="Also give P(crossing this value).")] = None,
    below: Annotated[bool, typer.Option(help="Crossing means going below the threshold.")] = False,
) -> None:
    """Forecast the next steps of one CSV with 95% intervals, and optionally a crossing probability."""
    if model not in FORECASTERS:
        raise _fail(f"unknown forecaster {model!r}; known: {', '.join(FORECASTERS)}")
    try:
        series = read_series(file)
    except CorpusError as exc:
        raise _fail(str(exc)) from exc
    f = make_forecaster(model)
    f.update_many(series.values, series.epoch_seconds())
    fc = f.forecast(horizon)
    table = Table(title=f"{fc.model}: next {horizon} steps")
    for col in ("step", "mean", "lower 95%", "upper 95%"):
        table.add_column(col, justify="right")
    for i in range(horizon):
        table.add_row(str(i + 1), f"{fc.mean[i]:.4g}", f"{fc.lower[i]:.4g}", f"{fc.upper[i]:.4g}")
    console.print(table)
    if threshold is not None:
        c = f.crossing_probability(threshold, horizon, "below" if below else "above")
        when = f", typically at step {c.expected_step:.0f}" if c.expected_step is not None else ""
        console.print(f"P(cross {c.direction} {threshold:g} within {horizon} steps) = {c.probability:.3f}{when}")
