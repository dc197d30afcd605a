"""Registry of detectors by name, used by the CLI, the NAB runner and (later) anomaly rules."""

from __future__ import annotations

from typing import Any

from tocsin.ml.base import Detector, DetectorStateError
from tocsin.ml.baselines import EWMADetector, RobustZDetector, SeasonalDetector
from tocsin.ml.ensemble import EnsembleDetector

DEFAULT_DETECTOR = EnsembleDetector.name

DETECTORS: dict[str, type[Detector]] = {
    cls.name: cls for cls in (EnsembleDetector, RobustZDetector, EWMADetector, SeasonalDetector)
}


def make_detector(name: str = DEFAULT_DETECTOR, **params: Any) -> Detector:
    try:
        cls = DETECTORS[name]
    except KeyError:
        raise ValueError(f"unknown detector {name!r}; known: {', '.join(sorted(DETECTORS))}") from None
    return cls(**params)


def restore_detector(state: dict[str, Any]) -> Detector:
    name = state.get("detector")
    cls = DETECTORS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise DetectorStateError(f"state names unknown detector {name!r}")
    return cls.from_state(state)
