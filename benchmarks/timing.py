"""Interleaved (round-robin) timing of the implementations of one case, and FLOP counting.

Timing the implementations of a case one after the other lets machine drift (another
process, a frequency change) land on one of them. Here every *round* times one sample of
each implementation, the order rotating from round to round, so drift hits all alike and
the per-round ratios stay paired.

A sample is ``number`` back-to-back calls (calibrated per implementation so that a sample
lasts about ``Budget.sample_time``; short calls are batched so the clock's resolution and
the loop's overhead do not dominate), divided by ``number``. The loop is the standard
library's ``timeit.Timer`` (garbage collection off while timing); the clock is

* ``wall`` (default): ``torch.utils.benchmark``'s ``timer``, ``timeit.default_timer`` after
  an accelerator synchronize, so CUDA kernels are waited for;
* ``cpu``: the process's CPU time (``time.process_time``, every thread summed), for CPU
  runs on a shared machine: time the process spends descheduled does not count, so other
  processes' load does not turn into 10x outliers (asv offers the same ``process_time``
  timer). With one thread it is the code's single-thread cost. ``torch.utils.benchmark.Timer``'s
own ``timeit`` is not used for the samples: it runs ``number // 100`` (at least 2) extra
warm-up calls before every measurement, which in a round-robin would triple the cost of a
slow sample.

Every timing calibrates first, and calibrating puts the process's C allocator under the
budget's policy (:mod:`benchmarks.allocator`, held by default), so no sample is ever taken
under another.
"""

from __future__ import annotations

import math
import time
import timeit
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from torch.utils.benchmark.utils.timer import timer as synchronizing_clock
from torch.utils.flop_counter import FlopCounterMode

from benchmarks.allocator import HELD, hold_as

Step = Callable[[], object]
CLOCKS: dict[str, Callable[[], float]] = {"wall": synchronizing_clock, "cpu": time.process_time}


@dataclass(frozen=True)
class Budget:
    """How long to time one case: ``rounds`` round-robin rounds of one sample of each
    implementation, a sample lasting about ``sample_time`` seconds (at most
    ``max_number`` calls), after ``warmup`` untimed calls (the last of them timed, to
    calibrate). ``case_time``: where one round of all the implementations takes so long
    that ``rounds`` of them would exceed this many seconds, fewer rounds, never fewer than
    ``min_rounds`` (a case whose reference call takes a second needs no ten rounds to be
    stable, and a quick run spent most of its time on a few such cases). ``allocator``:
    the C allocator's policy while timing (:data:`benchmarks.allocator.POLICIES`)."""

    rounds: int
    sample_time: float
    warmup: int = 2
    max_number: int = 10_000
    clock: str = "wall"
    case_time: float | None = None
    min_rounds: int = 5
    allocator: str = HELD

    @property
    def timer(self) -> Callable[[], float]:
        if self.clock not in CLOCKS:
            raise ValueError(f"expected a clock in {sorted(CLOCKS)}, got {self.clock!r}")
        return CLOCKS[self.clock]

    @classmethod
    def for_run(cls, quick: bool, clock: str = "wall", policy: str = HELD) -> Budget:
        if quick:
            return cls(10, 0.004, clock=clock, case_time=2.0, allocator=policy)
        return cls(rounds=25, sample_time=0.02, warmup=3, clock=clock, allocator=policy)

    def rounds_for(self, round_seconds: float) -> int:
        """The rounds to time when one round takes ``round_seconds``."""
        if self.case_time is None or round_seconds * self.rounds <= self.case_time:
            return self.rounds
        return max(min(self.min_rounds, self.rounds), int(self.case_time / round_seconds))


def calibrate(step: Step, budget: Budget) -> tuple[int, float]:
    """Calls per sample, and the seconds of one call: warm ``step`` up (under the budget's
    allocator policy), timing the last warm-up call, and batch enough calls to fill
    ``budget.sample_time``."""
    hold_as(budget.allocator)
    for _ in range(budget.warmup - 1):
        step()
    clock = budget.timer
    start = clock()
    step()
    once = max(clock() - start, 1e-7)
    return int(min(max(1, math.ceil(budget.sample_time / once)), budget.max_number)), once


def sample(step: Step, number: int, clock: Callable[[], float] = synchronizing_clock) -> float:
    """Seconds per call of ``step``, over ``number`` back-to-back calls."""
    return timeit.Timer(step, timer=clock).timeit(number) / number


@dataclass(frozen=True)
class Timing:
    """The samples of one implementation (seconds per call, one per round) and the calls
    each sample made."""

    samples: tuple[float, ...]
    number: int


def interleave(steps: Mapping[str, Step], budget: Budget) -> dict[str, Timing]:
    """``budget.rounds`` samples of each step (fewer for a slow case:
    :meth:`Budget.rounds_for`), timed round-robin (round ``r`` starts at the ``r``-th
    step), as seconds per call."""
    labels = list(steps)
    calibrated = {label: calibrate(steps[label], budget) for label in labels}
    calls = {label: number for label, (number, _) in calibrated.items()}
    rounds = budget.rounds_for(sum(number * once for number, once in calibrated.values()))
    samples: dict[str, list[float]] = {label: [] for label in labels}
    for r in range(rounds):
        for k in range(len(labels)):
            label = labels[(r + k) % len(labels)]
            samples[label].append(sample(steps[label], calls[label], budget.timer))
    return {label: Timing(tuple(samples[label]), calls[label]) for label in labels}


def count_flops(step: Step) -> int:
    """FLOPs of one call of ``step`` as counted by ``FlopCounterMode`` (matmul/conv/attention)."""
    with FlopCounterMode(display=False) as counter:
        step()
    return int(counter.get_total_flops())
