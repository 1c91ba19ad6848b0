"""The self-contained HTML page of ``twinnet report`` (figures embedded as PNG data URIs)."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from html import escape

from twinnet.matrix import FAIL, XFAIL, XPASS, Matrix, cells_in_order
from twinnet.repro import Reproduce
from twinnet.results import Row, Run
from twinnet.tables import fmt_time, impls_of

CSS = """body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}td:first-child{text-align:left}
.pass{background:#d9f2d9}.FAIL{background:#f7b6b6;font-weight:bold}.skip{background:#fff3c4}
.XFAIL{background:#ecd9f2}.XPASS{background:#fde68a;font-weight:bold}.unsupported{color:#08c}
.blocked{background:#fff3c4}.same{color:#36c}.np{color:#999}.fast{color:#080}.slow{color:#b00}
img{max-width:100%;margin:6px 0}code{font-size:12px}li{margin:4px 0}"""
CSS_CLASS = {"n/p": "np"}


def _table(head: Sequence[str], body: Sequence[str]) -> str:
    ths = "".join(f"<th>{escape(h)}</th>" for h in head)
    return f"<table><tr>{ths}</tr>{''.join(body)}</table>"


def failures_html(matrix: Matrix, repro: Reproduce) -> str:
    """Every FAIL, XFAIL and XPASS cell: the reason, the example, the reproduction."""
    items = []
    for entry, prop, cell in cells_in_order(matrix):
        if cell.outcome not in (FAIL, XFAIL, XPASS):
            continue
        head = f'<span class="{cell.outcome}">{cell.outcome}</span> '
        head += f"<b>{escape(entry)}::{escape(prop)}</b>"
        if cell.xfail is not None:
            head += f" (xfails: {escape(cell.xfail)})"
        lines = [head]
        for failure in cell.failures[:1]:
            lines.append(escape(failure.reason))
            if failure.case:
                lines.append("example: " + escape(str(failure.case)))
            lines += [f"<code>{escape(c)}</code>" for c in repro.lines(entry, prop, failure.nodeid)]
        items.append("<li>" + "<br>".join(lines) + "</li>")
    return f"<ul>{''.join(items)}</ul>" if items else ""


def matrix_html(matrix: Matrix, repro: Reproduce) -> str:
    if not matrix.cells:
        return "<p>No property tests were collected.</p>"
    body = []
    for entry in matrix.entries:
        cells = [f"<td>{escape(entry)}</td>"]
        for prop in matrix.properties:
            cell = matrix.cells.get((entry, prop))
            if cell is None:
                cells.append("<td>·</td>")
                continue
            css = CSS_CLASS.get(cell.outcome, cell.outcome)
            cells.append(f'<td class="{css}">{escape(cell.label)}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    summary = ", ".join(f"{n} {o}" for o, n in matrix.summary().items())
    errors = "".join(f"<li>{escape(e)}</li>" for e in matrix.errors)
    return (
        _table(["entry", *matrix.properties], body)
        + f"<p>{escape(summary)}</p>"
        + failures_html(matrix, repro)
        + (f"<ul>{errors}</ul>" if errors else "")
    )


def _cell(r: Row | None) -> str:
    if r is None:
        return "<td>-</td>"
    text = fmt_time(r.m.median)
    if r.m.impl != "reference" and r.speedup is not None:
        css = "fast" if r.speedup >= 1.1 else "slow" if r.speedup <= 0.9 else ""
        text += f' <span class="{css}">x{r.speedup:.2f}</span>'
    if r.pct_peak is not None:
        text += f" ({r.pct_peak:.1f}%)"
    return f"<td>{text}</td>"


def bench_html(run: Run, rows: Sequence[Row]) -> str:
    impls = impls_of(rows)
    by_case: dict[tuple[str, str, str], dict[str, Row]] = {}
    for r in rows:
        by_case.setdefault(r.m.case, {})[r.m.impl] = r
    body = [
        f"<tr><td>{escape(e)}</td><td>{escape(lbl)}</td><td>{escape(mode)}</td>"
        + "".join(_cell(per.get(i)) for i in impls)
        + "</tr>"
        for (e, lbl, mode), per in by_case.items()
    ]
    peak = run.gemm_flops_per_s
    note = (
        f"<p>GEMM peak in this run: {peak / 1e9:.1f} GFLOP/s. Cells: median, speedup vs "
        "reference, (% of peak).</p>"
        if peak
        else "<p>No GEMM peak measured.</p>"
    )
    return note + _table(["entry", "size", "mode", *impls], body)


def machine_html(machine: Mapping[str, object]) -> str:
    keys = ("torch", "cpu_model", "torch_threads", "gpu", "gpu_driver", "node", "python_version")
    return "<ul>" + "".join(f"<li>{k}: {escape(str(machine.get(k)))}</li>" for k in keys) + "</ul>"


def page(
    matrix: Matrix,
    repro: Reproduce,
    run: Run | None,
    rows: Sequence[Row],
    figures: Mapping[str, bytes],
) -> str:
    imgs = "".join(
        f'<h3>{escape(name)}</h3><img alt="{escape(name)}" '
        f'src="data:image/png;base64,{base64.b64encode(png).decode()}">'
        for name, png in figures.items()
    )
    bench = bench_html(run, rows) if run is not None else "<p>No benchmark results.</p>"
    machine = machine_html(run.machine) if run is not None else ""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>twinnet report</title>"
        f"<style>{CSS}</style></head><body><h1>twinnet report</h1>"
        f"<h2>Conformance of {escape(repro.impl)} (profile {escape(repro.profile)})</h2>"
        f"{matrix_html(matrix, repro)}"
        f"<h2>Benchmarks (quick)</h2>{bench}<h2>Figures</h2>{imgs}"
        f"<h2>Machine</h2>{machine}</body></html>"
    )
