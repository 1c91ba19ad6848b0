"""The answer a report opens with: did the candidate conform, how fast is it, on what.

* conformance and hardening (``properties.ids``'s two levels): how many cells of each pass
  and fail, which level failed, and every failed cell with its level and reason;
* speed: the geometric mean over the *stable* cases of the candidate's speedup over the
  reference, with a bootstrap interval (every case's rounds resampled), and the best and
  worst stable cases; how many rows were stable, and a warning when few were (a row whose
  interval spans 0.03 to 2.6 says nothing about which implementation is faster);
* the machine and commit the numbers come from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text

from properties.ids import level_of
from twinnet import stats
from twinnet.matrix import FAIL, PASS, Matrix, cells_in_order, level_line
from twinnet.results import Row, Run


@dataclass(frozen=True)
class FailedCell:
    entry: str
    prop: str
    reason: str

    @property
    def level(self) -> str:
        return level_of(self.prop)


@dataclass(frozen=True)
class Verdict:
    impl: str
    summary: dict[str, int]
    failed: list[FailedCell]
    errors: list[str]
    geomean: tuple[float, float, float] | None  # point, low, high
    cases: int
    best: Row | None
    worst: Row | None
    machine: str
    broken: list[str] = field(default_factory=list)  # runs that did not complete
    untimed: list[str] = field(default_factory=list)  # candidate cases that raised
    levels: dict[str, dict[str, int]] = field(default_factory=dict)  # level -> summary
    timed: int = 0  # candidate rows with a speedup, stable or not
    timing: str = ""  # how the bench was timed (threads, clock, load), when the report chose

    @property
    def failed_levels(self) -> list[str]:
        """The levels with a failed cell, in ``LEVELS`` order."""
        return [level for level, counts in self.levels.items() if counts.get(FAIL)]

    def level_lines(self) -> list[str]:
        """One verdict line per level (``conformance: 412/412 cells pass``)."""
        return [level_line(level, counts) for level, counts in self.levels.items()]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.errors and not self.broken

    @property
    def passed(self) -> int:
        return self.summary.get(PASS, 0)

    @property
    def cells(self) -> int:
        return sum(self.summary.values())


def machine_line(run: Run | None) -> str:
    """CPU model, threads, GPU, torch, commit and date of a run, in one line."""
    if run is None:
        return "no benchmark run"
    m: dict[str, Any] = run.machine
    gpu = m.get("gpu") or "no GPU"
    if m.get("gpu_driver"):
        gpu += f" (driver {m['gpu_driver']})"
    commit = run.commit.get("id", "")[:10] or "no git commit"
    if run.commit.get("dirty"):
        commit += " (dirty)"
    return (
        f"{m.get('cpu_model', '?')}, {m.get('torch_threads', '?')} threads, {gpu}; "
        f"torch {m.get('torch', '?')} on {run.device}; commit {commit}; {run.when[:19]}"
    )


def candidate_rows(rows: Sequence[Row], impl: str) -> list[Row]:
    return [r for r in rows if r.m.impl == impl and r.speedup is not None]


def speed(rows: Sequence[Row], run: Run | None, impl: str) -> tuple[Any, int, Any, Any]:
    """Geometric mean, number of cases, best and worst, over the stable candidate rows."""
    mine = [r for r in candidate_rows(rows, impl) if not r.is_unstable]
    if not mine or run is None:
        return None, 0, None, None
    reference = {m.case: m for m in run.measurements if m.impl == "reference"}
    pairs = [
        (reference[r.m.case].samples, r.m.samples)
        for r in mine
        if len(reference[r.m.case].samples) == len(r.m.samples)
    ]
    geomean = stats.geometric_mean_interval(pairs) if pairs else None
    ordered = sorted(mine, key=lambda r: r.speedup or 0.0)
    return geomean, len(pairs), ordered[-1], ordered[0]


def verdict(
    matrix: Matrix,
    rows: Sequence[Row],
    run: Run | None,
    impl: str,
    broken: Sequence[str] = (),
    timing: str = "",
) -> Verdict:
    failed = [
        FailedCell(e, p, (c.failures[0].reason if c.failures else "failed"))
        for e, p, c in cells_in_order(matrix)
        if c.outcome == FAIL
    ]
    geomean, cases, best, worst = speed(rows, run, impl)
    untimed = [
        f"{s['group']}: {s['reason']}"
        for s in (run.skipped if run is not None else [])
        if s["impl"] == impl and "failed" in s["reason"]
    ]
    return Verdict(
        impl,
        matrix.summary(),
        failed,
        list(matrix.errors),
        geomean,
        cases,
        best,
        worst,
        machine_line(run),
        list(broken),
        untimed,
        matrix.levels(),
        len(candidate_rows(rows, impl)),
        timing,
    )


def describe_row(row: Row) -> str:
    lo, hi = row.interval or (row.speedup, row.speedup)
    text = f"{row.m.entry} {row.m.label} {row.m.mode}: x{row.speedup:.2f} [{lo:.2f},{hi:.2f}]"
    return text + (" (unstable)" if row.is_unstable else "")


def headline(v: Verdict) -> str:
    """``PASS: 812 of 812 cells ...`` / ``FAIL: 3 of 812 cells failed``."""
    if v.ok:
        return f"PASS: {v.impl} conforms ({v.passed} of {v.cells} cells pass, none failed)"
    parts = []
    if v.failed:
        levels = ", ".join(v.failed_levels) or "the matrix"
        parts.append(f"{levels} failed: {len(v.failed)} of {v.cells} cells")
    if v.errors:
        parts.append(f"{len(v.errors)} error(s) outside the matrix")
    parts += v.broken
    return f"FAIL: {v.impl}: " + "; ".join(parts) + f" ({v.passed} pass)"


#: Below this share of stable rows the speed verdict is marked as loose.
FEW_STABLE = 0.5


def speed_line(v: Verdict) -> str:
    if v.geomean is None:
        if v.timed:
            return f"speed: none of the {v.timed} timed rows of {v.impl} was stable: no verdict"
        return f"speed: no case timed both {v.impl} and the reference"
    point, low, high = v.geomean
    return (
        f"speed: {v.impl} is x{point:.2f} [{low:.2f},{high:.2f}] the reference "
        f"(geometric mean over the {v.cases} stable cases, 95% bootstrap interval)"
    )


def stability_line(v: Verdict) -> str | None:
    """How many rows the speed verdict rests on, and a warning when few."""
    if not v.timed:
        return None
    line = f"{v.cases} of {v.timed} rows of {v.impl} stable"
    if v.timed - v.cases:
        line += f"; {v.timed - v.cases} unstable after re-measuring, left out of the verdict"
    if v.cases < FEW_STABLE * v.timed:
        line += "; few stable rows: the speed figures are loose (rerun on a quieter machine)"
    return line


def verdict_lines(v: Verdict) -> list[Text]:
    """The verdict for the terminal, failures with their reasons included."""
    lines = [Text(headline(v), style="bold green" if v.ok else "bold red")]
    for line in v.level_lines():
        lines.append(Text(f"  {line}", style="red" if " FAIL " in line else "green"))
    for cell in v.failed:
        lines.append(
            Text.assemble(
                ("  FAIL ", "bold red"),
                (f"{cell.entry}::{cell.prop}", "bold"),
                (f" [{cell.level}]", "dim"),
                f"  {cell.reason}",
            )
        )
    for error in v.errors:
        lines.append(Text(f"  error: {error}", style="red"))
    lines.append(Text(speed_line(v)))
    stability = stability_line(v)
    if stability:
        few = v.cases < FEW_STABLE * v.timed
        lines.append(Text(f"  {stability}", style="yellow" if few else ""))
    if v.best is not None and v.worst is not None:
        lines.append(Text(f"  best:  {describe_row(v.best)}"))
        lines.append(Text(f"  worst: {describe_row(v.worst)}"))
    if v.timing:
        lines.append(Text(f"  timing: {v.timing}", style="dim"))
    if v.untimed:
        lines.append(
            Text(f"  {len(v.untimed)} case(s) not timed, the candidate raised: {v.untimed[0]}")
        )
    lines.append(Text(f"machine: {v.machine}", style="dim"))
    return lines
