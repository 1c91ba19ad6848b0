"""Synthetic benchmark runs (``benchmarks.suite`` JSON) for the tests of compare, the
report and the verdict: seeded log-normal rounds around given medians."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from benchmarks.suite import benchmark_json

MACHINE = {"cpu_model": "Test CPU", "torch_threads": 2, "gpu": None, "torch": "2.x"}
Key = tuple[str, str, str, str]


def samples(median: float, spread: float, rounds: int, rng: np.random.Generator) -> tuple:
    """``rounds`` samples around ``median`` with a log-normal noise of sigma ``spread``."""
    return tuple(float(median * np.exp(spread * rng.standard_normal())) for _ in range(rounds))


def roof(name: str, rate: float, unstable: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "rate": rate,
        "spread": 0.5 if unstable else 0.02,
        "unstable": unstable,
        "label": f"{name} test",
    }


def run_json(
    medians: dict[Key, float],
    spread: float = 0.03,
    rounds: int = 12,
    seed: int = 0,
    machine: dict[str, Any] | None = None,
    dtype: str = "float32",
    roof_rates: tuple[float, float] = (1e11, 1e10),
    flops: int = 10**6,
    bytes_: int = 10**5,
    drift: float = 1.0,
    processes: int = 1,
    process_spread: float = 0.0,
) -> dict[str, Any]:
    """A run with one benchmark per key (entry, label, mode, impl); ``drift`` scales every
    time of the run (a loaded machine). With ``processes``, each key is timed in that many
    processes of ``rounds`` rounds, each process off by its own log-normal factor of sigma
    ``process_spread`` (memory layout, kernel choice: ``twinnet.processes``)."""
    rng = np.random.default_rng(seed)
    benches = []
    for (entry, label, mode, impl), median in medians.items():
        extra = {
            "entry": entry,
            "label": label,
            "mode": mode,
            "batch": int(batch.group(1)) if (batch := re.search(r"B=(\d+)", label)) else None,
            "n": None,
            "flops": flops,
            "bytes": bytes_,
            "number": 1,
        }
        data: tuple = ()
        for _ in range(processes):
            offset = float(np.exp(process_spread * rng.standard_normal()))
            data += samples(median * drift * offset, spread, rounds, rng)
        if processes > 1:
            extra["process_rounds"] = [rounds] * processes
        benches.append(benchmark_json(f"{entry}|{label}|{mode}", impl, data, extra))
    return {
        "machine_info": {**(machine or MACHINE), "device": "cpu"},
        "commit_info": {"id": "0123456789abcdef", "dirty": True},
        "datetime": "2026-11-30T12:00:00",
        "version": "5",
        "benchmarks": benches,
        "twinnet": {
            "format": 2,
            "device": "cpu",
            "dtype": dtype,
            "entries": sorted({k[0] for k in medians}),
            "roofs": {
                "gemm": roof("gemm", roof_rates[0]),
                "copy": roof("copy", roof_rates[1]),
            },
            "skipped": [],
        },
    }


def medians(entries: int = 4, slow: dict[int, float] | None = None) -> dict[Key, float]:
    """Reference and optimized of ``entries`` synthetic entries, two batch sizes and both
    modes each; ``slow``: entry index -> factor applied to its optimized times."""
    slow = slow or {}
    out = {}
    for i in range(entries):
        for batch in (1, 64):
            for mode in ("fwd", "fwd+bwd"):
                base = 1e-4 * (1 + i) * (1 + batch / 64) * (3 if mode == "fwd+bwd" else 1)
                out[(f"syn.E{i}", f"B={batch}", mode, "reference")] = base
                out[(f"syn.E{i}", f"B={batch}", mode, "optimized")] = base / 2 * slow.get(i, 1)
    return out
