"""Regression check between two benchmark runs: flag a case only when its slowdown is
both statistically significant and above the threshold.

For every (entry, label, mode, impl) in both runs, ``ratio = median(new) / median(base)``
of its samples, tested twice by default, and flagged only when both tests agree:

* on its raw times, and
* on its times *relative to the reference of the same round* (``impl_r / reference_r``;
  the rounds of a case are interleaved, so both saw the same machine load).

The raw test alone flags everything when the second run met a busier machine; the
relative test alone flags a case whose reference happened to run faster in one process
(microsecond cases vary between processes, which rounds inside one process cannot show).
A real slowdown of an implementation shows in both. The reference rows are the anchor and
are not tested; ``absolute=True`` (``twinnet compare --absolute``) tests raw times only,
the reference's included.

* **slower** when a one-sided Mann-Whitney U test finds the new rounds larger
  (p < :data:`twinnet.stats.ALPHA`), the bootstrap interval of the ratio lies above 1, and
  the ratio exceeds ``1 + fail_above``; **faster** likewise the other way; else **same**.
* Runs of one machine (same CPU model, thread count, GPU and device) compare their times
  as they are. Runs of two machines compare each case's time in units of the roof that
  bounds it in the base run (the same-run GEMM for compute-bound cases, the same-run copy
  for memory-bound ones): normalising a memory-bound case by a GEMM, or any case on one
  machine by a GEMM timed under different load, would add noise, not remove it.

Runs of different entry sets, dtypes or devices are not compared (:class:`CompareError`
says which differ).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from statistics import median

from twinnet import process_stats, stats
from twinnet.process_stats import (
    ProcessMedians,
    family_adjusted,
    prior_variance,
    shift_p_value,
)
from twinnet.results import Measurement, Run, roof_fraction

Key = tuple[str, str, str, str]
MACHINE_KEYS = ("cpu_model", "torch_threads", "gpu", "device")


class CompareError(Exception):
    """Two runs that cannot be compared (different entries, dtypes or devices)."""


@dataclass(frozen=True)
class Delta:
    key: Key
    base: float | None  # median seconds (roof-normalised across machines)
    new: float | None
    interval: tuple[float, float] | None  # of new / base
    p_value: float | None  # one-sided Mann-Whitney U in the direction of the change
    status: str  # "slower", "faster", "same", "new", "gone", "anchor"

    @property
    def ratio(self) -> float | None:
        if self.base is None or self.new is None or self.base <= 0:
            return None
        return self.new / self.base


@dataclass(frozen=True)
class Comparison:
    deltas: list[Delta]
    fail_above: float
    normalised: bool  # times in units of the bounding roof (two machines)
    differences: dict[str, tuple[object, object]]  # machine facts that differ
    anchor: str | None = None  # samples relative to this implementation's same round
    processes: int = 1  # the most processes any case of either run was timed in

    @property
    def slower(self) -> list[Delta]:
        return [d for d in self.deltas if d.status == "slower"]


def same_machine(base: Run, new: Run) -> dict[str, tuple[object, object]]:
    """The machine facts (:data:`MACHINE_KEYS`) that differ between the runs."""
    facts: dict[str, tuple[object, object]] = {"device": (base.device, new.device)}
    for key in MACHINE_KEYS[:-1]:
        facts[key] = (base.machine.get(key), new.machine.get(key))
    return {k: v for k, v in facts.items() if v[0] != v[1]}


def check_comparable(base: Run, new: Run) -> None:
    """Raise :class:`CompareError` naming what differs: entry set, dtype, clock, allocator
    policy or device."""
    problems = []
    only_base = sorted(set(base.entries) - set(new.entries))
    only_new = sorted(set(new.entries) - set(base.entries))
    if only_base or only_new:
        parts = [
            f"only in base: {_few(only_base)}" if only_base else "",
            f"only in new: {_few(only_new)}" if only_new else "",
        ]
        problems.append("different entries (" + "; ".join(p for p in parts if p) + ")")
    if base.dtype != new.dtype:
        problems.append(f"different dtypes (base {base.dtype}, new {new.dtype})")
    if base.clock != new.clock:
        problems.append(f"different clocks (base {base.clock}, new {new.clock})")
    if base.allocator != new.allocator:
        problems.append(
            f"different allocator policies (base {base.allocator}, new {new.allocator}: "
            "bench --allocator decides)"
        )
    if base.device != new.device:
        problems.append(f"different devices (base {base.device}, new {new.device})")
    if problems:
        raise CompareError(
            "runs not comparable: " + ", ".join(problems) + "; bench both with the same "
            "--entries, --device, --clock and --allocator"
        )


def _few(names: list[str]) -> str:
    return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def _unit(m: Measurement, run: Run, bound: str | None) -> float:
    """Seconds per roof unit of ``run`` for a case bound by ``bound`` (1 when None)."""
    roof = {"FLOP": run.gemm, "B": run.copy}.get(bound or "")
    return 1.0 / roof.rate if roof is not None and roof.rate > 0 else 1.0


def _status(
    base: list[float], new: list[float], fail_above: float
) -> tuple[str, float, tuple[float, float]]:
    ratio = stats.ratio_interval(new, base, paired=False)
    median_ratio = median(new) / median(base)
    if median_ratio > 1 + fail_above:
        p = stats.slower_p_value(base, new)
        if p < stats.ALPHA and ratio[0] > 1.0:
            return "slower", p, ratio
        return "same", p, ratio
    if median_ratio < 1 / (1 + fail_above):
        p = stats.faster_p_value(base, new)
        if p < stats.ALPHA and ratio[1] < 1.0:
            return "faster", p, ratio
        return "same", p, ratio
    return "same", math.nan, ratio


ANCHOR = "reference"


def relative(m: Measurement, run: Run, anchor: str) -> list[float] | None:
    """``m``'s samples over the same rounds of ``anchor`` in the same case (None when the
    case has no anchor with as many rounds)."""
    ref = next((a for a in run.measurements if a.case == m.case and a.impl == anchor), None)
    if ref is None or len(ref.samples) != len(m.samples):
        return None
    return [s / r for s, r in zip(m.samples, ref.samples, strict=True)]


def _raw(b: Measurement, n: Measurement, base_run: Run, new_run: Run, normalised: bool) -> tuple:
    """The raw samples of both runs, in units of the bounding roof across machines."""
    bs, ns = list(b.samples), list(n.samples)
    if normalised:
        roof = roof_fraction(b, base_run)
        bound = roof.bound if roof is not None else None
        bu, nu = _unit(b, base_run, bound), _unit(n, new_run, bound)
        bs, ns = [s / bu for s in bs], [s / nu for s in ns]
    return bs, ns


def compare(base_run: Run, new_run: Run, fail_above: float, absolute: bool = False) -> Comparison:
    """One :class:`Delta` per (entry, label, mode, impl) present in either run."""
    check_comparable(base_run, new_run)
    differences = same_machine(base_run, new_run)
    anchor = None if absolute else ANCHOR
    normalised = bool(differences)
    base = {m.key: m for m in base_run.measurements}
    new = {m.key: m for m in new_run.measurements}
    deltas = []
    medians: dict[Key, ProcessMedians] = {}
    for key in [*base, *(k for k in new if k not in base)]:
        b, n = base.get(key), new.get(key)
        if b is None or n is None or (anchor is not None and key[3] == anchor):
            status = "anchor" if b is not None and n is not None else "new" if b is None else "gone"
            deltas.append(
                Delta(
                    key,
                    None if b is None else b.median,
                    None if n is None else n.median,
                    None,
                    None,
                    status,
                )
            )
            continue
        bs, ns = _raw(b, n, base_run, new_run, normalised)
        status, p, interval = _status(bs, ns, fail_above)
        if anchor is not None:
            rb, rn = relative(b, base_run, anchor), relative(n, new_run, anchor)
            if rb is not None and rn is not None:
                # relative to the same round's anchor: a change must show there too
                rel_status, p, interval = _status(rb, rn, fail_above)
                bs, ns = rb, rn
                status = status if rel_status == status else "same"
        deltas.append(Delta(key, median(bs), median(ns), interval, p, status))
        medians[key] = ProcessMedians.of(b.by_process(bs), n.by_process(ns))
    processes = max((m.processes for r in (base_run, new_run) for m in r.measurements), default=1)
    if processes > 1:
        deltas = _between_processes(deltas, medians)
    return Comparison(deltas, fail_above, normalised, differences, anchor, processes)


def _between_processes(deltas: list[Delta], medians: dict[Key, ProcessMedians]) -> list[Delta]:
    """A change must also exceed the spread between processes (``twinnet.process_stats``),
    at a level that holds for the comparison as a whole: the moderated t-tests' p-values of
    all tested rows (1 for a row no within-run test flagged) are adjusted for their number
    by Benjamini-Hochberg, and a slower or faster row whose adjusted p-value is not below
    :data:`twinnet.process_stats.ALPHA` becomes *same*. Where nothing changed, that bounds
    the chance of any flag in the whole compare by ``ALPHA`` (a per-row level would expect
    one false alarm in every ``1 / (ALPHA * rows)`` compares of the catalog). The row's
    p-value is the larger of its within-run test's and its adjusted between-process one."""
    prior = prior_variance(list(medians.values()))
    changed = [d for d in deltas if d.status in ("slower", "faster")]
    raw = [shift_p_value(medians[d.key], prior, slower=d.status == "slower") for d in changed]
    untested = len(medians) - len(changed)  # their between-process p-values taken as 1
    adjusted = dict(zip((d.key for d in changed), family_adjusted(raw, untested), strict=True))
    out = []
    for d in deltas:
        if d.key in adjusted:
            between = adjusted[d.key]
            status = d.status if between < process_stats.ALPHA else "same"
            d = replace(d, p_value=max(d.p_value or 0.0, between), status=status)
        out.append(d)
    return out


def parse_percent(text: str) -> float:
    """A percentage, ``'10%'`` or ``'10'``, as a fraction (0.10); ``ValueError`` naming the
    expected form otherwise."""
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        raise ValueError(f"expected a percentage like 10% or 2.5, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"expected a non-negative percentage, got {text!r}")
    return value / 100.0
