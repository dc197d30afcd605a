"""Streaming anomaly detection and forecasting, numpy-level code with no web or storage imports.

What the rules engine needs, per monitored series:
- `make_detector(name, **params)` returns a `Detector`; feed it with `update(value, timestamp)` (or
  `update_many`) strictly in time order; each call returns an anomaly score in [0, 1] (0.5 is about a
  one-in-a-million surprise); `explain()` and `bands()` describe the latest point for an alert or a plot;
  `get_state()` / `restore_detector(state)` survive a restart.
- `make_forecaster(name)` returns a `Forecaster`: `update`, `forecast(h)` with prediction intervals, and
  `crossing_probability(threshold, horizon)` for predictive scaling.
- `tocsin.ml.nab` runs and scores detectors on the Numenta Anomaly Benchmark; `tocsin.ml.backtest`
  evaluates forecasters; `tocsin.ml.commands` is the `tocsin ml` CLI.
"""

from tocsin.ml.base import Detector, DetectorStateError, Explanation, score_to_pvalue
from tocsin.ml.detectors import DEFAULT_DETECTOR, DETECTORS, make_detector, restore_detector
from tocsin.ml.forecast import Crossing, Forecast, Forecaster, make_forecaster

__all__ = [
    "DEFAULT_DETECTOR",
    "DETECTORS",
    "Crossing",
    "Detector",
    "DetectorStateError",
    "Explanation",
    "Forecast",
    "Forecaster",
    "make_detector",
    "make_forecaster",
    "restore_detector",
    "score_to_pvalue",
]
