"""Benchmark cases of ``pyrado.ADNPolicy``: ``evaluate`` over concatenated rollouts (peer:
its TorchScript loop) and one step at B=1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.cases.pyrado._evaluate import evaluate_cases, evaluate_peers
from properties.candidate import Impl
from properties.entry import Bench, BenchCase

CONFIG = {"activation": "tanh", "dynamics": "pd_cubic", "learnable": True}


def adn_bench(build: Callable[[Impl, dict], Any]) -> Bench:
    """``build``: the entry's (the script peer scripts the reference it builds)."""
    return Bench(
        (
            *evaluate_cases(CONFIG, obs_dim=16, act_dim=8),
            BenchCase("step B=1", {"obs_dim": 16, "act_dim": 8, **CONFIG}, 1),
        ),
        evaluate_peers(build, lstm=False),
    )
