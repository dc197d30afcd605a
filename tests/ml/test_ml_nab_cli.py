"""The NAB runner and scorer commands on a small sample, plus the backtest and detect commands."""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tocsin.ml.commands import ml_app
from tocsin.ml.detectors import make_detector
from tocsin.ml.nab.corpus import CorpusError, read_series, read_windows
from tocsin.ml.nab.runner import detect_series, read_results

NAB = Path(__file__).resolve().parents[3] / "shared" / "nab"  # the repository sits next to shared/
SAMPLE = ["realAdExchange/exchange-3_cpc_results.csv", "realTraffic/speed_7578.csv"]
runner = CliRunner()


@pytest.fixture()
def sample(tmp_path: Path) -> tuple[Path, Path]:
    """Two real NAB series (about 2,700 rows) and their windows, copied to a private corpus."""
    data = tmp_path / "data"
    for rel in SAMPLE:
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(NAB / "data" / rel, data / rel)
    windows = json.loads((NAB / "labels" / "combined_windows.json").read_text())
    labels = tmp_path / "windows.json"
    labels.write_text(json.dumps({k: windows[k] for k in SAMPLE}))
    return data, labels


def test_nab_run_and_score(sample: tuple[Path, Path], tmp_path: Path) -> None:
    data, labels = sample
    out = tmp_path / "results"
    res = runner.invoke(ml_app, ["nab", "--data", str(data), "--labels", str(labels), "--out", str(out),
                                 "--workers", "2"])
    assert res.exit_code == 0, res.output
    produced = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.csv"))
    assert produced == [
        "tocsin/realAdExchange/tocsin_exchange-3_cpc_results.csv",
        "tocsin/realTraffic/tocsin_speed_7578.csv",
    ]
    with (out / "tocsin/realTraffic/tocsin_speed_7578.csv").open() as fh:
        rows = list(csv.reader(fh))
    data_rows = read_series(data / "realTraffic/speed_7578.csv")
    assert rows[0] == ["timestamp", "value", "anomaly_score"]
    assert len(rows) - 1 == len(data_rows.values)
    assert all(0.0 <= float(r[2]) <= 1.0 for r in rows[1:])
    # the runner's output equals feeding the detector directly, point by point
    direct = detect_series(data_rows, "tocsin")
    assert [float(r[2]) for r in rows[1:]] == direct

    res = runner.invoke(ml_app, ["nab-score", "--results", str(out / "tocsin"), "--data", str(data),
                                 "--labels", str(labels), "--per-file"])
    assert res.exit_code == 0, res.output
    for profile in ("standard", "reward_low_FP_rate", "reward_low_FN_rate"):
        assert profile in res.output
    assert "perfect" in res.output and "speed_7578" in res.output
    # the parent --out directory works too when the detector is named
    res2 = runner.invoke(ml_app, ["nab-score", "--results", str(out), "--detector", "tocsin", "--data", str(data),
                                  "--labels", str(labels)])
    assert res2.exit_code == 0, res2.output
    assert res2.output.split("standard")[1][:40] == res.output.split("standard")[1][:40]


def test_nab_score_rejects_bad_results(sample: tuple[Path, Path], tmp_path: Path) -> None:
    data, labels = sample
    out = tmp_path / "r" / "mine"
    (out / "realTraffic").mkdir(parents=True)
    (out / "realAdExchange").mkdir(parents=True)
    for rel in SAMPLE:
        s = read_series(data / rel)
        folder, name = rel.split("/")
        with (out / folder / f"mine_{name}").open("w") as fh:
            fh.write("timestamp,value,anomaly_score\n")
            for t, v in zip(s.timestamps, s.values, strict=True):
                fh.write(f"{t},{v},0.5\n")
    ok = runner.invoke(ml_app, ["nab-score", "--results", str(out), "--data", str(data), "--labels", str(labels)])
    assert ok.exit_code == 0, ok.output
    bad = out / "realTraffic" / "mine_speed_7578.csv"
    lines = bad.read_text().splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",1.7"
    bad.write_text("\n".join(lines) + "\n")
    res = runner.invoke(ml_app, ["nab-score", "--results", str(out), "--data", str(data), "--labels", str(labels)])
    assert res.exit_code == 2
    assert "mine_speed_7578.csv:6" in res.output and "outside [0, 1]" in res.output


