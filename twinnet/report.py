"""``twinnet report``: quick verify (profile quick) + quick bench, written to a folder.

The bench part times a case per regime of each entry, with settings that suit the machine,
and times unstable rows again before the verdict (:mod:`twinnet.report_timing`).

The candidate (``--impl``, default ``optimized``) is verified against the reference and
timed interleaved with the reference, optimized and the vmap ensemble. ``DIR/index.html``
opens with the verdict (:mod:`twinnet.verdict`), then the conformance table, the benchmark
table and the figures; the figures are also ``DIR/*.png``; ``DIR/results.json`` holds the
verdict, the matrix and every benchmark row; ``DIR/bench.json`` the benchmark run. The
terminal gets the matrix, every failure with its reason and reproduction, the benchmark
table, and the verdict last. Exit status 1 only when something failed (a cell, or a run
that did not complete).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from rich.console import Console

from benchmarks import suite
from benchmarks.selection import Selection
from benchmarks.timing import Budget
from properties.selection import CellSelection
from twinnet import plots, tables
from twinnet.bench_tables import bench_view
from twinnet.explain import print_explanations
from twinnet.html import page
from twinnet.matrix import Collector
from twinnet.matrix_files import matrix_json
from twinnet.recommend import recommend
from twinnet.report_timing import plan_timing, remeasure_unstable
from twinnet.repro import Reproduce
from twinnet.results import Row, Run, parse_run, rows
from twinnet.runner import BROKEN_RUN, VerifyOptions, run_verify
from twinnet.ui import new_progress, task_callback
from twinnet.verdict import Verdict, verdict, verdict_lines

PROFILE = "quick"


@dataclass(frozen=True)
class ReportOptions:
    out: Path
    impl: str = "optimized"
    device: str = "cpu"
    workers: str | None = None
    entries: str = "*"
    clock: str | None = None  # None: wall, or cpu on a busy machine (report_timing)
    catalog_extra: str = ""
    threads: int | None = None


def row_json(r: Row) -> dict[str, Any]:
    m = r.m
    return {
        "entry": m.entry,
        "label": m.label,
        "mode": m.mode,
        "impl": m.impl,
        "batch": m.batch,
        "n": m.n,
        "median": m.median,
        "spread": m.spread,
        "rounds": m.rounds,
        "flops": m.flops,
        "bytes": m.bytes,
        "speedup": r.speedup,
        "interval": list(r.interval) if r.interval else None,
        "roof": None
        if r.roof is None
        else {"bound": r.roof.bound, "achieved": r.roof.achieved, "fraction": r.roof.fraction},
        "unstable": list(r.unstable),
    }


def verdict_json(v: Verdict) -> dict[str, Any]:
    return {
        "ok": v.ok,
        "summary": v.summary,
        "levels": v.levels,
        "failed_levels": v.failed_levels,
        "failed": [
            {"entry": c.entry, "property": c.prop, "level": c.level, "reason": c.reason}
            for c in v.failed
        ],
        "errors": v.errors,
        "broken": v.broken,
        "geomean_speedup": None
        if v.geomean is None
        else dict(zip(("point", "low", "high"), v.geomean, strict=True)),
        "cases": v.cases,
        "machine": v.machine,
    }


def reference_samples(run: Run | None) -> dict[tuple[str, str, str], tuple[float, ...]]:
    if run is None:
        return {}
    return {m.case: m.samples for m in run.measurements if m.impl == "reference"}


def build_report(
    opts: ReportOptions,
    console: Console,
    verbose: bool = False,
    chosen: CellSelection | None = None,
) -> int:
    """Run, write the report; exit status 1 when something failed. ``chosen``: the
    verify run's selection (default: built from ``opts``, its catalog with the
    ``catalog_extra`` modules, which the bench times as well)."""
    opts.out.mkdir(parents=True, exist_ok=True)
    verify_opts = VerifyOptions(
        opts.impl,
        PROFILE,
        opts.entries,
        device=opts.device,
        catalog_extra=opts.catalog_extra,
        workers=opts.workers,
    )
    chosen = verify_opts.selection() if chosen is None else chosen
    collector = Collector(order=chosen.catalog)
    selection = Selection(
        entries=opts.entries,
        impls=("reference", "optimized", "vmap"),
        candidate=None if opts.impl == "optimized" else opts.impl,
        quick=True,
        sample=True,
    )
    plan = plan_timing(opts.device, opts.threads, opts.clock)
    console.print(f"timing: {plan.describe()}", style="yellow" if plan.adapted else "dim")
    label = "optimized" if opts.impl == "optimized" else opts.impl
    broken = []
    with new_progress(console) as progress:
        verified = run_verify(
            verify_opts,
            collector,
            task_callback(progress, f"verify {opts.impl} (profile {PROFILE})"),
            chosen,
        )
        threads = torch.get_num_threads()
        if plan.threads is not None:
            torch.set_num_threads(plan.threads)
        try:
            device = torch.device(opts.device)
            data = suite.run(
                selection,
                device,
                task_callback(progress, "quick bench (a case per regime)"),
                Budget.for_run(quick=True, clock=plan.clock),
                catalog=chosen.catalog,
            )
            data, _ = remeasure_unstable(
                data,
                selection,
                dict(chosen.catalog),
                device,
                plan.clock,
                label,
                task_callback(progress, "unstable rows again"),
            )
        except Exception as error:  # a candidate's workload may fail in any way
            data = None
            broken.append(f"the benchmark run failed: {type(error).__name__}: {error}")
        finally:
            torch.set_num_threads(threads)
    if verified.exit_code in BROKEN_RUN:
        broken.append(f"the property suite did not run (pytest exit code {verified.exit_code})")
    matrix, repro = collector.matrix, Reproduce(opts.impl, PROFILE, None, opts.catalog_extra)
    if not matrix.cells and not broken:
        broken.append("no property test ran")
    run = parse_run(data) if data is not None else None
    if data is not None:
        (opts.out / "bench.json").write_text(json.dumps(data, indent=1))
    bench_rows = rows(run) if run else []
    v = verdict(matrix, bench_rows, run, opts.impl, broken, plan.describe())
    figs = plots.figures(bench_rows, reference_samples(run), opts.impl)
    for name, png in figs.items():
        (opts.out / f"{name}.png").write_bytes(png)
    results = {
        "verdict": verdict_json(v),
        "impl": opts.impl,
        "device": opts.device,
        "conformance": matrix_json(matrix, repro),
        "machine": run.machine if run else {},
        "commit": run.commit if run else {},
        "benchmarks": [row_json(r) for r in bench_rows],
        "recommendations": [r.as_json() for r in recommend(run)] if run else [],
    }
    (opts.out / "results.json").write_text(json.dumps(results, indent=2))
    (opts.out / "index.html").write_text(page(v, matrix, repro, run, bench_rows, figs))
    if matrix.cells:
        console.print(tables.matrix_view(matrix, f"conformance of {opts.impl}", console))
        print_explanations(console, matrix, repro, verbose)
    if run is not None:
        console.print(bench_view(run, bench_rows, console, verbose))
    if verified.exit_code in BROKEN_RUN:
        console.print(verified.output[-3000:], markup=False, highlight=False)
    for line in verdict_lines(v):
        console.print(line, soft_wrap=True)
    console.print(f"report written to {opts.out / 'index.html'}")
    return 0 if v.ok else 1
