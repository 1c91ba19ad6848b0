"""One benchmark per catalog entry x bench case x mode x implementation.

Group ``<entry>|<label>|<mode>``; ``extra_info`` holds entry, label, mode, impl, batch, n
and ``flops`` (FlopCounterMode over one reference call of the case, or the case's declared
``flops`` where the reference does more than the math needs, so every implementation of a
case is credited the same FLOPs).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
import torch

from benchmarks.selection import Selection
from benchmarks.timing import Budget, count_flops, time_it
from benchmarks.workload import NotApplicable, workload
from properties.catalog import CATALOG


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "impl" not in metafunc.fixturenames:
        return
    params = [
        pytest.param(
            entry.name, case.label, mode, impl, id=f"{entry.name}|{case.label}|{mode}|{impl}"
        )
        for entry, case, mode, impl in Selection.from_config(metafunc.config).cases()
    ]
    metafunc.parametrize(("entry_name", "label", "mode", "impl"), params)


@cache
def reference_flops(entry_name: str, label: str, mode: str, device: str) -> int:
    entry = CATALOG[entry_name]
    case = next(c for c in entry.bench.cases if c.label == label)
    if case.flops is not None and mode in case.flops:
        return case.flops[mode]
    return count_flops(workload(entry, case, "reference", mode, torch.device(device)).step)


def test_case(
    benchmark: Any,
    bench_device: torch.device,
    budget: Budget,
    entry_name: str,
    label: str,
    mode: str,
    impl: str,
) -> None:
    entry = CATALOG[entry_name]
    case = next(c for c in entry.bench.cases if c.label == label)
    benchmark.group = f"{entry_name}|{label}|{mode}"
    benchmark.extra_info.update(
        entry=entry_name, label=label, mode=mode, impl=impl, batch=case.batch, n=case.cfg.get("n")
    )
    torch.manual_seed(0)
    try:
        work = workload(entry, case, impl, mode, bench_device)
        if impl == "compile":
            work.step()  # compile now, so that a failing compile skips cleanly
    except NotApplicable as why:
        pytest.skip(str(why))
    except Exception as error:
        if impl != "compile":
            raise
        pytest.skip(f"torch.compile failed: {type(error).__name__}: {error}".splitlines()[0])
    benchmark.extra_info["flops"] = reference_flops(entry_name, label, mode, bench_device.type)
    time_it(benchmark, work.step, bench_device, budget)
