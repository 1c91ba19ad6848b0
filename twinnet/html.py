"""The self-contained HTML page of ``twinnet report`` (figures embedded as PNG data URIs).

It opens with the verdict (cells passed and failed with each failure's reason, the
geometric-mean speedup with its interval, the best and worst cases, the machine), then the
summary figure, the conformance table (entries as rows, properties grouped under headings,
a legend; every FAIL cell links to its reason, example and reproduction lines), the
benchmark table, the per-entry figures and the full provenance.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from html import escape

from twinnet.bench_tables import fmt_time, impls_of
from twinnet.matrix import (
    BLOCKED_CELL,
    FAIL,
    NOT_PROVIDED_CELL,
    PASS,
    SAME,
    SKIP,
    UNSUPPORTED,
    XFAIL,
    XPASS,
    Matrix,
    cells_in_order,
)
from twinnet.recommend import recommend
from twinnet.repro import Reproduce
from twinnet.results import Row, Run
from twinnet.verdict import Verdict, describe_row, headline, speed_line, stability_line

CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1400px;color:#222}
table{border-collapse:collapse;font-size:12px;margin:8px 0}
td,th{border:1px solid #ddd;padding:2px 6px;text-align:center}
td.name,th.name{text-align:left;white-space:nowrap}th.group{background:#f3f3f3}
th.prop{font-weight:normal;font-size:11px}.num{text-align:right;white-space:nowrap}
.pass{background:#e3f5e3;color:#185c18}.FAIL{background:#f7b6b6;font-weight:bold}
.skip,.blocked{background:#fff6d5}.XFAIL{background:#efe0f5}.XPASS{background:#fde68a}
.unsupported{color:#07a}.same{color:#36c}.np{color:#999}.fast{color:#080}.slow{color:#b00}
.verdict{border:2px solid;padding:10px 16px;margin-bottom:1.5em;border-radius:6px}
.verdict.ok{border-color:#2a2;background:#f3fbf3}.verdict.bad{border-color:#c22;background:#fdf3f3}
.verdict h2{margin:0 0 6px 0}.dim{color:#777}.warn{color:#a60}
img{max-width:100%;margin:6px 0}code{font-size:11px;background:#f6f6f6}li{margin:4px 0}"""

#: Property ids grouped under the conformance table's headings; others go to the last.
GROUPS = (
    ("structure", ("signature", "shape", "state_dict")),
    (
        "numbers",
        (
            "parity",
            "grad_parity",
            "reparam_grad",
            "batch_invariance",
            "parallel",
            "device",
            "recurrent_steps",
            "loss",
        ),
    ),
    ("distributions", ("dist_bounds", "dist_logprob", "dist_sampling", "determinism")),
    ("flows, Jacobians", ("flow_inverse", "flow_logdet", "jacobian")),
    ("robustness", ("init", "bad_input")),
)
SYMBOL = {
    PASS: "✓",
    FAIL: "FAIL",
    XFAIL: "xfail",
    XPASS: "XPASS",
    UNSUPPORTED: "uns.",
    BLOCKED_CELL: "blk",
    SAME: "=",
    NOT_PROVIDED_CELL: "n/p",
    SKIP: "skip",
}
MEANING = {
    PASS: "pass",
    FAIL: "fails (click for the reason, example and reproduction)",
    XFAIL: "fails as listed in the xfails file",
    XPASS: "passes although listed as expected to fail",
    UNSUPPORTED: "the candidate declined every example",
    BLOCKED_CELL: "cannot compare (state_dict layouts differ)",
    SAME: "the candidate's object is the reference's",
    NOT_PROVIDED_CELL: "the candidate does not provide the name",
    SKIP: "skipped (e.g. no CUDA)",
}
CSS_CLASS = {NOT_PROVIDED_CELL: "np"}


def anchor(entry: str, prop: str) -> str:
    return "fail-" + re.sub(r"[^A-Za-z0-9]+", "-", f"{entry}-{prop}")


def grouped_properties(props: Sequence[str]) -> list[tuple[str, list[str]]]:
    out = []
    placed: set[str] = set()
    for name, ids in GROUPS:
        mine = [p for p in ids if p in props]
        placed.update(mine)
        if mine:
            out.append((name, mine))
    rest = [p for p in props if p not in placed]
    if rest:
        out.append(("family-specific", rest))
    return out


