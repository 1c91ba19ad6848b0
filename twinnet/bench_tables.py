"""rich renderings of benchmark runs and of their comparison.

Both fit the console they are printed on: a grid (one column per implementation, or every
figure of a comparison) where it fits, else a compact list of one line per implementation
under a heading per case (80 columns, and piped output, which rich renders at 80 columns
without colour).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich import box
from rich.console import Console, Group, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from twinnet.compare import Comparison, Delta
from twinnet.results import RoofFraction, Row, Run

IMPL_ORDER = ("reference", "optimized", "vmap", "compile")
UNSTABLE_MARK = "~"
ABOVE_ROOF_MARK = "!"
STATUS_STYLE = {
    "slower": "bold red",
    "faster": "green",
    "same": "",
    "new": "cyan",
    "gone": "yellow",
    "anchor": "dim",
}


def fmt_time(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fmt_rate(rate: float, unit: str) -> str:
    return f"{rate / 1e9:.1f} G{unit}/s"


def fmt_speedup(row: Row) -> Text:
    """``x1.98 [1.90,2.05]``, green/red outside +-10%, with the unstable mark."""
    if row.speedup is None:
        return Text("")
    s = row.speedup
    style = "green" if s >= 1.1 else "red" if s <= 0.9 else ""
    text = Text(f"x{s:.2f}", style=style)
    if row.interval is not None:
        text.append(f" [{row.interval[0]:.2f},{row.interval[1]:.2f}]", style="dim")
    if row.is_unstable:
        text.append(UNSTABLE_MARK, style="bold yellow")
    return text


def fmt_roof(roof: RoofFraction | None) -> Text:
    """``46% FLOP`` / ``12% B``; a fraction above 1 carries the above-roof mark."""
    if roof is None:
        return Text("")
    text = Text(f"{100 * roof.fraction:.0f}% {roof.bound}", style="cyan")
    if roof.above_roof:
        text.append(ABOVE_ROOF_MARK, style="bold yellow")
    return text


def fmt_median(row: Row) -> Text:
    text = Text(fmt_time(row.m.median))
    text.append(f" ±{100 * row.m.spread:.0f}%", style="dim")
    if row.speedup is None and row.is_unstable:
        text.append(UNSTABLE_MARK, style="bold yellow")
    return text


def impls_of(rows: Sequence[Row]) -> list[str]:
    """The implementations of ``rows``: the usual ones first, then candidates and peers."""
    present = {r.m.impl for r in rows}
    return [i for i in IMPL_ORDER if i in present] + sorted(present - set(IMPL_ORDER))


def by_case(rows: Sequence[Row]) -> dict[tuple[str, str, str], dict[str, Row]]:
    out: dict[tuple[str, str, str], dict[str, Row]] = {}
    for r in rows:
        out.setdefault(r.m.case, {})[r.m.impl] = r
    return out


def _fits(console: Console, table: Table) -> bool:
    unbounded = console.options.update(max_width=10_000)
    return Measurement.get(console, unbounded, table).maximum <= console.width


def bench_grid(rows: Sequence[Row]) -> Table:
    """Case x implementation: median ±spread, speedup [interval], roof fraction."""
    impls = impls_of(rows)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("entry", "size", "mode"):
        table.add_column(col, no_wrap=True)
    for impl in impls:
        table.add_column(impl, justify="right", no_wrap=True)
    for (entry, label, mode), per_impl in by_case(rows).items():
        cells: list[RenderableType] = []
        for impl in impls:
            row = per_impl.get(impl)
            if row is None:
                cells.append(Text("-", style="dim"))
                continue
            cell = fmt_median(row)
            if row.speedup is not None:
                cell.append("\n").append_text(fmt_speedup(row))
            cell.append("\n").append_text(fmt_roof(row.roof))
            cells.append(cell)
        table.add_row(entry, label, mode, *cells)
    return table


def _line(*cells: tuple[Text | str, int, str]) -> Text:
    """Cells of fixed width (``<`` left, ``>`` right aligned, cut with an ellipsis)."""
    line = Text()
    for k, (value, width, align) in enumerate(cells):
        text = value.copy() if isinstance(value, Text) else Text(value)
        if len(text) > width:
            text.truncate(width - 1)
            text.append("…")
        pad = " " * (width - len(text))
        line.append(" " if k else "")
        line.append_text(Text(pad) + text if align == ">" else text + Text(pad))
    return line


def bench_list(rows: Sequence[Row]) -> Group:
    """One line per implementation under a heading line per case (narrow consoles, pipes):
    at most 74 columns."""
    lines = [
        _line(
            ("impl", 22, "<"),
            ("median ±IQR", 15, ">"),
            ("speedup [95%]", 23, "<"),
            ("roof", 11, ">"),
        )
    ]
    lines[0].stylize("bold")
    impls = impls_of(rows)
    for (entry, label, mode), per_impl in by_case(rows).items():
        lines.append(Text(f"{entry} {label} {mode}", style="bold"))
        for impl in impls:
            row = per_impl.get(impl)
            if row is not None:
                lines.append(
                    _line(
                        (f"  {impl}", 22, "<"),
                        (fmt_median(row), 15, ">"),
                        (fmt_speedup(row), 23, "<"),
                        (fmt_roof(row.roof), 11, ">"),
                    )
                )
    return Group(*lines)


def roofs_line(run: Run) -> Text:
    text = Text("roofs (best of interleaved rounds): ", style="dim")
    parts = []
    for roof, unit in ((run.gemm, "FLOP"), (run.copy, "B")):
        if roof is None:
            continue
        part = f"{roof.name} {roof.label} {fmt_rate(roof.rate, unit)}"
        if roof.unstable:
            part += f" (UNSTABLE: median round {100 * roof.spread:.0f}% slower than best)"
        parts.append(part)
    return text.append("; ".join(parts) if parts else "none measured", style="dim")


def legend(run: Run, rows: Sequence[Row], verbose: bool = False) -> list[Text]:
    rounds = sorted({r.m.rounds for r in rows})
    shown = "/".join(map(str, rounds)) or "0"
    lines = [
        Text(
            f"median of {shown} interleaved rounds ±IQR/median; speedup vs reference of the "
            "same case [95% bootstrap interval]; roof: % of the same-run GEMM (FLOP) or copy "
            f"(B), whichever bounds the case; {UNSTABLE_MARK} unstable; {ABOVE_ROOF_MARK} above "
            "the roof: the roof was measured under load (unstable), not a real >100%",
            style="dim",
        ),
        roofs_line(run),
    ]
    load, cpus = run.meta.get("load_average"), run.meta.get("cpus")
    if load and cpus and max(load) > cpus:
        advice = []
        if run.meta.get("threads", 1) > 1:
            advice.append("--threads 1 avoids the stalls of oversubscribed multi-threaded kernels")
        if run.clock == "wall":
            advice.append("--clock cpu does not count the time spent descheduled")
        lines.append(
            Text(
                f"the machine was loaded while timing (load average {max(load):.1f} on {cpus} "
                "CPUs): expect unstable rows" + ("; " + "; ".join(advice) if advice else ""),
                style="yellow",
            )
        )
    unstable = [r for r in rows if r.is_unstable]
    if unstable:
        lines.append(
            Text(f"{len(unstable)} of {len(rows)} rows unstable", style="yellow")
            + Text("" if verbose else " (-v lists why)", style="dim")
        )
        if verbose:
            for r in unstable:
                lines.append(
                    Text(f"  {' '.join(r.m.key)}: {'; '.join(r.unstable)}", style="yellow")
                )
    if run.skipped and verbose:
        for skip in run.skipped:
            lines.append(Text(f"skipped {skip['group']} {skip['impl']}: {skip['reason']}"))
    return lines


def bench_view(
    run: Run, rows: Sequence[Row], console: Console, verbose: bool = False
) -> RenderableType:
    """The grid where it fits ``console``, else the list; the legend below."""
    grid = bench_grid(rows)
    grid.title = "benchmarks"
    fits = _fits(console, grid)
    title = Text("benchmarks", style="bold")
    return Group(*([grid] if fits else [title, bench_list(rows)]), *legend(run, rows, verbose))


# -- comparison ---------------------------------------------------------------------------
def _ratio(d: Delta) -> Text:
    ratio = d.ratio
    if ratio is None:
        return Text("-")
    text = Text(f"{ratio:.3f}", style=STATUS_STYLE[d.status])
    if d.interval is not None:
        text.append(f" [{d.interval[0]:.2f},{d.interval[1]:.2f}]", style="dim")
    return text


def _p(d: Delta) -> str:
    return "-" if d.p_value is None or math.isnan(d.p_value) else f"{d.p_value:.2g}"


def compare_grid(comparison: Comparison) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("entry", "size", "mode", "impl"):
        table.add_column(col, no_wrap=True)
    for col in ("base", "new", "new/base [95%]", "p", "status"):
        table.add_column(col, justify="right", no_wrap=True)
    raw = not comparison.normalised and (comparison.anchor is None)
    for d in comparison.deltas:
        anchor = d.status == "anchor"
        base = fmt_time(d.base) if raw or anchor else _plain(d.base)
        new = fmt_time(d.new) if raw or anchor else _plain(d.new)
        table.add_row(
            *d.key, base, new, _ratio(d), _p(d), Text(d.status, style=STATUS_STYLE[d.status])
        )
    return table


def _plain(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def compare_list(comparison: Comparison) -> Group:
    """One line per implementation under a heading line per case (at most 78 columns)."""
    head = _line(("impl", 20, "<"), ("new/base [95%]", 26, "<"), ("p", 8, ">"), ("status", 8, "<"))
    head.stylize("bold")
    lines = [head]
    case = None
    for d in comparison.deltas:
        if d.key[:3] != case:
            case = d.key[:3]
            lines.append(Text(" ".join(case), style="bold"))
        lines.append(
            _line(
                (f"  {d.key[3]}", 20, "<"),
                (_ratio(d), 26, "<"),
                (_p(d), 8, ">"),
                (Text(d.status, style=STATUS_STYLE[d.status]), 8, "<"),
            )
        )
    return Group(*lines)


def compare_view(comparison: Comparison, console: Console) -> RenderableType:
    grid = compare_grid(comparison)
    grid.title = "regressions"
    table: RenderableType = grid
    if not _fits(console, grid):
        table = Group(Text("regressions", style="bold"), compare_list(comparison))
    pct = f"{100 * comparison.fail_above:g}%"
    notes = [
        Text(
            f"slower: new/base above 1+{pct}, its 95% interval above 1, and Mann-Whitney U "
            "(one-sided) p < 0.01",
            style="dim",
        )
    ]
    if comparison.anchor is not None:
        notes.append(
            Text(
                f"new/base of times relative to the {comparison.anchor} of the same round; a "
                "row is flagged only when its raw times agree; the "
                f"{comparison.anchor} rows are the anchor (--absolute: raw times only)",
                style="dim",
            )
        )
    if comparison.normalised:
        what = ", ".join(f"{k} {a} vs {b}" for k, (a, b) in comparison.differences.items())
        notes.append(
            Text(
                f"different machines ({what}): raw times in units of the bounding same-run "
                "roof (GEMM or copy)",
                style="yellow",
            )
        )
    return Group(table, *notes)
