"""rich renderings: catalog listing and conformance matrix (benchmarks: ``bench_tables``).

Tables fit the console they are printed on (80 columns when piped): the matrix is a grid
where it fits and a list of outcomes per entry where it does not; the catalog is one
compact row per entry, grouped by family, with the details of each entry on request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from twinnet.matrix import (
    BLOCKED_CELL,
    FAIL,
    NOT_PROVIDED_CELL,
    OUTCOMES,
    PASS,
    SAME,
    SKIP,
    UNSUPPORTED,
    XFAIL,
    XPASS,
    Matrix,
)

OUTCOME_STYLE = {
    PASS: "green",
    FAIL: "bold red",
    XFAIL: "magenta",
    XPASS: "bold yellow",
    UNSUPPORTED: "cyan",
    BLOCKED_CELL: "yellow",
    SAME: "blue",
    NOT_PROVIDED_CELL: "dim",
    SKIP: "yellow",
}


# -- the catalog ------------------------------------------------------------------------
def _provided(yes: bool, shared: bool = False) -> Text:
    """``yes``, ``-``, or ``shared``: the implementation's object is the reference's own."""
    if yes and shared:
        return Text("shared", style="dim")
    return Text("yes", style="green") if yes else Text("-", style="dim")


def listing_table(rows: Sequence[dict[str, Any]]) -> Table:
    """One row per entry, grouped under "family: kind" headings: which implementations
    provide it, how many properties apply, how many benchmark cases it has."""
    impls = list(rows[0]["implementations"]) if rows else []
    short = {"reference": "ref", "optimized": "opt"}
    table = Table(
        title="twinnet catalog", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True
    )
    table.add_column("entry", no_wrap=True, overflow="ellipsis")
    for impl in impls:
        table.add_column(short.get(impl, "cand."), justify="center", no_wrap=True)
    table.add_column("props", justify="right", no_wrap=True)
    table.add_column("bench", justify="right", no_wrap=True)
    candidates = [i for i in impls if i not in short]
    table.caption = f"cand. = {', '.join(candidates)}" if candidates else None
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["family"], r["kind"]), []).append(r)
    for (family, kind), members in groups.items():
        table.add_row(Text.assemble((family, "bold"), (f": {kind}", "dim")))
        for r in members:
            table.add_row(
                f"  {r['entry']}",
                *(_provided(r["implementations"][i], i in r.get("shared", ())) for i in impls),
                str(len(r["properties"])),
                str(len(r["bench"])),
            )
    return table


def entry_details(row: dict[str, Any]) -> RenderableType:
    """One entry in full: the properties that apply, why the others do not, its bench."""
    sharing = set(row.get("shared", ()))
    provided = [
        f"{i} (shared: the reference's object)" if i in sharing else i
        for i, yes in row["implementations"].items()
        if yes
    ]
    text = Text()
    text.append(row["entry"], style="bold")
    text.append(f"  {row['kind']}, family {row['family']}\n")
    text.append("  provided by: ", style="dim")
    text.append((", ".join(provided) or "none") + "\n")
    text.append("  properties: ", style="dim")
    text.append(" ".join(row["properties"]) + "\n", style="green")
    origin = row.get("not_applicable_from", {})
    own = {p: why for p, why in row["not_applicable"].items() if origin.get(p) != "kind"}
    by_kind = [p for p in row["not_applicable"] if origin.get(p) == "kind"]
    if own:
        text.append("  not applicable:\n", style="dim")
        for prop, why in own.items():
            text.append(f"    {prop}", style="yellow")
            text.append(f": {why}\n")
    if by_kind:
        text.append("  not applicable to its kind: ", style="dim")
        text.append(" ".join(by_kind) + "\n", style="yellow")
    if row["bench"]:
        text.append("  bench cases: ", style="dim")
        text.append(" ".join(row["bench"]) + "\n")
    for what, path in row.get("files", {}).items():
        paths = path if isinstance(path, list) else [path]
        text.append(f"  {what} file{'s' if len(paths) > 1 else ''}: ", style="dim")
        text.append((", ".join(p for p in paths if p) or "none") + "\n")
    return text


def kind_reasons(rows: list[dict[str, Any]]) -> RenderableType:
    """Why each kind leaves properties out, once per kind (``list -v`` prints the entries'
    own reasons with each entry, and these once)."""
    kinds: dict[str, dict[str, list[str]]] = {}
    for row in rows:
        origin = row.get("not_applicable_from", {})
        reasons = kinds.setdefault(row["kind"], {})
        for prop, why in row["not_applicable"].items():
            if origin.get(prop) == "kind" and why not in reasons.setdefault(prop, []):
                reasons[prop].append(why)
    text = Text()
    for kind, reasons in kinds.items():
        if not reasons:
            continue
        text.append(f"{kind}: not applicable\n", style="bold")
        for prop, whys in reasons.items():
            text.append(f"    {prop}", style="yellow")
            text.append(f": {'; or '.join(whys)}\n")
    return text


# -- the conformance matrix ---------------------------------------------------------------
def _outcome(label: str, outcome: str) -> Text:
    return Text(label, style=OUTCOME_STYLE[outcome])


def matrix_grid(matrix: Matrix, title: str) -> Table:
    """Entry x property, one cell label each ('·' where a property does not apply)."""
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("entry", no_wrap=True)
    props = matrix.properties
    for prop in props:
        table.add_column(prop, justify="center")
    for entry in matrix.entries:
        cells = []
        for prop in props:
            cell = matrix.cells.get((entry, prop))
            cells.append(
                Text("·", style="dim") if cell is None else _outcome(cell.label, cell.outcome)
            )
        table.add_row(entry, *cells)
    return table


def _detail(outcome: str, label: str) -> str:
    """What a cell's label adds to its outcome ('2 unsup.' of 'pass (2 unsup.)')."""
    return label[len(outcome) :].strip().removeprefix("(").removesuffix(")")


