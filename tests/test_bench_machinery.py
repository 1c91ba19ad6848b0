"""The benchmark machinery on real timings of cheap synthetic workloads: round-robin order,
no flag between unchanged code, the planted 25% slowdown flagged (and only it), a small
real run's file (provenance, roofs, skipped implementations), and the planted candidate of
``twinnet selfcheck``."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
import torch

from benchmarks import suite
from benchmarks.selection import Selection
from benchmarks.suite import benchmark_json
from benchmarks.timing import Budget, count_flops, interleave
from benchmarks.workload import workload
from properties.catalog import CATALOG
from properties.entry import Bench
from twinnet.compare import compare
from twinnet.results import Run, parse_run, rows
from twinnet.selfcheck import PLANTED_MODULE, layers_for, selfcheck_catalog

CPU = torch.device("cpu")
#: The process's CPU time: the shared CI machine's load does not turn into outliers.
TINY = Budget(rounds=12, sample_time=0.002, warmup=1, clock="cpu")


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """Timing tests run on one thread: on a shared 2-core CI machine two threads stall."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_rounds_are_interleaved_and_rotate() -> None:
    calls: list[str] = []
    steps = {name: (lambda name=name: calls.append(name)) for name in "abc"}
    timings = interleave(steps, Budget(rounds=3, sample_time=0.0, warmup=0))
    assert {k: len(t.samples) for k, t in timings.items()} == {"a": 3, "b": 3, "c": 3}
    timed = calls[3:]  # one calibration call each first
    assert timed == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]


def matmuls(count: int) -> object:
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(48, 48, generator=generator)

    def step() -> None:
        for _ in range(count):
            torch.mm(a, a)

    return step


def as_run(timings: dict, prefix: str) -> Run:
    """The timings labelled ``prefix|entry|impl`` as a run of their own."""
    benches = []
    for label, timing in timings.items():
        run, entry, impl = label.split("|")
        if run == prefix:
            extra = {"entry": entry, "label": "B=1", "mode": "fwd", "flops": 1, "bytes": 1}
            benches.append(benchmark_json(f"{entry}|B=1|fwd", impl, timing.samples, extra))
    entries = sorted({b["extra_info"]["entry"] for b in benches})
    return parse_run({"benchmarks": benches, "twinnet": {"entries": entries, "roofs": {}}})


def test_unchanged_code_flags_nothing_and_a_planted_slowdown_is_caught() -> None:
    """Three runs of four synthetic entries (reference: 10 GEMMs, optimized: 20), their
    rounds interleaved so that the test does not depend on the CI machine's load: *again*
    unchanged, *planted* with entry 2's optimized doing 25% more GEMMs."""
    steps = {}
    for run in ("base", "again", "planted"):
        for e in range(4):
            steps[f"{run}|syn.E{e}|reference"] = matmuls(10)
            slow = run == "planted" and e == 2
            steps[f"{run}|syn.E{e}|optimized"] = matmuls(25 if slow else 20)
    timings = interleave(steps, TINY)
    base, again, planted = (as_run(timings, r) for r in ("base", "again", "planted"))
    assert compare(base, again, 0.10).slower == []
    caught = {d.key for d in compare(base, planted, 0.10).slower}
    assert caught == {("syn.E2", "B=1", "fwd", "optimized")}


def small_catalog() -> dict:
    entry = CATALOG["alf.EncodingNetwork"]
    image = CATALOG["alf.ImageEncodingNetwork"]
    return {
        entry.name: dataclasses.replace(entry, bench=Bench(entry.bench.cases[:1])),
        image.name: dataclasses.replace(image, bench=Bench(image.bench.cases[:1])),
    }


def test_a_run_file_carries_provenance_roofs_and_skips() -> None:
    selection = Selection(
        entries="*", impls=("reference", "optimized", "vmap"), candidate="tests.partial_candidate"
    )
    data = suite.run(selection, CPU, budget=Budget(3, 0.0005, 1), catalog=small_catalog())
    machine, commit, meta = data["machine_info"], data["commit_info"], data["twinnet"]
    for key in ("torch", "cpu_model", "torch_threads", "cuda_runtime", "gpu", "gpu_driver"):
        assert key in machine, key
    assert {"id", "dirty"} <= set(commit) and data["datetime"]
    assert meta["dtype"] == "float32" and meta["device"] == "cpu"
    assert meta["entries"] == ["alf.EncodingNetwork", "alf.ImageEncodingNetwork"]
    assert set(meta["roofs"]) == {"gemm", "copy"} and meta["roofs"]["gemm"]["rate"] > 0
    skipped = {(s["group"].split("|")[0], s["impl"]) for s in meta["skipped"]}
    assert ("alf.ImageEncodingNetwork", "tests.partial_candidate") in skipped
    run = parse_run(data)
    impls = {m.impl for m in run.measurements if m.entry == "alf.EncodingNetwork"}
    assert impls == {"reference", "optimized", "tests.partial_candidate"}
    assert all(m.rounds == 3 and m.bytes > 0 for m in run.measurements)
    cases = [b for b in data["benchmarks"] if not b["group"].startswith("roofline|")]
    assert all(b["stats"]["rounds"] == 3 for b in cases)  # pytest-benchmark stats
    assert all({"median", "iqr", "iterations", "data"} <= set(b["stats"]) for b in cases)
    optimized = [r for r in rows(run) if r.m.impl == "optimized"]
    assert optimized and all(r.speedup and r.interval and r.roof for r in optimized)


def test_the_planted_candidate_repeats_its_last_layer() -> None:
    """The self-check's plant: ``1 / L`` more FLOPs than optimized, on the same config."""
    assert layers_for(0.25) == 4 and layers_for(0.1) == 10
    entry = selfcheck_catalog(0.25)["alf.EncodingNetwork"]
    case = entry.bench.cases[0]
    flops = {
        module: count_flops(workload(entry, case, module, "fwd", CPU).step)
        for module in ("optimized", PLANTED_MODULE)
    }
    assert flops[PLANTED_MODULE] == flops["optimized"] * 5 // 4
    assert set(selfcheck_catalog(0.25)) >= {"alf.EncodingNetwork", "alf.ParallelEncodingNetwork"}
