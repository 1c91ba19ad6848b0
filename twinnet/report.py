"""``twinnet report``: quick verify (profile ci) + quick bench, written to a folder.

``DIR/index.html`` (conformance matrix, benchmark table, embedded figures), the figures
as ``DIR/*.png``, and ``DIR/results.json`` with the matrix and every benchmark row.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from benchmarks import plots, tables
from benchmarks.html import page
from benchmarks.results import Row, Run, load_run, rows
from benchmarks.runner import NO_TESTS, VerifyOptions, run_bench, run_verify
from benchmarks.selection import Selection
from benchmarks.ui import new_progress, task_callback


@dataclass(frozen=True)
class ReportOptions:
    out: Path
    impl: str = "optimized"
    device: str = "cpu"
    workers: str | None = None


def figures(bench_rows: list[Row]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for entry in dict.fromkeys(r.m.entry for r in bench_rows):
        slug = entry.replace(".", "_")
        for name, png in (
            (f"speedup_{slug}", plots.speedup_vs_batch(bench_rows, entry)),
            (f"time_vs_n_{slug}", plots.time_vs_n(bench_rows, entry)),
        ):
            if png is not None:
                out[name] = png
    return out


def results_json(
    matrix_json: dict[str, Any], run: Run | None, bench_rows: list[Row], opts: ReportOptions
) -> dict[str, Any]:
    return {
        "impl": opts.impl,
        "device": opts.device,
        "conformance": matrix_json,
        "gemm_flops_per_s": run.gemm_flops_per_s if run else None,
        "machine": run.machine if run else {},
        "benchmarks": [
            {**dataclasses.asdict(r.m), "speedup": r.speedup, "pct_peak": r.pct_peak}
            for r in bench_rows
        ],
    }


def build_report(opts: ReportOptions, console: Console) -> int:
    """Run, write the report; exit status 1 when conformance or the bench run failed."""
    opts.out.mkdir(parents=True, exist_ok=True)
    bench_json = opts.out / "bench.json"
    impls = tuple(dict.fromkeys(("reference", opts.impl, "vmap")))
    with new_progress(console) as progress:
        verified, matrix = run_verify(
            VerifyOptions(impl=opts.impl, profile="ci", device=opts.device, workers=opts.workers),
            task_callback(progress, f"verify {opts.impl} (profile ci)"),
        )
        benched = run_bench(
            Selection(impls=impls, quick=True),
            opts.device,
            bench_json,
            task_callback(progress, "quick bench"),
        )
    run = load_run(bench_json) if bench_json.is_file() else None
    bench_rows = rows(run) if run else []
    figs = figures(bench_rows)
    for name, png in figs.items():
        (opts.out / f"{name}.png").write_bytes(png)
    (opts.out / "results.json").write_text(
        json.dumps(results_json(matrix.to_json(), run, bench_rows, opts), indent=2)
    )
    (opts.out / "index.html").write_text(page(matrix, opts.impl, run, bench_rows, figs))
    if matrix.cells:
        console.print(tables.matrix_table(matrix, f"conformance of {opts.impl}"))
    if run is not None:
        console.print(tables.bench_table(run, bench_rows))
    console.print(f"report written to {opts.out / 'index.html'}")
    ok = not matrix.failed and verified.exit_code in (0, NO_TESTS) and benched.exit_code == 0
    return 0 if ok else 1
