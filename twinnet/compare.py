"""Regression check between two benchmark runs, robust to machines and to noise.

Each case's median is divided by the same run's dense GEMM median, so two runs on
different machines compare by ratios, not absolute times. A case is flagged slower only
when both hold:

* new / base > 1 + ``fail_above`` (the percentage threshold), and
* the increase exceeds the runs' own noise: ``new - base > (IQR_base + IQR_new) / 2``
  (GEMM-normalised, i.e. the two interquartile ranges do not overlap).
"""

from __future__ import annotations

from dataclasses import dataclass

from twinnet.results import Measurement, Run

Key = tuple[str, str, str, str]


@dataclass(frozen=True)
class Delta:
    key: Key
    base: float | None  # GEMM-normalised median
    new: float | None
    noise: float
    status: str  # "slower", "faster", "same", "new", "gone"

    @property
    def ratio(self) -> float | None:
        if self.base is None or self.new is None or self.base <= 0:
            return None
        return self.new / self.base


def _scale(run: Run) -> float:
    return run.gemm.median if run.gemm is not None and run.gemm.median > 0 else 1.0


def _by_key(run: Run) -> dict[Key, Measurement]:
    return {(m.entry, m.label, m.mode, m.impl): m for m in run.measurements}


def _status(base: float, new: float, noise: float, fail_above: float) -> str:
    if new > base * (1 + fail_above) and new - base > noise:
        return "slower"
    if base > new * (1 + fail_above) and base - new > noise:
        return "faster"
    return "same"


def compare(base_run: Run, new_run: Run, fail_above: float) -> list[Delta]:
    """One :class:`Delta` per (entry, label, mode, impl) present in either run."""
    sb, sn = _scale(base_run), _scale(new_run)
    base, new = _by_key(base_run), _by_key(new_run)
    deltas = []
    for key in [*base, *(k for k in new if k not in base)]:
        b, n = base.get(key), new.get(key)
        if b is None or n is None:
            deltas.append(
                Delta(
                    key,
                    None if b is None else b.median / sb,
                    None if n is None else n.median / sn,
                    0.0,
                    "new" if b is None else "gone",
                )
            )
            continue
        noise = (b.iqr / sb + n.iqr / sn) / 2
        bn, nn = b.median / sb, n.median / sn
        deltas.append(Delta(key, bn, nn, noise, _status(bn, nn, noise, fail_above)))
    return deltas


def parse_percent(text: str) -> float:
    """A percentage, ``'10%'`` or ``'10'``, as a fraction (0.10)."""
    value = float(text.strip().removesuffix("%"))
    if value < 0:
        raise ValueError(f"a percentage must be non-negative, got {text!r}")
    return value / 100.0
