"""Timing one workload with pytest-benchmark, and counting its FLOPs.

Rounds are one call each (``pedantic``): a warm-up call measures the step, then as many
rounds run as fit in ``max_time`` (between ``min_rounds`` and ``max_rounds``). On CUDA
every timed call is bracketed by ``torch.cuda.synchronize`` (before, in the untimed
setup; after, inside the timed target) so that kernel time, not launch time, is measured.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode


@dataclass(frozen=True)
class Budget:
    """How long to time each benchmark."""

    min_rounds: int
    max_rounds: int
    max_time: float
    warmup_rounds: int

    @classmethod
    def for_run(cls, quick: bool) -> Budget:
        if quick:
            return cls(min_rounds=3, max_rounds=50, max_time=0.08, warmup_rounds=1)
        return cls(min_rounds=10, max_rounds=2000, max_time=1.0, warmup_rounds=3)


def synchronized(step: Callable[[], object], device: torch.device) -> Callable[[], object]:
    """``step`` followed by a device synchronize (identity on the CPU)."""
    if device.type != "cuda":
        return step

    def run() -> object:
        out = step()
        torch.cuda.synchronize(device)
        return out

    return run


def count_flops(step: Callable[[], object]) -> int:
    """FLOPs of one call of ``step`` as counted by ``FlopCounterMode`` (matmul/conv/attention)."""
    with FlopCounterMode(display=False) as counter:
        step()
    return int(counter.get_total_flops())


def time_it(
    benchmark: Any, step: Callable[[], object], device: torch.device, budget: Budget
) -> None:
    """Time ``step`` with ``benchmark.pedantic`` under ``budget``."""
    target = synchronized(step, device)
    for _ in range(budget.warmup_rounds):
        target()
    start = time.perf_counter()
    target()
    once = max(time.perf_counter() - start, 1e-9)
    rounds = int(min(max(budget.max_time / once, budget.min_rounds), budget.max_rounds))
    setup = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else None
    benchmark.pedantic(target, setup=setup, rounds=rounds, iterations=1, warmup_rounds=0)
