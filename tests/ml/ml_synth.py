"""Synthetic series with known anomalies for the ml tests (deterministic seeds)."""

from __future__ import annotations

import math
import random


def noise(n: int, seed: int = 0, sd: float = 1.0, base: float = 50.0) -> list[float]:
    rng = random.Random(seed)
    return [base + rng.gauss(0.0, sd) for _ in range(n)]


def seasonal(n: int, period: int = 48, amp: float = 10.0, sd: float = 0.5, seed: int = 0) -> list[float]:
    rng = random.Random(seed)
    return [50.0 + amp * math.sin(2 * math.pi * i / period) + rng.gauss(0.0, sd) for i in range(n)]


def timestamps(n: int, step: float = 300.0, start: float = 1_400_000_000.0) -> list[float]:
    return [start + i * step for i in range(n)]
