"""Report figures (matplotlib, Agg).

* ``speedup_summary``: per entry, the geometric-mean speedup of each implementation over
  the reference across the entry's cases, with its bootstrap interval (one horizontal bar
  chart for the whole run);
* per entry and operation (an entry that times several operations, such as a flow's
  forward and inverse or a Jacobian network's full Jacobian and diagonal, gets one figure
  per operation): speedup over the reference against batch size, one connected line per
  implementation (and replica count n), interval bars, one panel per mode that was timed.

Axes carry plain tick labels (the batch sizes themselves, ``x2`` not ``2x10^0``), legends
list series in numeric order, and empty panels are never drawn.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from benchmarks.workload import MODES
from twinnet import stats
from twinnet.results import Row

IMPL_COLORS = {"optimized": "tab:blue", "vmap": "tab:orange", "compile": "tab:green"}
OTHER_COLORS = ("tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan", "tab:red")
MARKERS = ("o", "s", "^", "D", "v", "P")
MODE_TITLE = {"fwd": "forward", "fwd+bwd": "forward + backward"}


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def operation(label: str) -> str:
    """A case label without its batch size and replica count: what the case computes
    (``"jac 64-256-256-64"`` of ``"jac 64-256-256-64 B=256"``; ``""`` of ``"B=64,n=4"``)."""
    op = re.sub(r"(?<![*\w])B=\d+", "", label)
    op = re.sub(r"(?<!\w)n=\d+", "", op)
    op = re.sub(r"\(\s*,", "(", op)
    return re.sub(r"[ ,]+", " ", op).strip(" ,")


def _color(impl: str, impls: Sequence[str]) -> str:
    if impl in IMPL_COLORS:
        return IMPL_COLORS[impl]
    others = [i for i in impls if i not in IMPL_COLORS]
    return OTHER_COLORS[others.index(impl) % len(OTHER_COLORS)]


def _plain_ticks(ax: plt.Axes, values: Sequence[float], axis: str) -> None:
    ticks = sorted(set(values))
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(FixedLocator(ticks))
    target.set_minor_locator(NullLocator())
    target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def _speedup_ticks(ax: plt.Axes, low: float, high: float, axis: str = "y") -> None:
    """Plain ``x0.5 x1 x2 ...`` ticks covering ``[low, high]`` (log axis, no minor ticks)."""
    candidates = [0.05, 0.1, 0.2, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
    shown = [t for t in candidates if low / 1.3 <= t <= high * 1.3] or [1]
    while len(shown) > 7:  # every other tick, keeping x1
        keep = shown.index(1) % 2 if 1 in shown else 0
        shown = shown[keep::2]
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(FixedLocator(shown))
    target.set_minor_locator(NullLocator())
    target.set_major_formatter(FuncFormatter(lambda v, _: f"x{v:g}"))


def _series(rows: Sequence[Row], mode: str) -> dict[tuple[str, int], list[Row]]:
    """(impl, n) -> rows sorted by batch, for one mode (the reference excluded)."""
    out: dict[tuple[str, int], list[Row]] = {}
    for r in rows:
        if r.m.mode == mode and r.speedup is not None and r.m.batch is not None:
            out.setdefault((r.m.impl, r.m.n or 0), []).append(r)
    return {k: sorted(v, key=lambda r: r.m.batch or 0) for k, v in sorted(out.items())}


def speedup_vs_batch(rows: Sequence[Row], entry: str, op: str, candidate: str) -> bytes | None:
    """One figure: speedup over the reference against batch size (module doc)."""
    mine = [r for r in rows if r.m.entry == entry and operation(r.m.label) == op]
    modes = [m for m in MODES if _series(mine, m)]
    if not modes:
        return None
    impls = sorted({r.m.impl for r in mine if r.m.impl != "reference"})
    fig, axes = plt.subplots(1, len(modes), figsize=(4.8 * len(modes), 3.6), squeeze=False)
    for ax, mode in zip(axes[0], modes, strict=True):
        series = _series(mine, mode)
        ns = sorted({n for _, n in series})
        values: list[float] = []
        for (impl, n), points in sorted(series.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            xs = [float(r.m.batch or 0) for r in points]
            ys = [float(r.speedup or 0.0) for r in points]
            lows = [y - (r.interval or (y, y))[0] for y, r in zip(ys, points, strict=True)]
            highs = [(r.interval or (y, y))[1] - y for y, r in zip(ys, points, strict=True)]
            label = impl + (" (candidate)" if impl == candidate and impl != "optimized" else "")
            if len(ns) > 1:
                label += f", n={n}"
            ax.errorbar(
                xs,
                ys,
                yerr=[lows, highs],
                color=_color(impl, impls),
                marker=MARKERS[ns.index(n) % len(MARKERS)],
                linestyle="-",
                capsize=3,
                label=label,
            )
            values += [y - lo for y, lo in zip(ys, lows, strict=True)]
            values += [y + hi for y, hi in zip(ys, highs, strict=True)]
        ax.axhline(1.0, color="grey", lw=0.8, ls="--")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        _plain_ticks(ax, [float(r.m.batch or 0) for pts in series.values() for r in pts], "x")
        positive = [v for v in values if v > 0] or [1.0]
        _speedup_ticks(ax, min(positive), max(positive))
        ax.set_xlabel("batch size")
        ax.set_ylabel("speedup over the reference")
        ax.set_title(MODE_TITLE.get(mode, mode), fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"{entry}{': ' + op if op else ''}: speedup over the reference", fontsize=11)
    return _png(fig)


def speedup_summary(rows: Sequence[Row], reference_of: dict) -> bytes | None:
    """Per entry and implementation, the geometric-mean speedup over the entry's cases
    with its interval (``reference_of``: case -> the reference's samples)."""
    groups: dict[tuple[str, str], list[tuple]] = {}
    for r in rows:
        ref = reference_of.get(r.m.case)
        if r.speedup is None or ref is None or len(ref) != len(r.m.samples):
            continue
        groups.setdefault((r.m.entry, r.m.impl), []).append((ref, r.m.samples))
    if not groups:
        return None
    entries = list(dict.fromkeys(e for e, _ in groups))
    impls = sorted({i for _, i in groups}, key=lambda i: (i not in IMPL_COLORS, i))
    height = 0.8 / len(impls)
    fig, ax = plt.subplots(figsize=(8, 1.4 + 0.3 * len(entries) * len(impls)))
    extremes: list[float] = [1.0]
    for k, impl in enumerate(impls):
        ys, xs, lo, hi = [], [], [], []
        for j, entry in enumerate(entries):
            pairs = groups.get((entry, impl))
            if not pairs:
                continue
            point, low, high = stats.geometric_mean_interval(pairs)
            ys.append(j + (k - (len(impls) - 1) / 2) * height)
            xs.append(point)
            lo.append(point - low)
            hi.append(high - point)
            extremes += [low, high]
        # bars grow from x1: right of it faster than the reference, left of it slower
        ax.barh(
            ys,
            [x - 1 for x in xs],
            left=1,
            height=height,
            color=_color(impl, impls),
            label=impl,
            alpha=0.85,
        )
        ax.errorbar(xs, ys, xerr=[lo, hi], fmt="none", ecolor="black", capsize=2, lw=0.8)
    ax.set_xscale("log")
    ax.axvline(1.0, color="grey", lw=0.8)
    _speedup_ticks(ax, min(extremes), max(extremes), axis="x")
    ax.set_yticks(range(len(entries)), entries, fontsize=8)
    ax.set_ylim(len(entries) - 0.5, -0.5)
    ax.set_xlabel("speedup over the reference (geometric mean over cases, 95% interval)")
    ax.set_title("Speedup over the reference, per entry")
    ax.legend(fontsize=8, loc="best")
    ax.grid(True, axis="x", alpha=0.3)
    return _png(fig)


def figures(rows: Sequence[Row], reference_of: dict, candidate: str) -> dict[str, bytes]:
    """Every figure of a run: the summary, then one per entry and operation."""
    out: dict[str, bytes] = {}
    summary = speedup_summary(rows, reference_of)
    if summary is not None:
        out["speedup_summary"] = summary
    for entry in dict.fromkeys(r.m.entry for r in rows):
        ops = dict.fromkeys(operation(r.m.label) for r in rows if r.m.entry == entry)
        for op in ops:
            png = speedup_vs_batch(rows, entry, op, candidate)
            if png is not None:
                slug = re.sub(r"[^A-Za-z0-9]+", "_", f"{entry} {op}").strip("_")
                out[f"speedup_{slug}"] = png
    return out
