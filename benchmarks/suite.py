"""A benchmark run: every case of a selection, its implementations timed interleaved, saved
in pytest-benchmark's JSON layout.

For each (entry, case, mode) every selected implementation's workload is built (one that
does not apply is recorded as skipped, with the reason), and all of them are timed
round-robin (:func:`benchmarks.timing.interleave`). The roofs (GEMM and copy,
:mod:`benchmarks.roofline`) get rounds before the first case, after every few cases and
after the last.

The file is pytest-benchmark's JSON (``machine_info``, ``commit_info``, ``datetime``,
``version``, and one ``benchmarks`` item per implementation and case with its ``group``
``entry|label|mode``, ``extra_info`` and ``stats`` computed by
``pytest_benchmark.stats.Stats``, the per-round samples in ``stats.data``), so
pytest-benchmark's own ``compare`` and grouping read it; ``extra_info["peak_bytes"]`` is
the memory one call needs (:mod:`benchmarks.memory`, measured once after the timed
rounds). twinnet's additions sit under ``twinnet``: the selection (entries,
implementations, dtype, device), the roofs, how memory was measured, and the
implementations skipped with their reasons. pytest-benchmark's fixture is not used for the
timing itself: it times one benchmark after another, never interleaved.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest_benchmark
import torch
from pytest_benchmark.stats import Stats

from benchmarks import allocator
from benchmarks.machine import commit_info, machine_info
from benchmarks.memory import METHODS, peak_bytes
from benchmarks.roofline import Roofs
from benchmarks.selection import Selection
from benchmarks.timing import Budget, Step, count_flops, interleave
from benchmarks.workload import NotApplicable, Workload, workload
from properties.entry import BenchCase, Entry

#: Version of twinnet's additions to the file.
FORMAT = 2
DTYPE = "float32"
#: One more round of the roofs after this many cases.
ROOF_EVERY = 8
ProgressCallback = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class Case:
    """One timed case: an entry's bench case in one mode."""

    entry: Entry
    case: BenchCase
    mode: str

    @property
    def group(self) -> str:
        return f"{self.entry.name}|{self.case.label}|{self.mode}"


def selected_cases(
    selection: Selection, catalog: Mapping[str, Entry] | None = None
) -> Iterator[tuple[Case, list[str]]]:
    """Every case of the selection with the implementations it times."""
    grouped: dict[tuple[str, str, str], tuple[Case, list[str]]] = {}
    for entry, case, mode, impl in selection.cases(catalog):
        key = (entry.name, case.label, mode)
        grouped.setdefault(key, (Case(entry, case, mode), []))[1].append(impl)
    yield from grouped.values()


def case_flops(case: Case, works: Mapping[str, Workload], device: torch.device) -> int:
    """The FLOPs every implementation of a case is credited: the case's declared FLOPs,
    else ``FlopCounterMode`` over one reference call."""
    if case.case.flops is not None and case.mode in case.case.flops:
        return case.case.flops[case.mode]
    reference = works.get("reference") or build(case, "reference", device)
    return count_flops(reference.step)


def build(case: Case, impl: str, device: torch.device) -> Workload:
    """The workload of one implementation (a token or a module name), called once; an
    implementation other than the reference that raises (a candidate, ``torch.compile``)
    is NotApplicable, with its error."""
    torch.manual_seed(0)
    try:
        work = workload(case.entry, case.case, impl, case.mode, device)
        work.step()  # once untimed: a compile compiles, a candidate that raises skips
    except NotApplicable:
        raise
    except Exception as error:  # a candidate's (or torch.compile's) failure, any kind
        if impl == "reference":
            raise
        first = f"{type(error).__name__}: {error}".splitlines()[0]
        raise NotApplicable(f"{impl} failed: {first}") from error
    return work


def benchmark_json(
    group: str, impl: str, samples: tuple[float, ...], extra: dict[str, Any]
) -> dict[str, Any]:
    """One implementation of one case as a pytest-benchmark ``benchmarks`` item."""
    stats = Stats()
    for seconds in samples:
        stats.update(seconds)
    name = f"{group}|{impl}"
    return {
        "group": group,
        "name": name,
        "fullname": f"twinnet::{name}",
        "params": None,
        "param": None,
        "extra_info": {**extra, "impl": impl},
        "options": {"interleaved": True},
        "stats": {**stats.as_dict(), "data": list(samples), "iterations": extra.get("number", 1)},
    }


