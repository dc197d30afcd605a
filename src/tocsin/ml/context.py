"""Context novelty: which share of a point's quantised context has this series never shown before.

Values are cut into levels (level b holds values in [origin + b*bw, origin + (b+1)*bw)); each point
yields up to 8 context facts: its level alone, with the previous 1, 2 and 3 levels, with the level 4
points back, with the mean level of the last 8 and 16 points, and with the range of the last 16. A fact
is one int (24 bits per level, offset by 2^23, then 3 bits naming its kind), kept in a set of at most
`cap` facts. The novelty of a point is the share of its facts not in the set; then they are learned.

The level width starts as the warm-up range / `bins` and doubles whenever the range the series has
shown (or the range the caller passes, e.g. one that ignores a few extreme values) exceeds `grow` x
`bins` levels. The learned facts and the level history are mapped onto the wider
levels (level b becomes floor(b / 2), which is exact for the level facts and within one level for the
rounded means), so the resolution stays relative to what the series has shown so far instead of to its
first points, which are often calmer than the rest. Each doubling costs one pass over the memory, and
the width only ever doubles, so the work stays O(1) amortised per point.
"""

from __future__ import annotations

import math
from collections import deque

from tocsin.ml.state import register

# how many levels besides the point's own each kind of fact packs
_LEVELS = (0, 1, 2, 3, 1, 1, 1, 2)
# the most facts one point can yield
MAX_FACTS = len(_LEVELS)
_OFF = 1 << 23
_MASK = (1 << 24) - 1


@register
class ContextMemory:
    """Context facts of one series (plain attributes, so the state codec saves and restores it)."""

    def __init__(self, bins: int = 6, grow: float = 3.0, cap: int = 16384) -> None:
        if bins < 1:
            raise ValueError(f"bins must be >= 1, got {bins}")
        if grow and grow < 1.0:
            raise ValueError(f"grow must be 0 (off) or >= 1, got {grow}")
        self.bins = bins
        self.grow = grow
        self.cap = cap
        self.origin = 0.0
        self.bw = 1.0
        self.vlo = math.inf
        self.vhi = -math.inf
        self.hist: deque[int] = deque(maxlen=16)
        self.sum8 = 0
        self.sum16 = 0
        self.seen: set[int] = set()
        self.new = 0
        self.m = 1

    def start(self, values: list[float]) -> None:
        """Fix the level width from warm-up values and learn their contexts."""
        lo, hi = min(values), max(values)
        self.origin = lo
        self.bw = (hi - lo) / self.bins if hi > lo else 1e-3 * (abs(lo) + 1.0)
        self.vlo, self.vhi = lo, hi
        for v in values:
            self.learn(v)

    def level(self) -> tuple[float, float]:
        """The value range of the latest point's level."""
        b = self.hist[-1] if self.hist else 0
        lo = self.origin + b * self.bw
        return lo, lo + self.bw

    def learn(self, x: float, span: float | None = None) -> float:
        """Learn this point's context facts and return the share that were new. `span`, if given, is
        the range the levels must cover (else the full range seen so far)."""
        b = math.floor((x - self.origin) / self.bw)
        if b < 1 - _OFF:
            b = 1 - _OFF
        elif b > _OFF - 1:
            b = _OFF - 1
        h = self.hist
        L = len(h)
        seen = self.seen
        c0 = b + _OFF
        facts = [c0 << 3]
        if L >= 1:
            c1 = (c0 << 24) | (h[-1] + _OFF)
            facts.append((c1 << 3) | 1)
            if L >= 2:
                c2 = (c1 << 24) | (h[-2] + _OFF)
                facts.append((c2 << 3) | 2)
                if L >= 3:
                    facts.append((((c2 << 24) | (h[-3] + _OFF)) << 3) | 3)
                    if L >= 4:
                        facts.append((((c0 << 24) | (h[-4] + _OFF)) << 3) | 4)
                        if L >= 8:
                            facts.append((((c0 << 24) | (round(self.sum8 / 8) + _OFF)) << 3) | 5)
                            if L >= 16:
                                facts.append((((c0 << 24) | (round(self.sum16 / 16) + _OFF)) << 3) | 6)
                                facts.append((((((c0 << 24) | (min(h) + _OFF)) << 24) | (max(h) + _OFF)) << 3) | 7)
        new = 0
        for f in facts:
            if f not in seen:
                new += 1
                if len(seen) < self.cap:
                    seen.add(f)
        # slide the level history (16 points) and its running sums
        if L >= 8:
            self.sum8 -= h[-8]
        if L == 16:
            self.sum16 -= h[0]
        h.append(b)
        self.sum8 += b
        self.sum16 += b
        self.new = new
        self.m = len(facts)
        if x < self.vlo:
            self.vlo = x
        if x > self.vhi:
            self.vhi = x
        if span is None:
            span = self.vhi - self.vlo
        if self.grow:
            while span > self.grow * self.bins * self.bw:
                self._coarsen()
        return new / len(facts)

    def _coarsen(self) -> None:
        """Double the level width, mapping the learned facts and the level history onto it."""
        self.bw *= 2.0
        out: set[int] = set()
        for f in self.seen:
            kind = f & 7
            v = f >> 3
            parts = []
            for _ in range(_LEVELS[kind]):
                parts.append((((v & _MASK) - _OFF) >> 1) + _OFF)
                v >>= 24
            g = ((v - _OFF) >> 1) + _OFF
            for c in reversed(parts):
                g = (g << 24) | c
            out.add((g << 3) | kind)
        self.seen = out
        lv = [v >> 1 for v in self.hist]
        self.hist = deque(lv, maxlen=16)
        self.sum8 = sum(lv[-8:])
        self.sum16 = sum(lv)
