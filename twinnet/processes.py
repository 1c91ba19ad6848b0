"""Timing a benchmark selection in several fresh processes, the way asv's ``processes``
setting does, and merging the runs into one run file.

Times differ between processes more than between the rounds of one process: memory
layout, the kernels oneDNN picks, where the allocator puts the weights. Rounds inside one
process cannot see that, and a compare of two single-process runs then reads one
process's luck as a regression. With ``twinnet bench --processes K`` each case is timed
in K fresh interpreters, one after the other (each runs the whole selection, so the
processes see the machine at different moments); the merged run keeps every round, and
each benchmark item records how many rounds came from each process
(``extra_info["process_rounds"]``), so ``compare`` can test a change against the spread
between processes (:func:`twinnet.compare.compare`). The FLOPs and the memory are counted
by the first process only (``extras``): both are deterministic for a code path, and
counting them under FlopCounterMode and the profiler cost more than the timing itself on
the cases whose reference runs thousands of small operators.
"""

from __future__ import annotations

import importlib
import multiprocessing
import queue as queue_module
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from benchmarks.suite import benchmark_json

#: A callback ``(done, total)`` for the cases timed so far over all processes.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BenchJob:
    """What one process times: everything ``twinnet bench`` decided, as plain data."""

    selection: Any  # benchmarks.selection.Selection
    device: str
    budget: Any  # benchmarks.timing.Budget
    catalog_extra: str = ""
    threads: int | None = None
    #: a catalog made by a function instead (``twinnet selfcheck``'s): its module, its name
    #: and its arguments, so that the job stays plain data
    catalog_function: tuple[str, str, tuple] | None = None
    #: whether this process counts FLOPs and memory (``benchmarks.suite.time_case``)
    extras: bool = True


def time_in_process(job: BenchJob, progress: Any = None) -> dict[str, Any]:
    """Run ``job`` here (in a fresh process when called through :func:`run_processes`)."""
    import torch

    from benchmarks import suite
    from properties.catalog import catalog, parse_modules

    if job.threads is not None:
        torch.set_num_threads(job.threads)
    callback = None if progress is None else (lambda done, total: progress.put((done, total)))
    if job.catalog_function is None:
        cat = catalog(parse_modules(job.catalog_extra))
    else:
        module, name, args = job.catalog_function
        cat = getattr(importlib.import_module(module), name)(*args)
    device = torch.device(job.device)
    return suite.run(job.selection, device, callback, job.budget, catalog=cat, extras=job.extras)


def run_processes(job: BenchJob, processes: int, on_progress: Progress) -> dict[str, Any]:
    """Time ``job`` in ``processes`` fresh processes (spawned, one at a time) and merge the
    runs; each process does ``ceil(rounds / processes)`` rounds, so the run costs about
    what one process with all the rounds would."""
    rounds = -(-job.budget.rounds // processes)
    job = replace(job, budget=replace(job.budget, rounds=max(rounds, 3)))
    context = multiprocessing.get_context("spawn")
    runs = []
    for index in range(processes):
        updates = context.Manager().Queue()
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            future = pool.submit(time_in_process, replace(job, extras=index == 0), updates)
            while not future.done() or not updates.empty():
                try:
                    done, total = updates.get(timeout=0.2)
                except queue_module.Empty:
                    continue
                on_progress(index * total + done, processes * total)
            runs.append(future.result())
    return merge_runs(runs)


def merge_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One run from the runs of several processes of one selection: each benchmark's rounds
    concatenated in process order, with ``process_rounds`` telling them apart."""
    if not runs:
        raise ValueError("merge_runs: expected at least one run, got none")
    first = runs[0]
    items: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        for bench in run["benchmarks"]:
            items.setdefault(bench["name"], []).append(bench)
    merged = []
    for parts in items.values():
        if len(parts) != len(runs):
            continue  # a case one process skipped (it could not build it) is left out
        samples = tuple(s for part in parts for s in part["stats"]["data"])
        extra = {k: v for k, v in parts[0]["extra_info"].items() if k != "impl"}
        extra["process_rounds"] = [len(part["stats"]["data"]) for part in parts]
        merged.append(
            benchmark_json(parts[0]["group"], parts[0]["extra_info"]["impl"], samples, extra)
        )
    meta = dict(first["twinnet"])
    meta["processes"] = len(runs)
    meta["rounds"] = sum(run["twinnet"].get("rounds", 0) for run in runs)
    meta["load_average"] = [v for run in runs for v in run["twinnet"].get("load_average", [])]
    return {**first, "benchmarks": merged, "twinnet": meta}
