"""Which implementation to choose: per entry, regime and mode, the fastest implementation
of a benchmark run, or "no clear winner" where the fastest two are not told apart.

A case's regime is what its size stands for (``benchmarks.selection.regime``): acting
(B=1), a training batch, an ensemble of n replicas; each case of a run is one regime at
one size, timed forward and forward+backward on the run's device. The implementations of
a case were timed interleaved, so the runner-up's time over the fastest one's is a *paired*
ratio; its 95% bootstrap interval (``twinnet.stats``) decides: above 1, the fastest one
wins; touching 1, no clear winner, and both are named. Beside it, the memory each
implementation needs for one call (``Measurement.peak_bytes``, :mod:`benchmarks.memory`):
the fastest one is not always the one that fits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from twinnet import stats
from twinnet.results import Measurement, Run


@dataclass(frozen=True)
class Recommendation:
    entry: str
    label: str
    mode: str
    regime: str
    device: str
    fastest: str
    median: float  # seconds per call of the fastest
    runner_up: str | None
    margin: tuple[float, float, float] | None  # runner-up / fastest: point, low, high
    #: peak bytes of one call per implementation of the case, fastest first (None: not
    #: measured)
    memory: dict[str, int | None] = field(default_factory=dict)

    @property
    def clear(self) -> bool:
        return self.runner_up is None or (self.margin is not None and self.margin[1] > 1.0)

    @property
    def choice(self) -> str:
        if self.clear:
            return self.fastest
        return f"no clear winner ({self.fastest}, {self.runner_up})"

    def as_json(self) -> dict[str, Any]:
        return {
            "entry": self.entry,
            "label": self.label,
            "mode": self.mode,
            "regime": self.regime,
            "device": self.device,
            "choice": self.fastest if self.clear else None,
            "fastest": self.fastest,
            "median_s": self.median,
            "runner_up": self.runner_up,
            "margin": None if self.margin is None else list(self.margin),
            "clear": self.clear,
            "memory_bytes": dict(self.memory),
        }

    @property
    def memory_text(self) -> str:
        """The fastest one's memory, and the runner-up's after ``vs``: ``1.2 MiB vs 3.4 MiB``."""
        shown = [self.fastest] + ([self.runner_up] if self.runner_up else [])
        figures = [self.memory.get(impl) for impl in shown]
        if all(f is None for f in figures):
            return ""
        return " vs ".join(human_bytes(f) for f in figures)


def human_bytes(n: int | None) -> str:
    """``n`` bytes in binary units (``512 B``, ``1.5 KiB``, ``3.4 MiB``); ``?`` for None."""
    if n is None:
        return "?"
    size, unit = float(n), "B"
    for larger in ("KiB", "MiB", "GiB"):
        if size < 1024:
            break
        size, unit = size / 1024, larger
    return f"{n} B" if unit == "B" else f"{size:.1f} {unit}"


def regime_of(m: Measurement) -> str:
    if m.n is not None and m.n > 1:
        return f"ensemble n={m.n}"
    if m.batch == 1:
        return "acting B=1"
    return "training" + (f" B={m.batch}" if m.batch else "")


def recommend(run: Run) -> list[Recommendation]:
    """One recommendation per case of ``run`` timed by at least one implementation."""
    cases: dict[tuple[str, str, str], list[Measurement]] = {}
    for m in run.measurements:
        cases.setdefault(m.case, []).append(m)
    out = []
    for (entry, label, mode), ms in cases.items():
        ranked = sorted(ms, key=lambda m: m.median)
        fastest, runner = ranked[0], ranked[1] if len(ranked) > 1 else None
        margin = None
        if runner is not None:
            paired = len(runner.samples) == len(fastest.samples)
            low, high = stats.ratio_interval(runner.samples, fastest.samples, paired=paired)
            margin = (runner.median / fastest.median, low, high)
        out.append(
            Recommendation(
                entry,
                label,
                mode,
                regime_of(fastest),
                run.device,
                fastest.impl,
                fastest.median,
                None if runner is None else runner.impl,
                margin,
                {m.impl: m.peak_bytes for m in ranked},
            )
        )
    return out


CAPTION = (
    "choose: the fastest implementation of the case; margin: the runner-up's time over it, "
    "paired 95% bootstrap interval; no clear winner where the interval reaches 1; memory: "
    "what one call needs above what was allocated before it, the fastest one's vs the "
    "runner-up's"
)


def recommend_table(recs: Sequence[Recommendation]) -> Group:
    """The recommendations as a table per entry, titled with the entry's name: an 80-column
    terminal folds cells but cuts no name or interval short."""
    by_entry: dict[str, list[Recommendation]] = {}
    for r in recs:
        by_entry.setdefault(r.entry, []).append(r)
    tables = []
    for entry, rows in by_entry.items():
        table = Table(title=Text(entry, style="bold"), title_justify="left")
        for column in ("case", "mode", "choose", "margin", "memory"):
            table.add_column(column, overflow="fold")
        for r in rows:
            margin = "" if r.margin is None else "x{:.2f} [{:.3g},{:.3g}]".format(*r.margin)
            table.add_row(
                f"{r.regime.split()[0]} {r.label}",
                r.mode,
                r.choice,
                margin,
                r.memory_text,
                style=None if r.clear else "yellow",
            )
        tables.append(table)
    title = Text("which implementation to choose", style="italic")
    return Group(title, *tables, Text(CAPTION, style="dim"))
