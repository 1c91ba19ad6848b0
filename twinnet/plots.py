"""Report figures (matplotlib, Agg): speedup vs batch size, and time vs replicas n."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from benchmarks.workload import MODES
from twinnet.results import Row


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()


IMPL_COLORS = {
    "reference": "tab:gray",
    "optimized": "tab:blue",
    "vmap": "tab:orange",
    "compile": "tab:green",
}
LINE_STYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v")


def _style(label: str, others: list[str]) -> dict[str, str]:
    """One colour per implementation, one line style and marker per size of the other axis."""
    impl, _, other = label.partition(", ")
    k = others.index(other) if other in others else 0
    return {
        "color": IMPL_COLORS.get(impl, "tab:purple"),
        "linestyle": LINE_STYLES[k % len(LINE_STYLES)],
        "marker": MARKERS[k % len(MARKERS)],
    }


def _series(rows: Sequence[Row], mode: str, x: str, keep: str) -> dict[str, list[tuple]]:
    """(label -> sorted points) of one mode; ``x`` is "batch" or "n"."""
    series: dict[str, list[tuple]] = {}
    for r in rows:
        if r.m.mode != mode:
            continue
        xv = r.m.batch if x == "batch" else r.m.n
        if xv is None:
            continue
        other = f", n={r.m.n}" if x == "batch" and r.m.n else f", B={r.m.batch}"
        y = r.speedup if keep == "speedup" else r.m.median * 1e3
        if y is not None:
            series.setdefault(r.m.impl + other, []).append((xv, y))
    return {k: sorted(v) for k, v in sorted(series.items())}


def _figure(rows: Sequence[Row], entry: str, x: str, keep: str, ylabel: str) -> bytes | None:
    mine = [
        r for r in rows if r.m.entry == entry and (keep != "speedup" or r.m.impl != "reference")
    ]
    if not mine:
        return None
    fig, axes = plt.subplots(1, len(MODES), figsize=(5.5 * len(MODES), 3.6), squeeze=False)
    for ax, mode in zip(axes[0], MODES, strict=True):
        series = _series(mine, mode, x, keep)
        others = sorted(
            {label.partition(", ")[2] for label in series},
            key=lambda s: [int(v) for v in s.split("=")[1:] if v.isdigit()] or [0],
        )
        for label, points in series.items():
            xs, ys = zip(*points, strict=True)
            ax.plot(xs, ys, label=label, **_style(label, others))
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        if keep == "speedup":
            ax.axhline(1.0, color="grey", lw=0.8, ls="--")
        ax.set_title(f"{entry} ({mode})", fontsize=9)
        ax.set_xlabel("batch size" if x == "batch" else "replicas n")
        ax.set_ylabel(ylabel)
        if any(not line.get_label().startswith("_") for line in ax.lines):
            ax.legend(fontsize=6)
    return _png(fig)


def speedup_vs_batch(rows: Sequence[Row], entry: str) -> bytes | None:
    return _figure(rows, entry, "batch", "speedup", "speedup vs reference")


def time_vs_n(rows: Sequence[Row], entry: str) -> bytes | None:
    if not any(r.m.entry == entry and r.m.n for r in rows):
        return None
    return _figure(rows, entry, "n", "time", "median time (ms)")
