"""A clock for the tooling tests that advances only when told, so that no test's verdict
depends on how busy the machine is.

Every read advances it by ``tick`` (so calibrating a real step stays finite and cheap),
and :meth:`VirtualClock.work` advances it by a synthetic step's cost: times a seeded
log-normal noise factor and the machine ``load`` at that moment. Interleaved timing, the
run files and ``compare`` then see samples with known effect sizes, the same on every
machine and every run. The real-timing proof of the method is ``twinnet selfcheck``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

#: Seconds per read of the clock that every tooling test times with.
TICK = 1e-3


class VirtualClock:
    def __init__(
        self,
        tick: float = TICK,
        noise: float = 0.0,
        seed: int = 0,
        load: Callable[[float], float] = lambda now: 1.0,
    ) -> None:
        self.now = 0.0
        self.tick = tick
        self.noise = noise
        self.load = load
        self.rng = np.random.default_rng(seed)

    def __call__(self) -> float:
        self.now += self.tick
        return self.now

    def work(self, seconds: float) -> None:
        """A step that costs ``seconds`` on an idle machine, with this clock's noise."""
        factor = math.exp(self.noise * float(self.rng.standard_normal()))
        self.now += seconds * self.load(self.now) * factor

    def step(self, seconds: float) -> Callable[[], None]:
        return lambda: self.work(seconds)
