"""The report on synthetic results: it opens with the verdict, its conformance table is
grouped with a legend and links every FAIL to its reason, its figures are drawn per entry
and operation without empty panels."""

from __future__ import annotations

import pytest
from rich.console import Console

from tests.bench_runs import medians, run_json
from tests.test_cli_matrix import REPRO, synthetic
from twinnet import plots
from twinnet.bench_tables import bench_view
from twinnet.html import anchor, page
from twinnet.matrix import Matrix
from twinnet.results import parse_run, rows
from twinnet.verdict import verdict, verdict_lines


def synthetic_run() -> tuple:
    data = medians(2)
    data[("syn.E0", "op2 B=1", "fwd", "reference")] = 1e-4
    data[("syn.E0", "op2 B=1", "fwd", "optimized")] = 2e-5
    run = parse_run(run_json(data))
    return run, rows(run)


def test_the_verdict_names_failures_speed_and_machine() -> None:
    run, bench_rows = synthetic_run()
    v = verdict(synthetic(), bench_rows, run, "optimized")
    assert not v.ok and {(c.entry, c.prop) for c in v.failed} == {
        ("alf.A", "parity"),
        ("alf.A", "signature"),
    }
    assert v.geomean is not None
    point, low, high = v.geomean
    assert low < point < high and 1.5 < point < 3.5
    assert v.best is not None and v.best.m.label == "op2 B=1"
    text = "\n".join(line.plain for line in verdict_lines(v))
    assert text.startswith("FAIL: optimized: conformance failed: 2 of")
    assert "FAIL alf.A::parity [conformance]  AssertionError: parity off by 1e-3" in text
    assert "geometric mean over" in text and "95% bootstrap interval" in text
    assert "Test CPU, 2 threads, no GPU" in text and "(dirty)" in text


def test_a_clean_verdict_passes() -> None:
    run, bench_rows = synthetic_run()
    v = verdict(Matrix(), bench_rows, run, "optimized")
    assert v.ok
    assert verdict_lines(v)[0].plain.startswith("PASS: optimized conforms")


def test_the_page_opens_with_the_verdict_and_links_failures() -> None:
    run, bench_rows = synthetic_run()
    matrix = synthetic()
    v = verdict(matrix, bench_rows, run, "optimized")
    html = page(v, matrix, REPRO, run, bench_rows, plots.figures(bench_rows, {}, "optimized"))
    body = html[html.index("<body>") :]
    assert body.index("verdict bad") < body.index("Conformance") < body.index("Benchmarks")
    target = anchor("alf.A", "parity")
    assert f'href="#{target}"' in html and f'id="{target}"' in html
    assert "twinnet verify --impl mylib --entries alf.A --properties parity" in html
    for group in ("structure", "numbers", "robustness"):
        assert f">{group}</th>" in html
    assert "does not apply" in html and "fails (click for the reason" in html


def test_figures_per_entry_and_operation_without_empty_panels() -> None:
    run, bench_rows = synthetic_run()
    reference = {m.case: m.samples for m in run.measurements if m.impl == "reference"}
    figures = plots.figures(bench_rows, reference, "optimized")
    assert set(figures) == {
        "speedup_summary",
        "speedup_syn_E0",
        "speedup_syn_E0_op2",
        "speedup_syn_E1",
    }
    assert all(png.startswith(b"\x89PNG") for png in figures.values())
    only_fwd = [r for r in bench_rows if r.m.mode == "fwd"]
    assert plots.speedup_vs_batch(only_fwd, "syn.E1", "", "optimized") is not None
    assert plots.speedup_vs_batch(only_fwd, "syn.E9", "", "optimized") is None


@pytest.mark.parametrize(
    ("label", "op"),
    [
        ("B=64", ""),
        ("B=64,n=4", ""),
        ("fwd_logdet,B=1024", "fwd_logdet"),
        ("jac 64-256-256-64 B=256", "jac 64-256-256-64"),
        ("B*L=4096,d=6", "B*L=4096 d=6"),
    ],
)
def test_operation_of_a_label(label: str, op: str) -> None:
    assert plots.operation(label) == op


@pytest.mark.parametrize("width", [80, 60])
def test_bench_view_fits_and_marks_the_roof(width: int) -> None:
    """A grid where it fits, else one line per implementation under a case heading."""
    run = parse_run(run_json(medians(2), roof_rates=(1e6, 1e5)))
    console = Console(width=width, record=True, color_system=None)
    console.print(bench_view(run, rows(run), console))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= width
    assert "above the roof" in text and "x2." in text
    assert ("FLOP!" in text) == (width == 80)  # the narrow list wraps its roof column
    assert ("syn.E0 B=64 fwd+bwd" in text) == (width < 80)
