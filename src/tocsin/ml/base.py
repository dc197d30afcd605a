"""The contract every streaming detector keeps, so the rules engine can hold one detector per series.

A detector is fed points strictly in time order, one at a time (`update`) or in batches (`update_many`,
which must give exactly the same scores), and returns an anomaly score in [0, 1] per point. Scores are
calibrated on a log scale of surprise: 0.5 means "about as rare as a one-in-a-million event under the
detector's model", 0.75 one in 10^18, so one threshold reads the same on every series.
`explain()` describes the latest point for an alert, and `get_state`/`from_state` let a restart resume.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Self

from tocsin.ml import state as state_codec

# A score is d / (d + HALF_DECADES) with d = -log10(p): p = 1e-6 gives 0.5, p = 1e-18 gives 0.75. The
# map never saturates, so the far tail stays ordered (a single corpus-wide threshold needs that).
HALF_DECADES = 6.0
_LN10 = math.log(10.0)


def z_to_decades(z: float) -> float:
    """-log10 of the two-sided Gaussian tail probability of z, without underflow."""
    if z != z or z <= 0.0:
        return 0.0
    if z < 7.0:
        return -math.log10(math.erfc(z * 0.7071067811865476))
    return (z * z * 0.5 + math.log(z) + 0.22579135264472744) / _LN10


def decades_to_score(d: float) -> float:
    return d / (d + HALF_DECADES) if d > 0.0 else 0.0


def z_to_score(z: float) -> float:
    return decades_to_score(z_to_decades(z))


def score_to_z(score: float) -> float:
    """The two-sided Gaussian z whose calibrated score is `score` (bisection; score in [0, 1))."""
    if score <= 0.0:
        return 0.0
    target = HALF_DECADES * score / (1.0 - score)
    lo, hi = 0.0, 1e3
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if z_to_decades(mid) < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


# Bands are drawn where a point would score BAND_SCORE before the novelty steps (about z = 4.9).
BAND_SCORE = 0.5


def score_to_pvalue(score: float) -> float:
    """The tail probability a calibrated score stands for."""
    if score >= 1.0:
        return 0.0
    return float(10.0 ** (-HALF_DECADES * score / (1.0 - score)))


@dataclass(frozen=True)
class Explanation:
    """What an alert can say about one point: the band the detector expected and why it scored it.

    `expected` is the component's forecast for the point; `lower`/`upper` are where a point would score
    BAND_SCORE (0.5, a one-in-a-million surprise) before the novelty steps, i.e. the self-learned
    thresholds a UI plots; `component` names what fired and `detail` gives its statistic.
    """

    score: float
    observed: float
    expected: float
    lower: float
    upper: float
    component: str
    detail: str
    warming_up: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def text(self) -> str:
        if self.warming_up:
            return f"warming up: observed {self.observed:.6g}, no baseline yet"
        side = "above" if self.observed > self.upper else "below" if self.observed < self.lower else "inside"
        return (
            f"observed {self.observed:.6g} is {side} the band "
            f"[{self.lower:.6g}, {self.upper:.6g}] around {self.expected:.6g}; "
            f"score {self.score:.3f} from {self.component} ({self.detail})"
        )


class DetectorStateError(ValueError):
    """A saved state that does not belong to this detector or this format version."""


class Detector(ABC):
    """Base class: subclasses implement `update`; everything else has a correct default."""

    name: ClassVar[str]
    state_version: ClassVar[int] = 1
    # Older state versions this class can still restore (through `upgrade_state`).
    upgradable_versions: ClassVar[tuple[int, ...]] = ()
    # Whether the constructor takes `learning_period`: how many points the caller will watch the
    # series before its alerts count (NAB's probationary period), to which the detector can scale its
    # time constants. It is a count, never a value, so scores still depend only on earlier points.
    takes_learning_period: ClassVar[bool] = False
    # Half-width of the plotted band in the detector's sigmas: a point on the edge scores BAND_SCORE.
    band_z: ClassVar[float] = score_to_z(BAND_SCORE)

    @abstractmethod
    def update(self, value: float, timestamp: float | None = None) -> float:
        """Consume one point (timestamp in epoch seconds, optional) and return its anomaly score."""

    def update_many(self, values: Sequence[float], timestamps: Sequence[float] | None = None) -> list[float]:
        """Feed points in order; identical to calling `update` for each one."""
        upd = self.update
        if timestamps is None:
            return [upd(float(v)) for v in values]
        if len(timestamps) != len(values):
            raise ValueError(f"{len(values)} values but {len(timestamps)} timestamps")
        return [upd(float(v), float(t)) for v, t in zip(values, timestamps, strict=True)]

    @abstractmethod
    def explain(self) -> Explanation:
        """Explanation of the most recent point."""

    def bands(self) -> tuple[float, float]:
        """The self-learned (lower, upper) band the latest point was judged against, for a UI to plot
        next to it; it depends only on the points before it."""
        e = self.explain()
        return e.lower, e.upper

    def get_state(self) -> dict[str, Any]:
        """A JSON-compatible snapshot of parameters and learned state."""
        return {
            "detector": self.name,
            "version": self.state_version,
            "data": state_codec.encode(self.__dict__),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Self:
        if state.get("detector") != cls.name:
            raise DetectorStateError(f"state is for detector {state.get('detector')!r}, not {cls.name!r}")
        version = state.get("version")
        if version != cls.state_version and version not in cls.upgradable_versions:
            raise DetectorStateError(
                f"state version {version!r} of {cls.name!r} is not supported "
                f"(expected {cls.state_version})"
            )
        obj = cls.__new__(cls)
        data = state_codec.decode(state.get("data"))
        if not isinstance(data, dict):
            raise DetectorStateError("state 'data' must be an object")
        if version != cls.state_version:
            data = cls.upgrade_state(data, version)
        obj.__dict__.update(data)
        return obj

    @classmethod
    def upgrade_state(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        """Bring the decoded state of an older version up to date, so that a restart after an upgrade
        resumes instead of re-learning; a restored detector must behave as it did when it was saved."""
        return data
