"""Context novelty: which share of a point's quantised context has this series never shown before.

Values are cut into levels (bins of width `bw` from `lo`); each point yields up to 8 context facts:
its level alone, with the previous 1, 2 and 3 levels, with the level 4 points back, with the mean level
of the last 8 and 16 points, and with the range of the last 16. A fact is one int (24 bits per level,
offset by 2^23, then 3 bits naming its kind), kept in a set of at most `cap` facts. The novelty of a
point is the share of its facts not in the set; then they are learned.

The level width starts as the warm-up range / `bins` and doubles whenever the range the series has
shown exceeds `grow` x `bins` levels; the learned facts and the level history are mapped onto the wider
levels (level b becomes floor(b / 2)), so the resolution stays relative to what the series has shown
instead of to its first points (which are often calmer than the rest).
"""

from __future__ import annotations

import math
from collections import deque

from tocsin.ml.state import register

# how many levels besides the point's own each kind of fact packs
_LEVELS = (0, 1, 2, 3, 1, 1, 1, 2)
_OFF = 1 << 23
_MASK = (1 << 24) - 1


@register
class Lattice:
    """Context facts on one grid of levels: level b holds values in [origin + b bw, origin + (b+1) bw)."""

    def __init__(self, origin: float, bw: float, cap: int, beta: float = 0.0) -> None:
        self.beta = beta
        self.origin = origin
        self.bw = bw
        self.cap = cap
        self.hist: deque[int] = deque(maxlen=16)
        self.sum8 = 0
        self.sum16 = 0
        self.seen: dict[int, int] = {}
        self.new = 0
        self.mask = 0
        self.m = 1

    def learn(self, x: float) -> float:
        """Learn this point's context facts and return the share that were new."""
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
        mask = 0
        nov = 0.0
        beta = self.beta
        for f in facts:
            c = seen.get(f, 0)
            if not c:
                new += 1
                nov += 1.0
                mask |= 1 << (f & 7)
                if len(seen) < self.cap:
                    seen[f] = 1
            else:
                if beta > 0.0:
                    nov += (1.0 + c) ** -beta
                seen[f] = c + 1
        # slide the level history (16 points) and its running sums
        if L >= 8:
            self.sum8 -= h[-8]
        if L == 16:
            self.sum16 -= h[0]
        h.append(b)
        self.sum8 += b
        self.sum16 += b
        self.new = new
        self.mask = mask
        self.m = len(facts)
        return nov / len(facts)

    def coarsened(self, shift: int) -> Lattice:
        """This lattice's memory on levels twice as wide, level b becoming floor((b - shift) / 2)."""
        out = Lattice(self.origin + shift * self.bw, 2.0 * self.bw, self.cap, self.beta)
        seen: dict[int, int] = {}
        for f, cnt in self.seen.items():
            kind = f & 7
            v = f >> 3
            parts = []
            for _ in range(_LEVELS[kind]):
                parts.append((((v & _MASK) - _OFF - shift) >> 1) + _OFF)
                v >>= 24
            g = ((v - _OFF - shift) >> 1) + _OFF
            for c in reversed(parts):
                g = (g << 24) | c
            key = (g << 3) | kind
            seen[key] = seen.get(key, 0) + cnt
        out.seen = seen
        lv = [(v - shift) >> 1 for v in self.hist]
        out.hist.extend(lv)
        out.sum8 = sum(lv[-8:])
        out.sum16 = sum(lv)
        return out


@register
class ContextMemory:
    """Context facts of one series on `tilings` grids offset by 1/tilings of a level from each other
    (plain attributes, so the state codec saves it). The novelty is the mean share over the grids, so a
    value near a level edge does not look new or old just by which side of the edge it falls."""

    def __init__(self, bins: int = 6, grow: float = 2.0, cap: int = 16384, tilings: int = 1,
                 beta: float = 0.0) -> None:
        self.beta = beta
        if tilings < 1 or tilings & (tilings - 1):
            raise ValueError(f"tilings must be a power of two, got {tilings}")
        self.bins = bins
        self.grow = grow
        self.cap = cap
        self.tilings = tilings
        self.vlo = math.inf
        self.vhi = -math.inf
        self.grids: list[Lattice] = []
        self.new = 0
        self.mask = 0
        self.m = 1

    def start(self, values: list[float]) -> None:
        """Fix the level width from warm-up values and learn their contexts."""
        lo, hi = min(values), max(values)
        bw = (hi - lo) / self.bins if hi > lo else 1e-3 * (abs(lo) + 1.0)
        t = self.tilings
        self.grids = [Lattice(lo - k * bw / t, bw, self.cap // t, self.beta) for k in range(t)]
        self.vlo, self.vhi = lo, hi
        for v in values:
            self.learn(v)

    @property
    def bw(self) -> float:
        return self.grids[0].bw if self.grids else 1.0

    def level(self) -> tuple[float, float]:
        """The value range of the latest point's level (on the first grid)."""
        g = self.grids[0]
        b = g.hist[-1] if g.hist else 0
        lo = g.origin + b * g.bw
        return lo, lo + g.bw

    def learn(self, x: float) -> float:
        """Learn this point's context facts and return the mean share that were new."""
        frac = 0.0
        new = m = mask = 0
        for g in self.grids:
            frac += g.learn(x)
            new += g.new
            m += g.m
            mask |= g.mask
        self.new, self.m, self.mask = new, m, mask
        if x < self.vlo:
            self.vlo = x
        if x > self.vhi:
            self.vhi = x
        if self.grow > 0.0:
            while self.vhi - self.vlo > self.grow * self.bins * self.grids[0].bw:
                self._coarsen()
        return frac / len(self.grids)

    def _coarsen(self) -> None:
        """Double the level width of every grid. On the wider levels, grid k's edges fall on edges of the
        old grid 2k mod t, shifted by 2k div t old levels, so its memory is mapped from that grid."""
        t = self.tilings
        old = self.grids
        self.grids = [old[(2 * k) % t].coarsened((2 * k) // t) for k in range(t)]
