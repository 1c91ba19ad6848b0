"""Reading pytest-benchmark JSON runs and deriving the figures of a run.

Per benchmark case (entry, label, mode) and implementation: the median time, the IQR,
the speedup vs the reference in the same run (reference median / impl median) and
%peak (achieved FLOP/s over the same run's dense GEMM FLOP/s).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GEMM_GROUP = "gemm|peak"


class RunError(Exception):
    """A benchmark run file that is missing or not a pytest-benchmark JSON."""


@dataclass(frozen=True)
class Measurement:
    entry: str
    label: str
    mode: str
    impl: str
    batch: int | None
    n: int | None
    flops: int
    median: float
    iqr: float
    rounds: int

    @property
    def case(self) -> tuple[str, str, str]:
        return self.entry, self.label, self.mode


@dataclass(frozen=True)
class Run:
    measurements: tuple[Measurement, ...]
    gemm: Measurement | None
    machine: dict[str, Any]
    when: str

    @property
    def gemm_flops_per_s(self) -> float | None:
        if self.gemm is None or self.gemm.median <= 0:
            return None
        return self.gemm.flops / self.gemm.median


@dataclass(frozen=True)
class Row:
    """One implementation of one case, with its figures."""

    m: Measurement
    speedup: float | None
    pct_peak: float | None


def _measurement(bench: dict[str, Any]) -> Measurement:
    extra, stats = bench.get("extra_info", {}), bench["stats"]
    return Measurement(
        entry=extra.get("entry", bench.get("group") or bench["name"]),
        label=extra.get("label", ""),
        mode=extra.get("mode", ""),
        impl=extra.get("impl", bench["name"]),
        batch=extra.get("batch"),
        n=extra.get("n"),
        flops=int(extra.get("flops") or 0),
        median=float(stats["median"]),
        iqr=float(stats["iqr"]),
        rounds=int(stats["rounds"]),
    )


def parse_run(data: dict[str, Any]) -> Run:
    """A :class:`Run` from the dict of a pytest-benchmark JSON file."""
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise RunError("not a pytest-benchmark JSON (no 'benchmarks' list)")
    gemm, cases = None, []
    for bench in data["benchmarks"]:
        m = _measurement(bench)
        if bench.get("group") == GEMM_GROUP:
            gemm = m
        else:
            cases.append(m)
    return Run(tuple(cases), gemm, data.get("machine_info", {}), data.get("datetime", ""))


def load_run(path: Path) -> Run:
    if not path.is_file():
        raise RunError(f"no such benchmark run: {path}")
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise RunError(f"cannot read {path}: {error}") from error
    try:
        return parse_run(data)
    except (KeyError, TypeError, ValueError) as error:
        raise RunError(f"{path}: {error}") from error


def rows(run: Run) -> list[Row]:
    """Every measurement with its speedup vs the same run's reference and its %peak."""
    reference = {m.case: m.median for m in run.measurements if m.impl == "reference"}
    peak = run.gemm_flops_per_s
    out = []
    for m in run.measurements:
        ref = reference.get(m.case)
        speedup = ref / m.median if ref and m.median > 0 else None
        pct = (100.0 * m.flops / m.median / peak) if peak and m.flops and m.median > 0 else None
        out.append(Row(m, speedup, pct))
    return out