def verdict_html(v: Verdict) -> str:
    items = [f"<h2>{escape(headline(v))}</h2>"]
    items += [f'<p class="level">{escape(line)}</p>' for line in v.level_lines()]
    items.append("<ul>")
    for cell in v.failed:
        name = f"{escape(cell.entry)}::{escape(cell.prop)}"
        link = f'<a href="#{anchor(cell.entry, cell.prop)}">{name}</a>'
        items.append(
            f'<li><span class="FAIL">FAIL</span> {link} ({escape(cell.level)}): '
            f"{escape(cell.reason)}</li>"
        )
    items += [f'<li class="FAIL">error: {escape(e)}</li>' for e in v.errors]
    items.append("</ul>")
    items.append(f"<p><b>{escape(speed_line(v))}</b></p>")
    stability = stability_line(v)
    if stability:
        items.append(f"<p>{escape(stability)}</p>")
    if v.best is not None and v.worst is not None:
        items.append(
            f"<p>best: {escape(describe_row(v.best))}<br>worst: {escape(describe_row(v.worst))}</p>"
        )
    if v.timing:
        items.append(f"<p>timing: {escape(v.timing)}</p>")
    items.append(f'<p class="dim">machine: {escape(v.machine)}</p>')
    css = "ok" if v.ok else "bad"
    return f'<div class="verdict {css}">{"".join(items)}</div>'


def matrix_html(matrix: Matrix) -> str:
    if not matrix.cells:
        return "<p>No property tests were collected.</p>"
    groups = grouped_properties(matrix.properties)
    top = '<tr><th class="name" rowspan="2">entry</th>'
    top += "".join(f'<th class="group" colspan="{len(ids)}">{escape(g)}</th>' for g, ids in groups)
    second = "".join(f'<th class="prop">{escape(p)}</th>' for _, ids in groups for p in ids)
    body = []
    for entry in matrix.entries:
        cells = [f'<td class="name">{escape(entry)}</td>']
        for _, ids in groups:
            for prop in ids:
                cell = matrix.cells.get((entry, prop))
                if cell is None:
                    cells.append('<td class="np" title="does not apply">·</td>')
                    continue
                css = CSS_CLASS.get(cell.outcome, cell.outcome)
                text = escape(SYMBOL.get(cell.outcome, cell.outcome))
                if cell.outcome in (FAIL, XFAIL, XPASS):
                    text = f'<a href="#{anchor(entry, prop)}">{text}</a>'
                cells.append(f'<td class="{css}" title="{escape(cell.label)}">{text}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    legend = " · ".join(
        f'<span class="{CSS_CLASS.get(o, o)}">{escape(SYMBOL[o])}</span> {escape(MEANING[o])}'
        for o in SYMBOL
    )
    summary = ", ".join(f"{n} {o}" for o, n in matrix.summary().items())
    return (
        f"<table><tr>{top.removeprefix('<tr>')}</tr><tr>{second}</tr>{''.join(body)}</table>"
        f'<p class="dim">· does not apply (<code>twinnet list -v</code> says why) · {legend}</p>'
        f"<p>{escape(summary)}</p>"
    )


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
                lines.append("example: <code>" + escape(str(failure.case)) + "</code>")
            if failure.deviation:
                lines.append("note: " + escape(failure.deviation))
            lines += [f"<code>{escape(c)}</code>" for c in repro.lines(entry, prop, failure.nodeid)]
        items.append(f'<li id="{anchor(entry, prop)}">' + "<br>".join(lines) + "</li>")
    errors = "".join(f"<li>{escape(e)}</li>" for e in matrix.errors)
    return f"<ul>{''.join(items)}{errors}</ul>" if items or errors else ""


def _cell(r: Row | None) -> str:
    if r is None:
        return '<td class="num">-</td>'
    text = f"{fmt_time(r.m.median)} <span class='dim'>±{100 * r.m.spread:.0f}%</span>"
    if r.speedup is not None:
        css = "fast" if r.speedup >= 1.1 else "slow" if r.speedup <= 0.9 else ""
        lo, hi = r.interval or (r.speedup, r.speedup)
        text += f'<br><span class="{css}">x{r.speedup:.2f}</span>'
        text += f" <span class='dim'>[{lo:.2f},{hi:.2f}]</span>"
    if r.roof is not None:
        rate = r.roof.achieved / 1e9
        unit = "GFLOP/s" if r.roof.bound == "FLOP" else "GB/s"
        text += f"<br>{rate:.3g} {unit} ({100 * r.roof.fraction:.0f}%"
        text += " <b class='warn'>above the roof: roof unstable</b>)" if r.roof.above_roof else ")"
    title = "; ".join(r.unstable)
    mark = f" <span class='warn' title='{escape(title)}'>unstable</span>" if r.unstable else ""
    return f'<td class="num">{text}{mark}</td>'