def time_case(
    case: Case,
    impls: list[str],
    selection: Selection,
    device: torch.device,
    budget: Budget,
    extras: bool = True,
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The benchmark items of one case (its implementations timed interleaved) and the
    implementations skipped with their reasons; ``extras=False``: without the FLOPs and
    the memory (a second timing of cases whose figures the first run has: counting them
    again costs more than the timing)."""
    works: dict[str, Workload] = {}
    skipped = []
    for impl in impls:
        try:
            works[impl] = build(case, selection.module(impl), device)
        except NotApplicable as why:
            skipped.append({"group": case.group, "impl": impl, "reason": str(why)})
    if not works:
        return [], skipped
    steps: dict[str, Step] = {impl: w.step for impl, w in works.items()}
    timings = interleave(steps, budget)
    # once each, after the timed rounds, so that the counter never runs while timing
    memory = {impl: peak_bytes(step, device) if extras else None for impl, step in steps.items()}
    bytes_ = works["reference"].min_bytes if "reference" in works else None
    extra = {
        "entry": case.entry.name,
        "label": case.case.label,
        "mode": case.mode,
        "batch": case.case.batch,
        "n": case.case.cfg.get("n"),
        "flops": case_flops(case, works, device) if extras else None,
    }
    items = [
        benchmark_json(
            case.group,
            impl,
            timing.samples,
            {
                **extra,
                "bytes": bytes_ or works[impl].min_bytes,
                "number": timing.number,
                "peak_bytes": memory[impl],
            },
        )
        for impl, timing in timings.items()
    ]
    return items, skipped


def roof_items(roofs: Roofs) -> list[dict[str, Any]]:
    return [
        benchmark_json(
            f"roofline|{roof.name}",
            roof.name,
            tuple(roof.samples),
            {
                "entry": "roofline",
                "label": roof.label,
                "mode": roof.name,
                "work": roof.work,
                "number": roof.number,
            },
        )
        for roof in roofs.roofs
    ]


def run(
    selection: Selection,
    device: torch.device,
    on_progress: ProgressCallback | None = None,
    budget: Budget | None = None,
    catalog: Mapping[str, Entry] | None = None,
    extras: bool = True,
) -> dict[str, Any]:
    """Time every case of ``selection`` (of ``catalog``, default the catalog) on
    ``device``; the run as pytest-benchmark JSON (``extras``: :func:`time_case`)."""
    budget = budget or Budget.for_run(selection.quick)
    if budget.clock == "cpu" and device.type != "cpu":
        raise ValueError(f"the cpu clock times CPU runs only, got device {device.type}")
    load_before = os.getloadavg()[0]
    cases = list(selected_cases(selection, catalog))
    progress = on_progress or (lambda done, total: None)
    progress(0, len(cases))
    roofs = Roofs(device, budget)
    roofs.round(3)
    benchmarks: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    for done, (case, impls) in enumerate(cases, start=1):
        items, why = time_case(case, impls, selection, device, budget, extras)
        benchmarks += items
        skipped += why
        if done % ROOF_EVERY == 0:
            roofs.round()
        progress(done, len(cases))
    roofs.round(3)
    return {
        "machine_info": {**machine_info(), "device": device.type},
        "commit_info": commit_info(),
        "datetime": datetime.datetime.now(datetime.UTC).isoformat(),
        "version": pytest_benchmark.__version__,
        "benchmarks": [*roof_items(roofs), *benchmarks],
        "twinnet": {
            "format": FORMAT,
            "device": device.type,
            "dtype": DTYPE,
            "quick": selection.quick,
            "entries": sorted({case.entry.name for case, _ in cases}),
            "impls": list(selection.impls) + ([selection.candidate] if selection.candidate else []),
            "candidate": selection.candidate,
            "rounds": budget.rounds,
            "clock": budget.clock,
            "allocator": allocator.state(),
            "memory": METHODS.get(device.type),
            "roofs": roofs.as_dict(),
            "skipped": skipped,
            "threads": torch.get_num_threads(),
            "cpus": len(os.sched_getaffinity(0)),
            "load_average": [load_before, os.getloadavg()[0]],
        },
    }
