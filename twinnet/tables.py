"""rich renderings: catalog listing, conformance matrix, benchmark and regression tables."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from benchmarks.compare import Delta
from benchmarks.results import Row, Run
from properties.conformance import FAIL, NOT_PROVIDED, PASS, SKIP, Matrix

OUTCOME_STYLE = {PASS: "green", FAIL: "bold red", SKIP: "yellow", NOT_PROVIDED: "dim"}
IMPL_ORDER = ("reference", "optimized", "vmap", "compile")


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fmt_speedup(speedup: float | None) -> Text:
    if speedup is None:
        return Text("")
    style = "green" if speedup >= 1.1 else "red" if speedup <= 0.9 else ""
    return Text(f"x{speedup:.2f}", style=style)


def listing_table(rows: Sequence[dict]) -> Table:
    table = Table(title="twinnet catalog")
    table.add_column("entry", no_wrap=True)
    table.add_column("family")
    impls = list(rows[0]["implementations"]) if rows else []
    for impl in impls:
        table.add_column(impl)
    table.add_column("bench", justify="right")
    table.add_column("properties", overflow="fold")
    for r in rows:
        provided = [
            Text("yes", style="green") if r["implementations"][i] else Text("n/p", style="dim")
            for i in impls
        ]
        table.add_row(
            r["entry"], r["family"], *provided, str(len(r["bench"])), " ".join(r["properties"])
        )
    return table


def matrix_table(matrix: Matrix, title: str) -> Table:
    table = Table(title=title)
    table.add_column("entry")
    props = matrix.properties
    for prop in props:
        table.add_column(prop, justify="center")
    for entry in matrix.entries:
        cells = []
        for prop in props:
            cell = matrix.cells.get((entry, prop))
            cells.append(
                Text("·", style="dim")
                if cell is None
                else Text(cell.outcome, style=OUTCOME_STYLE[cell.outcome])
            )
        table.add_row(entry, *cells)
    return table


def _impls(rows: Sequence[Row]) -> list[str]:
    present = {r.m.impl for r in rows}
    return [i for i in IMPL_ORDER if i in present] + sorted(present - set(IMPL_ORDER))


def bench_table(run: Run, rows: Sequence[Row]) -> Table:
    """Per case: each implementation's median, speedup vs reference, %peak."""
    peak = run.gemm_flops_per_s
    title = "benchmarks (median, speedup vs reference, % of GEMM peak"
    title += f" {peak / 1e9:.1f} GFLOP/s)" if peak else ", no GEMM measured)"
    table = Table(title=title)
    for col in ("entry", "size", "mode"):
        table.add_column(col)
    impls = _impls(rows)
    for impl in impls:
        table.add_column(impl, justify="right")
    by_case: dict[tuple[str, str, str], dict[str, Row]] = {}
    for r in rows:
        by_case.setdefault(r.m.case, {})[r.m.impl] = r
    for (entry, label, mode), per_impl in by_case.items():
        cells = []
        for impl in impls:
            r = per_impl.get(impl)
            if r is None:
                cells.append(Text("-", style="dim"))
                continue
            cell = Text(fmt_time(r.m.median))
            if impl != "reference":
                cell.append(" ").append_text(fmt_speedup(r.speedup))
            if r.pct_peak is not None:
                cell.append(f" {r.pct_peak:.1f}%", style="cyan")
            cells.append(cell)
        table.add_row(entry, label, mode, *cells)
    return table


STATUS_STYLE = {
    "slower": "bold red",
    "faster": "green",
    "same": "",
    "new": "cyan",
    "gone": "yellow",
}


def compare_table(deltas: Sequence[Delta], fail_above: float) -> Table:
    table = Table(
        title=f"regressions (GEMM-normalised medians; flag above "
        f"+{100 * fail_above:g}% and outside IQR noise)"
    )
    for col in ("entry", "size", "mode", "impl", "base", "new", "new/base", "noise", "status"):
        table.add_column(
            col, justify="right" if col in ("base", "new", "new/base", "noise") else "left"
        )
    for d in deltas:
        ratio = d.ratio
        table.add_row(
            *d.key,
            "-" if d.base is None else f"{d.base:.4g}",
            "-" if d.new is None else f"{d.new:.4g}",
            "-" if ratio is None else f"{ratio:.3f}",
            "-"
            if d.base is None or d.new is None or not d.base
            else f"{100 * d.noise / d.base:.1f}%",
            Text(d.status, style=STATUS_STYLE[d.status]),
        )
    return table
