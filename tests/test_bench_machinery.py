"""The benchmark machinery: round-robin order, no flag between unchanged code and the
planted 25% slowdown flagged (and only it) on a virtual clock with known noise and load, a
small run's file (provenance, roofs, skipped implementations), and the planted candidate of
``twinnet selfcheck``. Every timing here reads the virtual clock of ``tests/conftest.py``:
no verdict depends on the machine's load."""

from __future__ import annotations

import dataclasses
import time

import pytest
import torch

from benchmarks import suite, timing
from benchmarks.selection import Selection
from benchmarks.suite import benchmark_json
from benchmarks.timing import Budget, count_flops, interleave
from benchmarks.workload import workload
from properties.catalog import CATALOG
from properties.entry import Bench
from tests.virtual_clock import TICK, VirtualClock
from twinnet.compare import compare
from twinnet.results import Run, parse_run, rows
from twinnet.selfcheck import CONTROLS, PLANTED_MODULE, layers_for, selfcheck_catalog

CPU = torch.device("cpu")


def test_rounds_are_interleaved_and_rotate() -> None:
    calls: list[str] = []
    steps = {name: (lambda name=name: calls.append(name)) for name in "abc"}
    timings = interleave(steps, Budget(rounds=3, sample_time=0.0, warmup=0))
    assert {k: len(t.samples) for k, t in timings.items()} == {"a": 3, "b": 3, "c": 3}
    timed = calls[3:]  # one calibration call each first
    assert timed == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]


@pytest.mark.parametrize(("seconds", "rounds"), [(0.05, 10), (0.3, 6), (2.0, 5)])
def test_a_slow_case_gets_fewer_rounds_never_under_the_minimum(
    monkeypatch: pytest.MonkeyPatch, seconds: float, rounds: int
) -> None:
    """Two implementations of ``seconds`` a call each: ten rounds while they fit in the
    budget's two seconds, as many as fit when they do not, and never under five."""
    clock = VirtualClock(tick=1e-9)
    monkeypatch.setattr(timing, "CLOCKS", dict.fromkeys(timing.CLOCKS, clock))
    budget = Budget(rounds=10, sample_time=0.004, warmup=1, case_time=2.0, min_rounds=5)
    timings = interleave({"a": clock.step(seconds / 2), "b": clock.step(seconds / 2)}, budget)
    assert {len(t.samples) for t in timings.values()} == {rounds}
    assert Budget(rounds=10, sample_time=0.004).rounds_for(100.0) == 10  # no cap: all rounds


def as_run(timings: dict) -> Run:
    """Timings labelled ``entry|impl`` as a run of their own."""
    benches = []
    for label, timed in timings.items():
        entry, impl = label.split("|")
        extra = {"entry": entry, "label": "B=1", "mode": "fwd", "flops": 1, "bytes": 1}
        benches.append(benchmark_json(f"{entry}|B=1|fwd", impl, timed.samples, extra))
    entries = sorted({b["extra_info"]["entry"] for b in benches})
    return parse_run({"benchmarks": benches, "twinnet": {"entries": entries, "roofs": {}}})


def synthetic_run(
    monkeypatch: pytest.MonkeyPatch, seed: int, load: float, slow: dict[int, float]
) -> Run:
    """Four synthetic entries (reference: 1 ms a call, optimized: 2 ms, times ``slow[e]``)
    timed interleaved on a virtual clock with 5% log-normal noise, on a machine ``load``
    times slower than idle during the whole run and twice as slow again in one burst."""
    clock = VirtualClock(tick=1e-9, noise=0.05, seed=seed)
    clock.load = lambda now: load * (2.0 if 0.02 < now < 0.04 else 1.0)
    monkeypatch.setattr(timing, "CLOCKS", dict.fromkeys(timing.CLOCKS, clock))
    steps = {}
    for e in range(4):
        steps[f"syn.E{e}|reference"] = clock.step(1e-3)
        steps[f"syn.E{e}|optimized"] = clock.step(2e-3 * slow.get(e, 1.0))
    return as_run(interleave(steps, Budget(rounds=12, sample_time=0.002, warmup=1, clock="cpu")))


@pytest.mark.parametrize("seed", range(3))
def test_unchanged_code_flags_nothing_and_a_planted_slowdown_is_caught(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Interleaved timing and ``compare`` together, on samples of known effect size: a rerun
    of unchanged code on a 30% busier machine (with a load burst) flags nothing, and entry
    2's optimized doing 25% more work is flagged, and only it."""
    base = synthetic_run(monkeypatch, 3 * seed, load=1.0, slow={})
    again = synthetic_run(monkeypatch, 3 * seed + 1, load=1.3, slow={})
    planted = synthetic_run(monkeypatch, 3 * seed + 2, load=1.3, slow={2: 1.25})
    assert compare(base, again, 0.10).slower == []
    caught = {d.key for d in compare(base, planted, 0.10).slower}
    assert caught == {("syn.E2", "B=1", "fwd", "optimized")}


def test_tooling_tests_never_read_a_real_clock() -> None:
    """The pin of ``tests/conftest.py``: under every clock a budget can name, a step that
    sleeps 20 ms is timed as one tick of the virtual clock, not as 20 ms."""
    for clock in timing.CLOCKS:
        budget = Budget(rounds=2, sample_time=0.0, warmup=0, clock=clock)
        timings = interleave({"sleep": lambda: time.sleep(0.02)}, budget)
        assert timings["sleep"].samples == pytest.approx((TICK, TICK))


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
    # the controls sample the catalog: recurrent, Jacobian, ensemble and noisy entries too
    assert set(selfcheck_catalog(0.25)) == {"alf.EncodingNetwork", *CONTROLS}
    assert {"alf.LSTMEncodingNetwork", "alf.ReluMLP", "alf.CriticNetwork"} <= set(CONTROLS)