def test_the_runner_gives_the_probationary_period_and_no_values_ahead(sample: tuple[Path, Path],
                                                                     tmp_path: Path) -> None:
    """As NAB's harness does, the runner tells the detector the file's probationary period (a count
    from its length); scores still depend only on earlier points, and --no-probation-hint runs the
    fixed configuration."""
    data, labels = sample
    series = read_series(data / "realTraffic/speed_7578.csv")  # 1,127 rows: probation 169
    hinted = detect_series(series, "tocsin")
    assert hinted == make_detector("tocsin", learning_period=169).update_many(series.values,
                                                                              series.epoch_seconds())
    assert detect_series(series, "tocsin", probation_hint=False) == make_detector("tocsin").update_many(
        series.values, series.epoch_seconds())
    assert hinted != detect_series(series, "tocsin", probation_hint=False)
    # an explicit --params value wins over the hint
    assert detect_series(series, "tocsin", {"learning_period": 500}) == detect_series(
        series, "tocsin", {"learning_period": 500}, probation_hint=False)
    # altering the later values (not their count) leaves the earlier scores as they were
    cut = 800
    altered = replace(series, values=series.values[:cut] + [v * 3 + 50 for v in series.values[cut:]])
    again = detect_series(altered, "tocsin")
    assert again[:cut] == hinted[:cut] and again[cut:] != hinted[cut:]
    # detectors without a learning period run unchanged
    assert detect_series(series, "ewma") == make_detector("ewma").update_many(series.values,
                                                                              series.epoch_seconds())
    out = tmp_path / "results"
    res = runner.invoke(ml_app, ["nab", "--data", str(data), "--labels", str(labels), "--out", str(out),
                                 "--workers", "1", "--no-probation-hint"])
    assert res.exit_code == 0, res.output
    rows = read_results(out / "tocsin", "tocsin")["realTraffic/speed_7578.csv"][1]
    assert rows == detect_series(series, "tocsin", probation_hint=False)


def test_unknown_detector_and_bad_params(sample: tuple[Path, Path], tmp_path: Path) -> None:
    data, labels = sample
    res = runner.invoke(ml_app, ["nab", "--data", str(data), "--labels", str(labels), "--out", str(tmp_path),
                                 "--detector", "magic"])
    assert res.exit_code == 2 and "unknown detector 'magic'" in res.output
    res = runner.invoke(ml_app, ["nab", "--data", str(data), "--labels", str(labels), "--out", str(tmp_path),
                                 "--params", '{"window": 2}'])
    assert res.exit_code == 2 and "window" in res.output


def test_corpus_errors_name_the_line(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01 00:05:00,abc\n")
    with pytest.raises(CorpusError, match=r"x\.csv:3: bad value 'abc'"):
        read_series(f)
    f.write_text("time,value\n")
    with pytest.raises(CorpusError, match="header"):
        read_series(f)
    w = tmp_path / "w.json"
    w.write_text('{"a.csv": [["2020-01-02 00:00:00", "2020-01-01 00:00:00"]]}')
    with pytest.raises(CorpusError, match=r"a\.csv\[0\]: window ends before it starts"):
        read_windows(w)
    with pytest.raises(CorpusError, match="not a directory"):
        read_results(tmp_path / "missing")


def test_backtest_command_on_a_small_sample(tmp_path: Path) -> None:
    data = tmp_path / "data"
    rel = "realTraffic/speed_7578.csv"
    (data / "realTraffic").mkdir(parents=True)
    shutil.copy(NAB / "data" / rel, data / rel)
    res = runner.invoke(ml_app, ["backtest", "--data", str(data), "--origins", "5", "--workers", "1"])
    assert res.exit_code == 0, res.output
    for word in ("holt_winters", "seasonal_naive", "1h", "24h", "MAPE", "sMAPE", "MASE"):
        assert word in res.output


def test_detect_and_forecast_commands(tmp_path: Path) -> None:
    src = NAB / "data" / "realTraffic" / "speed_7578.csv"
    state = tmp_path / "state.json"
    res = runner.invoke(ml_app, ["detect", "--file", str(src), "--top", "3", "--state", str(state)])
    assert res.exit_code == 0, res.output
    assert "the band [" in res.output and state.exists()
    assert json.loads(state.read_text())["detector"] == "tocsin"
    res = runner.invoke(ml_app, ["forecast", "--file", str(src), "--horizon", "6", "--threshold", "80"])
    assert res.exit_code == 0, res.output
    assert "P(cross above 80" in res.output
