"""``twinnet report``: quick verify (profile ci) + quick bench, written to a folder.

The candidate (``--impl``, default ``optimized``) is verified against the reference and
timed beside the reference, optimized and the vmap ensemble. ``DIR/index.html``
(conformance matrix with every failure's reason and reproduction, benchmark table,
embedded figures), the figures as ``DIR/*.png``, and ``DIR/results.json`` with the matrix
and every benchmark row.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from benchmarks.selection import Selection
from properties.catalog import catalog
from twinnet import plots, tables
from twinnet.explain import print_explanations
from twinnet.html import page
from twinnet.matrix import Collector
from twinnet.matrix_files import matrix_json
from twinnet.repro import Reproduce
from twinnet.results import Row, Run, load_run, rows
from twinnet.runner import BROKEN_RUN, VerifyOptions, run_bench, run_verify
from twinnet.ui import new_progress, task_callback

PROFILE = "ci"


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
    conformance: dict[str, Any], run: Run | None, bench_rows: list[Row], opts: ReportOptions
) -> dict[str, Any]:
    return {
        "impl": opts.impl,
        "device": opts.device,
        "conformance": conformance,
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
    collector = Collector(order=catalog())
    with new_progress(console) as progress:
        verified = run_verify(
            VerifyOptions(opts.impl, PROFILE, device=opts.device, workers=opts.workers),
            collector,
            task_callback(progress, f"verify {opts.impl} (profile {PROFILE})"),
        )
        benched = run_bench(
            Selection(impls=("reference", "optimized", "vmap"), candidate=opts.impl, quick=True),
            opts.device,
            bench_json,
            task_callback(progress, "quick bench"),
        )
    matrix, repro = collector.matrix, Reproduce(opts.impl, PROFILE)
    run = load_run(bench_json) if bench_json.is_file() else None
    bench_rows = rows(run) if run else []
    figs = figures(bench_rows)
    for name, png in figs.items():
        (opts.out / f"{name}.png").write_bytes(png)
    (opts.out / "results.json").write_text(
        json.dumps(results_json(matrix_json(matrix, repro), run, bench_rows, opts), indent=2)
    )
    (opts.out / "index.html").write_text(page(matrix, repro, run, bench_rows, figs))
    if matrix.cells:
        console.print(tables.matrix_view(matrix, f"conformance of {opts.impl}", console))
        print_explanations(console, matrix, repro)
    if run is not None:
        console.print(tables.bench_table(run, bench_rows))
    console.print(f"report written to {opts.out / 'index.html'}")
    ok = (
        not matrix.failed
        and verified.exit_code not in BROKEN_RUN
        and bool(matrix.cells)
        and benched.exit_code == 0
    )
    return 0 if ok else 1
