"""Reading benchmark runs (``benchmarks.suite`` JSON) and deriving the figures of a run.

Per case (entry, label, mode) and implementation: the median over its rounds, the rounds'
spread (IQR / median), the speedup vs the reference of the same case with its paired
bootstrap interval, and the fraction of the machine's roof it reaches. The roof of a case
is the one that bounds it: compute-bound cases (FLOPs per compulsory byte above the
machine's balance, GEMM FLOP/s / copy bytes/s) are measured against the GEMM's FLOP/s,
memory-bound ones (B=1 ensembles, distributions) by their achieved bandwidth against the
copy's bytes/s. A fraction above 1 means the roof was measured under load; it is always
shown marked as such.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from twinnet import stats

#: A row whose rounds spread more than this (IQR / median) is unstable.
UNSTABLE_SPREAD = 0.25
#: ... or whose speedup interval is wider than this (high / low).
UNSTABLE_WIDTH = 1.5
ROOF_PREFIX = "roofline|"


class RunError(Exception):
    """A benchmark run file that is missing or not a twinnet benchmark run."""


@dataclass(frozen=True)
class Measurement:
    entry: str
    label: str
    mode: str
    impl: str
    batch: int | None
    n: int | None
    flops: int
    bytes: int
    samples: tuple[float, ...]
    number: int = 1
    #: rounds per process, in order (``twinnet.processes``); one process when empty
    process_rounds: tuple[int, ...] = ()
    #: bytes one call needs above what was allocated before it (``benchmarks.memory``);
    #: None in a run saved before memory was measured, or on a device it is not measured on
    peak_bytes: int | None = None

    @property
    def case(self) -> tuple[str, str, str]:
        return self.entry, self.label, self.mode

    @property
    def key(self) -> tuple[str, str, str, str]:
        return self.entry, self.label, self.mode, self.impl

    @cached_property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def rounds(self) -> int:
        return len(self.samples)

    @property
    def processes(self) -> int:
        return max(1, len(self.process_rounds))

    def by_process(self, values: Sequence[float]) -> list[list[float]]:
        """``values`` (one per round, as ``samples``) split into the rounds of each process."""
        counts = self.process_rounds or (len(values),)
        if sum(counts) != len(values):
            raise ValueError(f"{self.key}: expected {sum(counts)} values, got {len(values)}")
        out, start = [], 0
        for count in counts:
            out.append(list(values[start : start + count]))
            start += count
        return out

    @cached_property
    def spread(self) -> float:
        return stats.relative_spread(self.samples)


@dataclass(frozen=True)
class Roof:
    """A roof of the run: ``rate`` (FLOP/s or B/s of its best round) and whether its
    rounds spread too much to trust it."""

    name: str
    rate: float
    spread: float
    unstable: bool
    label: str


@dataclass(frozen=True)
class Run:
    measurements: tuple[Measurement, ...]
    roofs: dict[str, Roof]
    machine: dict[str, Any]
    commit: dict[str, Any]
    when: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def gemm(self) -> Roof | None:
        return self.roofs.get("gemm")

    @property
    def copy(self) -> Roof | None:
        return self.roofs.get("copy")

    @property
    def entries(self) -> list[str]:
        return list(self.meta.get("entries") or sorted({m.entry for m in self.measurements}))

    @property
    def dtype(self) -> str:
        return str(self.meta.get("dtype", "float32"))

    @property
    def device(self) -> str:
        return str(self.meta.get("device", self.machine.get("device", "cpu")))

    @property
    def clock(self) -> str:
        return str(self.meta.get("clock", "wall"))

    @property
    def allocator(self) -> str:
        """The C allocator policy the run was timed under (runs saved before twinnet held it
        were timed under glibc's defaults)."""
        return str(self.meta.get("allocator", "default"))

    @property
    def skipped(self) -> list[dict[str, str]]:
        return list(self.meta.get("skipped", []))


@dataclass(frozen=True)
class RoofFraction:
    """What fraction of which roof a row reaches: ``bound`` is ``"FLOP"`` (achieved FLOP/s
    over the GEMM's) or ``"B"`` (achieved bytes/s over the copy's)."""

    bound: str
    achieved: float  # FLOP/s or B/s
    fraction: float
    roof_unstable: bool

    @property
    def above_roof(self) -> bool:
        return self.fraction > 1.0


@dataclass(frozen=True)
class Row:
    """One implementation of one case, with its figures."""

    m: Measurement
    speedup: float | None
    interval: tuple[float, float] | None
    roof: RoofFraction | None
    unstable: tuple[str, ...] = ()

    @property
    def is_unstable(self) -> bool:
        return bool(self.unstable)


def _measurement(bench: dict[str, Any]) -> Measurement:
    extra, st = bench.get("extra_info", {}), bench["stats"]
    samples = st.get("data")
    if not samples:
        raise RunError(
            f"{bench.get('name')}: no per-round samples (a run saved before interleaved timing,"
            " or by pytest-benchmark without --benchmark-save-data); run twinnet bench again"
        )
    return Measurement(
        entry=extra.get("entry", bench.get("group") or bench["name"]),
        label=extra.get("label", ""),
        mode=extra.get("mode", ""),
        impl=extra.get("impl", bench["name"]),
        batch=extra.get("batch"),
        n=extra.get("n"),
        flops=int(extra.get("flops") or 0),
        bytes=int(extra.get("bytes") or 0),
        samples=tuple(float(s) for s in samples),
        number=int(extra.get("number") or 1),
        process_rounds=tuple(int(c) for c in extra.get("process_rounds") or ()),
        peak_bytes=None if extra.get("peak_bytes") is None else int(extra["peak_bytes"]),
    )


def _roofs(meta: dict[str, Any]) -> dict[str, Roof]:
    return {
        name: Roof(name, float(r["rate"]), float(r["spread"]), bool(r["unstable"]), r["label"])
        for name, r in meta.get("roofs", {}).items()
    }


def parse_run(data: dict[str, Any]) -> Run:
    """A :class:`Run` from the dict of a benchmark run file."""
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise RunError("not a pytest-benchmark JSON (no 'benchmarks' list)")
    meta = data.get("twinnet")
    if not isinstance(meta, dict):
        raise RunError(
            "a pytest-benchmark JSON without twinnet's run data: save runs with "
            "`twinnet bench --save NAME` or `--json FILE`"
        )
    cases = tuple(
        _measurement(b)
        for b in data["benchmarks"]
        if not str(b.get("group", "")).startswith(ROOF_PREFIX)
    )
    return Run(
        cases,
        _roofs(meta),
        data.get("machine_info", {}),
        data.get("commit_info", {}),
        data.get("datetime", ""),
        meta,
    )


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


def roof_fraction(m: Measurement, run: Run) -> RoofFraction | None:
    """The roof that bounds ``m`` and the fraction of it reached (module doc)."""
    gemm, copy = run.gemm, run.copy
    if m.median <= 0 or gemm is None or copy is None:
        return None
    balance = gemm.rate / copy.rate  # FLOPs per byte where the two roofs meet
    if m.flops and (not m.bytes or m.flops / m.bytes >= balance):
        achieved = m.flops / m.median
        return RoofFraction("FLOP", achieved, achieved / gemm.rate, gemm.unstable)
    if m.bytes:
        achieved = m.bytes / m.median
        return RoofFraction("B", achieved, achieved / copy.rate, copy.unstable)
    return None


def _why_unstable(m: Measurement, interval: tuple[float, float] | None) -> list[str]:
    why = []
    if m.spread > UNSTABLE_SPREAD:
        why.append(f"rounds spread {100 * m.spread:.0f}% (IQR/median)")
    if interval is not None and interval[0] > 0 and interval[1] / interval[0] > UNSTABLE_WIDTH:
        why.append(f"speedup interval x{interval[0]:.2f}..x{interval[1]:.2f} too wide")
    return why


def rows(run: Run) -> list[Row]:
    """Every measurement with its speedup (and interval) vs the same case's reference, its
    roof fraction, and why it is unstable (if it is)."""
    reference = {m.case: m for m in run.measurements if m.impl == "reference"}
    by_key = {m.key: m for m in run.measurements}
    out = []
    for m in run.measurements:
        ref = reference.get(m.case)
        speedup = interval = None
        if ref is not None and m.impl != "reference" and m.median > 0:
            speedup = ref.median / m.median
            paired = len(ref.samples) == len(m.samples)
            interval = stats.ratio_interval(ref.samples, m.samples, paired=paired)
        why = _why_unstable(m, interval)
        if m.mode == "fwd":
            both = by_key.get((m.entry, m.label, "fwd+bwd", m.impl))
            if both is not None and both.median < m.median:
                why.append("forward slower than forward+backward")
        out.append(Row(m, speedup, interval, roof_fraction(m, run), tuple(why)))
    return out