def bench_html(run: Run, rows: Sequence[Row]) -> str:
    impls = impls_of(rows)
    by_case: dict[tuple[str, str, str], dict[str, Row]] = {}
    for r in rows:
        by_case.setdefault(r.m.case, {})[r.m.impl] = r
    head = "".join(f"<th>{escape(h)}</th>" for h in ["entry", "size", "mode", *impls])
    body = [
        f'<tr><td class="name">{escape(e)}</td><td class="name">{escape(lbl)}</td>'
        f"<td>{escape(mode)}</td>" + "".join(_cell(per.get(i)) for i in impls) + "</tr>"
        for (e, lbl, mode), per in by_case.items()
    ]
    roofs = []
    for roof, unit in ((run.gemm, "GFLOP/s"), (run.copy, "GB/s")):
        if roof is not None:
            state = (
                f" <b class='warn'>unstable: median round {100 * roof.spread:.0f}% slower</b>"
                if roof.unstable
                else ""
            )
            roofs.append(f"{roof.name} {escape(roof.label)}: {roof.rate / 1e9:.1f} {unit}{state}")
    rounds = "/".join(str(n) for n in sorted({r.m.rounds for r in rows}))
    note = (
        f"<p>Each cell: median of {rounds} interleaved rounds ±IQR/median; speedup over the "
        "reference of the same case with its 95% bootstrap interval (rounds resampled in "
        "pairs); achieved FLOP/s (compute-bound cases) or bytes/s of compulsory traffic "
        "(memory-bound cases) and its fraction of the same-run roof. Roofs (best of "
        f"interleaved rounds): {'; '.join(roofs) or 'not measured'}.</p>"
    )
    return note + f"<table><tr>{head}</tr>{''.join(body)}</table>"


def provenance_html(run: Run) -> str:
    keys = (
        "cpu_model",
        "torch_threads",
        "torch",
        "cuda_runtime",
        "gpu",
        "gpu_driver",
        "node",
        "python_version",
        "system",
        "release",
    )
    facts = [(k, run.machine.get(k)) for k in keys]
    facts += [("commit", run.commit.get("id")), ("dirty", run.commit.get("dirty"))]
    facts += [("branch", run.commit.get("branch")), ("date", run.when)]
    facts += [("device", run.device), ("dtype", run.dtype)]
    facts += [("clock", run.clock), ("allocator", run.allocator)]
    return "<ul>" + "".join(f"<li>{k}: {escape(str(v))}</li>" for k, v in facts) + "</ul>"


def recommend_html(run: Run) -> str:
    recs = recommend(run)
    if not recs:
        return "<p>none</p>"
    body = "".join(
        f'<tr class="{"" if r.clear else "unclear"}"><td>{escape(r.entry)}</td>'
        f"<td>{escape(r.regime)} ({escape(r.label)})</td><td>{escape(r.mode)}</td>"
        f"<td>{escape(r.choice)}</td><td>"
        + ("" if r.margin is None else f"x{r.margin[0]:.2f} [{r.margin[1]:.2f},{r.margin[2]:.2f}]")
        + f"</td><td>{escape(r.memory_text)}</td></tr>"
        for r in recs
    )
    return (
        "<table><tr><th>entry</th><th>regime</th><th>mode</th><th>choose</th>"
        f"<th>margin over the runner-up</th><th>memory per call</th></tr>{body}</table>"
        "<p class='dim'>the fastest implementation of each case; margin: the runner-up's time "
        "over it (paired 95% bootstrap interval); no clear winner where it reaches 1; memory: "
        "the peak one call allocates above what was allocated before it, the fastest one's vs "
        "the runner-up's</p>"
    )


def _img(name: str, png: bytes) -> str:
    data = base64.b64encode(png).decode()
    return f'<img alt="{escape(name)}" src="data:image/png;base64,{data}">'


def page(
    v: Verdict,
    matrix: Matrix,
    repro: Reproduce,
    run: Run | None,
    rows: Sequence[Row],
    figures: Mapping[str, bytes],
) -> str:
    summary = figures.get("speedup_summary")
    per_entry = "".join(_img(n, png) for n, png in figures.items() if n != "speedup_summary")
    bench = bench_html(run, rows) if run is not None else "<p>No benchmark results.</p>"
    skipped = ""
    if run is not None and run.skipped:
        skipped = "<details><summary>implementations not timed, and why</summary><ul>"
        skipped += "".join(
            f"<li>{escape(s['group'])} {escape(s['impl'])}: {escape(s['reason'])}</li>"
            for s in run.skipped
        )
        skipped += "</ul></details>"
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>twinnet report: "
        f"{escape(v.impl)}</title><style>{CSS}</style></head><body>"
        f"<h1>twinnet report: {escape(v.impl)} against the reference</h1>"
        f"{verdict_html(v)}"
        f"{_img('speedup_summary', summary) if summary else ''}"
        f"<h2>Conformance (profile {escape(repro.profile)})</h2>{matrix_html(matrix)}"
        f"<h3>Failures</h3>{failures_html(matrix, repro) or '<p>none</p>'}"
        f"<h2>Benchmarks (quick, interleaved)</h2>{bench}{skipped}"
        f"<h2>Which implementation to choose</h2>"
        f"{recommend_html(run) if run is not None else '<p>none</p>'}"
        f"<h2>Figures</h2>{per_entry or '<p>none</p>'}"
        f"<h2>Provenance</h2>{provenance_html(run) if run is not None else ''}</body></html>"
    )
