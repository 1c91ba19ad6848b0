"""How ``twinnet report`` times (``twinnet.report_timing``) and what its verdict rests on:
settings chosen for a busy machine, unstable rows timed again, and a speed verdict over
the stable rows only."""

from __future__ import annotations

import dataclasses
import os

import pytest
from rich.console import Console

from benchmarks.selection import Selection, one_per_regime, regime
from properties.catalog import CATALOG
from properties.entry import Bench
from tests.bench_runs import medians, run_json
from twinnet import report_timing
from twinnet.matrix import Matrix
from twinnet.recommend import Recommendation, recommend, recommend_table
from twinnet.report_timing import plan_timing, remeasure_unstable
from twinnet.results import parse_run, rows
from twinnet.verdict import stability_line, verdict, verdict_lines


@pytest.mark.parametrize(
    ("load", "threads", "clock", "expected"),
    [
        (6.0, None, None, (1, "cpu", True)),  # busy, nothing chosen: one thread, CPU clock
        (6.0, 2, None, (2, "wall", False)),  # the user's choice stands
        (6.0, None, "wall", (None, "wall", False)),
        (0.2, None, None, (None, "wall", False)),  # quiet
    ],
)
def test_a_busy_machine_is_timed_with_one_thread_and_the_cpu_clock(
    monkeypatch: pytest.MonkeyPatch, load: float, threads, clock, expected
) -> None:
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    plan = plan_timing("cpu", threads, clock)
    assert (plan.threads, plan.clock, plan.adapted) == expected
    assert ("busy" in plan.describe()) is expected[2]


def with_unstable_best() -> dict:
    """Four synthetic entries, and a fifth whose optimized is 'x20' on wildly spread rounds."""
    data = run_json(medians(4), seed=0)
    noisy = run_json(
        {("syn.N", "B=1", "fwd", "reference"): 1e-3, ("syn.N", "B=1", "fwd", "optimized"): 5e-5},
        spread=1.5,
        seed=1,
    )
    data["benchmarks"] += noisy["benchmarks"]
    data["twinnet"]["entries"] += ["syn.N"]
    return data


def test_the_speed_verdict_rests_on_stable_rows_and_says_how_many() -> None:
    run = parse_run(with_unstable_best())
    bench_rows = rows(run)
    assert any(r.m.entry == "syn.N" and r.is_unstable for r in bench_rows)
    v = verdict(Matrix(), bench_rows, run, "optimized")
    assert v.best is not None and v.best.m.entry != "syn.N"
    assert v.timed == v.cases + 1
    line = stability_line(v)
    assert line is not None and f"{v.cases} of {v.timed} rows" in line and "1 unstable" in line
    assert any(line in t.plain for t in verdict_lines(v))


def test_unstable_rows_are_timed_again_and_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    data = with_unstable_best()
    steady = run_json(
        {("syn.N", "B=1", "fwd", "reference"): 1e-3, ("syn.N", "B=1", "fwd", "optimized"): 5e-5},
        spread=0.01,
        seed=2,
    )
    asked: list[str] = []

    def timed_again(selection: Selection, *args, catalog: dict, extras: bool) -> dict:
        assert not extras  # the FLOPs and the memory are not counted again
        asked.append(selection.entries)
        assert [c.label for c in catalog["syn.N"].bench.cases] == ["B=1"]
        return steady

    entry = CATALOG["alf.EncodingNetwork"]
    case = dataclasses.replace(entry.bench.cases[0], label="B=1")
    catalog = {"syn.N": dataclasses.replace(entry, name="syn.N", bench=Bench((case,)))}
    monkeypatch.setattr(report_timing.suite, "run", timed_again)
    merged, count = remeasure_unstable(
        data,
        Selection(),
        catalog,
        None,
        "cpu",
        "optimized",  # type: ignore[arg-type]
    )
    assert count == 1 and asked == ["syn.N"]
    again = {r.m.key: r for r in rows(parse_run(merged))}
    assert not again[("syn.N", "B=1", "fwd", "optimized")].is_unstable
    assert len(merged["benchmarks"]) == len(data["benchmarks"])
    first = {b["name"]: b["extra_info"] for b in data["benchmarks"]}
    assert all(b["extra_info"] == first[b["name"]] for b in merged["benchmarks"])


def test_the_report_sample_takes_one_case_per_regime_preferring_targets() -> None:
    critic = CATALOG["alf.CriticNetwork"]
    chosen = one_per_regime(list(critic.bench.cases))
    assert sorted(regime(c) for c in chosen) == ["acting", "ensemble", "training"]
    for case in chosen:
        same = [c for c in critic.bench.cases if regime(c) == regime(case)]
        assert case.targets or not any(c.targets for c in same)


def test_the_recommendation_names_the_fastest_or_no_clear_winner() -> None:
    data = run_json(
        {
            ("syn.A", "B=1", "fwd", "reference"): 1e-3,
            ("syn.A", "B=1", "fwd", "optimized"): 5e-4,  # twice as fast: a clear winner
            ("syn.B", "B=64", "fwd", "reference"): 1e-3,
            ("syn.B", "B=64", "fwd", "optimized"): 0.99e-3,  # 1% apart in 5% noise
        },
        spread=0.05,
        seed=3,
    )
    recs = {r.entry: r for r in recommend(parse_run(data))}
    assert recs["syn.A"].clear and recs["syn.A"].choice == "optimized"
    assert recs["syn.A"].regime == "acting B=1"
    assert not recs["syn.B"].clear and recs["syn.B"].choice.startswith("no clear winner")
    assert recs["syn.B"].as_json()["choice"] is None


def test_the_recommendation_table_cuts_nothing_at_80_columns() -> None:
    """A table per entry, titled with its name, so a long entry name and a wide interval
    are shown whole (folded, never cut with an ellipsis) on an 80-column terminal."""
    long = "alf.ParallelActorDistributionNetwork"
    rec = Recommendation(
        long, "B=256,n=10", "fwd+bwd", "ensemble n=10", "cpu", "optimized", 1e-3,
        "vmap", (3.88, 0.222, 16.58), {"optimized": 10 << 20, "vmap": 11 << 20},
    )  # fmt: skip
    console = Console(width=80, record=True, color_system=None)
    console.print(recommend_table([rec, dataclasses.replace(rec, mode="fwd")]))
    text = console.export_text()
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 80
    assert text.count(long) == 1  # one title for the entry's cases
    assert "[0.222,16.6]" in text and "B=256,n=10" in text
