"""Benchmark cases of the Pyrado recurrent policies: the LSTM policy's ``evaluate`` over
concatenated rollouts, beside its TorchScript loop and an ``nn.LSTM`` step loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.cases.pyrado._evaluate import evaluate_cases, evaluate_peers
from properties.candidate import Impl
from properties.entry import Bench

LSTM = {"hidden_size": 64, "layers": 2, "hidden_nonlin": "tanh", "output_nonlin": None}


def lstm_bench(build: Callable[[Impl, dict], Any]) -> Bench:
    """``build``: the entry's (the script peer scripts the reference it builds)."""
    return Bench(evaluate_cases(LSTM), evaluate_peers(build))
