"""The memory a call needs (``benchmarks.memory``), carried from a timed case to the
recommendation: synthetic steps that hold a known number of bytes until they return."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from benchmarks import suite
from benchmarks.memory import peak_bytes
from benchmarks.selection import Selection
from benchmarks.timing import Budget
from benchmarks.workload import Workload
from properties.catalog import CATALOG
from tests.bench_runs import medians, run_json
from twinnet.html import recommend_html
from twinnet.processes import merge_runs
from twinnet.recommend import human_bytes, recommend
from twinnet.results import parse_run

CPU = torch.device("cpu")
MIB = 2**20


def holding(mib: int, device: torch.device = CPU) -> Callable[[], object]:
    """A step that allocates ``mib`` MiB (one float32 tensor) and a scratch copy of it, and
    holds both until it returns (its result is a one-element tensor)."""

    def step() -> object:
        kept = torch.ones(mib * MIB // 4, device=device)
        scratch = kept * 0.25
        return kept.sum() + scratch[:1]

    return step


def test_a_call_reports_at_least_what_it_holds_and_twice_the_tensor_reports_more() -> None:
    one, two = peak_bytes(holding(1), CPU), peak_bytes(holding(2), CPU)
    assert one is not None and two is not None
    assert one >= 2 * MIB  # the kept tensor and its scratch copy live together
    assert two > one and two >= 4 * MIB
    assert peak_bytes(holding(1), CPU) == one  # deterministic


def test_memory_allocated_before_the_call_is_not_counted() -> None:
    already = torch.ones(4 * MIB // 4)
    assert (peak_bytes(lambda: already.sum(), CPU) or 0) < MIB


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_the_cuda_count_agrees() -> None:
    cuda = torch.device("cuda")
    one, two = peak_bytes(holding(1, cuda), cuda), peak_bytes(holding(2, cuda), cuda)
    assert one is not None and two is not None and 2 * MIB <= one < two


def test_a_timed_case_carries_each_implementations_memory_to_the_recommendation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``optimized`` holds twice what ``reference`` does: the run file and the
    recommendation say so, per implementation."""
    sizes = {"reference": 1, "optimized": 2}

    def synthetic(case: suite.Case, impl: str, device: torch.device) -> Workload:
        return Workload(holding(sizes[impl]), (), 1)

    monkeypatch.setattr(suite, "build", synthetic)
    entry = CATALOG["alf.EncodingNetwork"]
    case = suite.Case(entry, entry.bench.cases[0], "fwd")
    selection = Selection(entries=entry.name, impls=("reference", "optimized"))
    items, skipped = suite.time_case(
        case, ["reference", "optimized"], selection, CPU, Budget(3, 0.0005, 1)
    )
    assert not skipped
    peak = {b["extra_info"]["impl"]: b["extra_info"]["peak_bytes"] for b in items}
    assert peak["reference"] >= MIB and peak["optimized"] > peak["reference"] >= MIB
    data = run_json({})
    data["benchmarks"] = items
    (rec,) = recommend(parse_run(data))
    assert rec.as_json()["memory_bytes"] == peak
    assert human_bytes(peak[rec.fastest]) in rec.memory_text


def test_merged_processes_keep_the_memory_count() -> None:
    """The first process counts the memory, the others do not (``BenchJob.extras``)."""
    first, second = run_json(medians(1), seed=0), run_json(medians(1), seed=1)
    for run, peak in ((first, 3 * MIB), (second, None)):
        for bench in run["benchmarks"]:
            bench["extra_info"]["peak_bytes"] = peak
    merged = parse_run(merge_runs([first, second]))
    assert {m.peak_bytes for m in merged.measurements} == {3 * MIB}
    old = parse_run(run_json(medians(1)))  # a run saved before memory was measured
    assert {m.peak_bytes for m in old.measurements} == {None}
    assert all(r.memory_text == "" for r in recommend(old))


def test_bytes_read_in_binary_units() -> None:
    assert [human_bytes(n) for n in (512, 1536, int(3.4 * MIB), None)] == [
        "512 B",
        "1.5 KiB",
        "3.4 MiB",
        "?",
    ]


def test_the_reports_recommendation_table_shows_the_memory_of_both() -> None:
    data = run_json(
        {("syn.A", "B=64", "fwd", "reference"): 1e-3, ("syn.A", "B=64", "fwd", "optimized"): 5e-4}
    )
    for bench in data["benchmarks"]:
        bench["extra_info"]["peak_bytes"] = (
            MIB if bench["extra_info"]["impl"] == "optimized" else 3 * MIB
        )
    page = recommend_html(parse_run(data))
    assert "memory per call" in page and "<td>1.0 MiB vs 3.0 MiB</td>" in page