def _cells_of(outcome: str, cells: list[tuple[str, str]]) -> str:
    """Passing cells as a count (naming those with unsupported examples), others by name."""
    if outcome == PASS:
        partly = [f"{p}: {_detail(PASS, label)}" for p, label in cells if label != PASS]
        return f"{len(cells)}" + (f" ({', '.join(partly)})" if partly else "")
    return " ".join(
        p if label == outcome else f"{p} ({_detail(outcome, label)})" for p, label in cells
    )


def matrix_list(matrix: Matrix, title: str) -> Table:
    """The matrix for narrow consoles: per entry, how many properties pass, and the others
    grouped by outcome."""
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, show_header=False)
    table.add_column("entry", no_wrap=True)
    table.add_column("outcomes")
    for entry in matrix.entries:
        by_outcome: dict[str, list[tuple[str, str]]] = {}
        for prop in matrix.properties:
            cell = matrix.cells.get((entry, prop))
            if cell is not None:
                by_outcome.setdefault(cell.outcome, []).append((prop, cell.label))
        parts = Text()
        for outcome in OUTCOMES:
            cells = by_outcome.get(outcome)
            if not cells:
                continue
            if parts:
                parts.append(" · ", style="dim")
            parts.append(f"{outcome} ", style=OUTCOME_STYLE[outcome])
            parts.append(_cells_of(outcome, cells))
        table.add_row(entry, parts)
    return table


def matrix_summary(matrix: Matrix) -> Text:
    """One line: how many cells came to each outcome."""
    text = Text()
    for i, (outcome, count) in enumerate(matrix.summary().items()):
        if i:
            text.append(" · ", style="dim")
        text.append(f"{count} {outcome}", style=OUTCOME_STYLE[outcome])
    return text


def matrix_view(matrix: Matrix, title: str, console: Console) -> RenderableType:
    """The grid when it fits ``console``, else the per-entry list; the summary below."""
    grid = matrix_grid(matrix, title)
    unbounded = console.options.update(max_width=10_000)
    fits = Measurement.get(console, unbounded, grid).maximum <= console.width
    return Group(grid if fits else matrix_list(matrix, title), matrix_summary(matrix))
