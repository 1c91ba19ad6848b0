"""``compare`` against the spread between processes (``twinnet.processes``), on synthetic
runs whose processes are each off by their own factor, as real processes are (memory
layout, kernel choice): unchanged code flags nothing although every run is tight inside,
and a planted 25% slowdown is still caught. Deterministic: seeded samples of known
effect sizes; the real-machine proof is ``twinnet selfcheck``."""

from __future__ import annotations

import pytest

from tests.bench_runs import medians, run_json
from twinnet.compare import compare
from twinnet.process_stats import ALPHA, family_adjusted
from twinnet.processes import merge_runs
from twinnet.results import parse_run

ENTRIES = 20  # 160 cases, 80 of them tested (the reference rows are the anchor)


def flagged(base: dict, new: dict, absolute: bool = False) -> set:
    return {d.key for d in compare(parse_run(base), parse_run(new), 0.10, absolute).slower}


def single_process(run: dict) -> dict:
    """The same rounds without the process split (as a run of one long process)."""
    benches = [
        {**b, "extra_info": {k: v for k, v in b["extra_info"].items() if k != "process_rounds"}}
        for b in run["benchmarks"]
    ]
    return {**run, "benchmarks": benches}


def noisy_run(seed: int, processes: int = 2, slow: dict | None = None) -> dict:
    return run_json(
        medians(ENTRIES, slow),
        spread=0.02,
        rounds=6,
        seed=seed,
        processes=processes,
        process_spread=0.12,
    )


@pytest.mark.parametrize("processes", [2, 3])
@pytest.mark.parametrize("absolute", [False, True])
def test_unchanged_code_with_process_effects_flags_nothing(processes: int, absolute: bool) -> None:
    within_run_alone = 0
    for seed in range(3):
        base, new = noisy_run(2 * seed, processes), noisy_run(2 * seed + 1, processes)
        assert flagged(base, new, absolute) == set(), f"seed {seed}"
        within_run_alone += len(flagged(single_process(base), single_process(new), absolute))
    # the same rounds read as one process each are flagged: the process effects are real
    assert within_run_alone > 0


@pytest.mark.parametrize("processes", [3, 4])  # the default of a saved run is 3
@pytest.mark.parametrize("absolute", [False, True])
def test_a_planted_slowdown_beyond_the_process_spread_is_caught(
    processes: int, absolute: bool
) -> None:
    def run(seed: int, slow: dict | None = None) -> dict:
        return run_json(
            medians(ENTRIES, slow),
            spread=0.02,
            rounds=6,
            seed=seed,
            processes=processes,
            process_spread=0.03,
        )

    keys = flagged(run(0), run(1, slow={2: 1.25}), absolute)
    assert {k[0] for k in keys} == {"syn.E2"} and len(keys) == 4


def test_merged_processes_keep_every_round_in_order() -> None:
    first, second = run_json(medians(1), rounds=3, seed=0), run_json(medians(1), rounds=4, seed=1)
    merged = parse_run(merge_runs([first, second]))
    for m in merged.measurements:
        assert m.process_rounds == (3, 4) and m.processes == 2
        one = next(
            b
            for b in first["benchmarks"]
            if b["extra_info"]["impl"] == m.impl and b["group"] == f"{m.entry}|{m.label}|{m.mode}"
        )
        assert m.by_process(m.samples)[0] == one["stats"]["data"]


def test_a_run_in_processes_keeps_each_process_rounds() -> None:
    """Two spawned processes time a one-case selection; the merged run says which rounds
    came from which (structure only: the spawned processes read a real clock)."""
    from benchmarks.selection import Selection
    from benchmarks.timing import Budget
    from twinnet.processes import BenchJob, run_processes

    selection = Selection(entries="alf.NormalProjectionNetwork", impls=("reference",))
    job = BenchJob(
        selection,
        "cpu",
        Budget(rounds=6, sample_time=0.0002, warmup=1),
        catalog_function=("twinnet.selfcheck", "selfcheck_catalog", (0.25,)),
    )
    seen: list[tuple[int, int]] = []
    run = parse_run(run_processes(job, 2, lambda done, total: seen.append((done, total))))
    assert run.meta["processes"] == 2
    assert run.measurements and all(m.process_rounds == (3, 3) for m in run.measurements)
    assert all(m.peak_bytes and m.flops for m in run.measurements)  # the first process's
    assert seen[-1][0] == seen[-1][1]  # progress over both processes reached the end


def test_the_between_process_level_holds_for_the_whole_comparison() -> None:
    """Benjamini-Hochberg over every tested row: one row's p-value of 1e-4 is a discovery
    among 4 rows but not among the ~350 of a whole-catalog compare, where a per-row level
    of 0.001 would expect a false alarm every third compare of unchanged code."""
    (alone,) = family_adjusted([1e-4], others=3)
    (among_catalog,) = family_adjusted([1e-4], others=343)
    assert alone == pytest.approx(4e-4) and alone < ALPHA
    assert among_catalog == pytest.approx(0.0344) and among_catalog > ALPHA
    # step-up: the k-th smallest of m is held to k * ALPHA / m, and order is kept
    adjusted = family_adjusted([3e-5, 1e-5, 5e-4], others=97)
    assert adjusted == pytest.approx([1.5e-3, 1e-3, 5e-4 * 100 / 3])
    assert family_adjusted([]) == []


def test_a_catalog_sized_compare_of_unchanged_code_flags_nothing_and_catches_a_plant() -> None:
    """400 tested rows with process effects: unchanged code flags nothing, and a 25%
    slowdown of one entry (processes as tight as a GEMM-bound case's) is still caught."""

    def run(seed: int, slow: dict | None = None, process_spread: float = 0.04) -> dict:
        return run_json(
            medians(100, slow),
            spread=0.02,
            rounds=4,
            seed=seed,
            processes=3,
            process_spread=process_spread,
        )

    for seed in range(2):
        assert flagged(run(2 * seed), run(2 * seed + 1)) == set(), f"seed {seed}"
    keys = flagged(run(4, process_spread=0.02), run(5, {7: 1.25}, process_spread=0.02))
    assert keys and {k[0] for k in keys} == {"syn.E7"}
