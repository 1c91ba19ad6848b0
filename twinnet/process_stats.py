"""The between-process test of a change: is it larger than processes differ by?

Each process of a run gives one median per case (``twinnet.processes``). On the log scale
a process median is the case's true time plus a process effect plus sampling noise, so the
runs' process medians are compared with a two-sample t-test whose variance is the spread
*between processes* within each run. With two or three processes a run gives few degrees
of freedom per case, so the variance is moderated as in limma's moderated t (Smyth 2004,
empirical Bayes): each case's pooled variance is shrunk towards the typical variance of
all cases of the comparison, weighted by :data:`PRIOR_DF` degrees of freedom. A case whose
processes disagree keeps a large variance; a case that happens to agree is not trusted
beyond what the catalog as a whole shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from scipy import stats

#: Level of the between-process test for a whole comparison (false discovery rate, by
#: Benjamini-Hochberg over every tested row: :func:`family_adjusted`): a compare of the whole
#: catalog makes ~350 such tests, and unchanged code must flag none of them, so the level is
#: the chance of any false alarm in the compare, not of one row's.
ALPHA = 0.01
#: Degrees of freedom given to the catalog-wide variance (the prior of the moderated t).
PRIOR_DF = 4.0
#: Smallest variance of log process medians taken as real (a 0.1% spread).
VARIANCE_FLOOR = 1e-6


@dataclass(frozen=True)
class ProcessMedians:
    """The log medians of one case's processes in the base and in the new run."""

    base: tuple[float, ...]
    new: tuple[float, ...]

    @classmethod
    def of(cls, base: Sequence[Sequence[float]], new: Sequence[Sequence[float]]) -> ProcessMedians:
        return cls(
            tuple(math.log(median(g)) for g in base if g),
            tuple(math.log(median(g)) for g in new if g),
        )

    @property
    def df(self) -> int:
        return max(0, len(self.base) + len(self.new) - 2)

    @property
    def variance(self) -> float:
        """The pooled variance of the process medians around their run's mean."""
        if self.df == 0:
            return 0.0
        ss = sum((x - _mean(g)) ** 2 for g in (self.base, self.new) for x in g)
        return ss / self.df

    @property
    def shift(self) -> float:
        """log(new / base) of the runs' mean process medians."""
        return _mean(self.new) - _mean(self.base)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def prior_variance(cases: Sequence[ProcessMedians]) -> float:
    """The typical between-process variance of the comparison: the median of the cases'
    pooled variances, rescaled from a median to a mean of the chi-square law."""
    informative = [c for c in cases if c.df > 0]
    if not informative:
        return VARIANCE_FLOOR
    df = median(c.df for c in informative)
    scale = float(stats.chi2.median(df)) / df
    return max(median(c.variance for c in informative) / scale, VARIANCE_FLOOR)


def shift_p_value(case: ProcessMedians, prior: float, slower: bool) -> float:
    """One-sided p-value of "the new run is slower" (``slower``) or faster, against the
    between-process spread (moderated t, module doc); 1.0 without two processes in some
    run."""
    if not case.base or not case.new or case.df == 0:
        return 1.0
    df = PRIOR_DF + case.df
    variance = max((PRIOR_DF * prior + case.df * case.variance) / df, VARIANCE_FLOOR)
    scale = math.sqrt(variance * (1 / len(case.base) + 1 / len(case.new)))
    t = case.shift / scale
    return float(stats.t.sf(t, df) if slower else stats.t.cdf(t, df))


def family_adjusted(p_values: Sequence[float], others: int = 0) -> list[float]:
    """``p_values`` adjusted by Benjamini-Hochberg (``scipy.stats.false_discovery_control``)
    among ``len(p_values) + others`` tests, the ``others`` with p-value 1 (rows no within-run
    test flagged). Where every row is unchanged, the smallest adjusted p-value is below
    ``alpha`` with probability at most ``alpha``: the level of the whole comparison."""
    if not p_values:
        return []
    padded = [*p_values, *([1.0] * others)]
    return [float(p) for p in stats.false_discovery_control(padded, method="bh")[: len(p_values)]]
