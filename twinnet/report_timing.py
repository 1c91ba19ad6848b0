"""How ``twinnet report`` times: settings that suit the machine, a sample of each entry's
cases, and a second look at the rows that came out unstable.

* **A busy machine.** With other work on the cores, multi-threaded kernels stall on a
  descheduled thread at every parallel region: a 100 us forward was timed at 55 ms that
  way (its reference as much as its candidate), which is not noise but a different
  measurement. When the load average before the run exceeds half the CPUs and the user
  chose neither ``--threads`` nor ``--clock``, the report times with one thread and the
  process's CPU clock (the README's advice for shared machines) and says so.
* **A sample.** Each entry is timed on one case per regime (``one_per_regime``: acting at
  B=1, a training batch, an ensemble), the case its speed target names where it has one.
* **Unstable rows are timed again**, with more and longer rounds, before the verdict (their
  FLOPs and memory are kept from the first timing); the verdict rests on the rows that
  are stable then and says how many are not.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any

import torch

from benchmarks import suite
from benchmarks.selection import Selection
from benchmarks.timing import Budget
from properties.entry import Bench, Entry
from twinnet.progress import ProgressCallback
from twinnet.results import parse_run, rows

#: Load average per CPU above which the report adapts its timing settings.
BUSY = 0.5
#: The budget of the second look at unstable rows: twice the quick run's rounds, fewer (never
#: under ten) where a case's rounds would take more than six seconds.
REMEASURE = Budget(rounds=20, sample_time=0.01, case_time=6.0, min_rounds=10)


@dataclass(frozen=True)
class TimingPlan:
    threads: int | None
    clock: str
    load: float
    cpus: int
    adapted: bool

    def describe(self) -> str:
        threads = self.threads or torch.get_num_threads()
        text = f"{threads} thread(s), {self.clock} clock; load average {self.load:.1f} on "
        text += f"{self.cpus} CPUs"
        if self.adapted:
            text += " (busy: one thread and the CPU clock chosen, as the README advises; "
            text += "pass --threads / --clock to choose)"
        return text


def plan_timing(device: str, threads: int | None, clock: str | None) -> TimingPlan:
    """The bench settings for this machine now (module doc)."""
    load = os.getloadavg()[0]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cpus = cpus or 1
    busy = load > BUSY * cpus
    if device == "cpu" and busy and threads is None and clock is None:
        return TimingPlan(1, "cpu", load, cpus, True)
    return TimingPlan(threads, clock or "wall", load, cpus, False)


def remeasure_unstable(
    data: dict[str, Any],
    selection: Selection,
    catalog: dict[str, Entry],
    device: torch.device,
    clock: str,
    impl: str,
    on_progress: ProgressCallback | None = None,
) -> tuple[dict[str, Any], int]:
    """``data`` with every case where ``impl``'s row was unstable timed again (all its
    implementations, interleaved, with :data:`REMEASURE`'s budget); and how many cases."""
    unstable = {
        (r.m.entry, r.m.label) for r in rows(parse_run(data)) if r.m.impl == impl and r.is_unstable
    }
    if not unstable:
        return data, 0
    again = {
        name: dataclasses.replace(
            entry,
            bench=Bench(
                tuple(c for c in entry.bench.cases if (name, c.label) in unstable),
                entry.bench.peers,
            ),
        )
        for name, entry in catalog.items()
        if any(name == e for e, _ in unstable)
    }
    sub = dataclasses.replace(selection, entries=",".join(again), sample=False)
    budget = dataclasses.replace(REMEASURE, clock=clock)
    fresh_run = suite.run(sub, device, on_progress, budget, catalog=again, extras=False)
    fresh = {
        b["name"]: b for b in fresh_run["benchmarks"] if b["extra_info"]["entry"] != "roofline"
    }
    merged = [
        _retimed(b, fresh[b["name"]]) if b["name"] in fresh else b for b in data["benchmarks"]
    ]
    return {**data, "benchmarks": merged}, len(unstable)


def _retimed(first: dict[str, Any], again: dict[str, Any]) -> dict[str, Any]:
    """``first``'s item with ``again``'s samples; its FLOPs and memory, which do not change
    with the timing, kept from the first run."""
    number = again["extra_info"]["number"]
    return {
        **first,
        "stats": again["stats"],
        "extra_info": {**first["extra_info"], "number": number},
    }
