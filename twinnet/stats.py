"""The statistics behind speedups and regression flags (scipy.stats).

* A speedup within one run is ``median(reference) / median(impl)`` over the rounds of one
  case; the rounds of the implementations of a case are interleaved, so they are resampled
  *paired* (round ``r`` of both together) for its bootstrap interval.
* A change between two runs is ``median(new) / median(base)``; the runs are independent,
  so their rounds are resampled independently, and the change is *significant* when a
  one-sided Mann-Whitney U test (as asv and google-benchmark's ``compare.py`` use) finds
  the new samples larger.

Intervals are percentile bootstrap intervals with a fixed seed, so a saved run always
prints the same interval. They are a few lines of numpy rather than
``scipy.stats.bootstrap``: the same percentile method, but a report bootstraps hundreds of
rows and scipy's general machinery costs ~8 ms a call against ~0.3 ms here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
RESAMPLES = 2000
#: One-sided Mann-Whitney U level below which a change between runs is significant.
ALPHA = 0.01
SEED = 0


def _resampled(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    return np.median(values[idx], axis=-1)


def ratio_interval(num: Sequence[float], den: Sequence[float], paired: bool) -> tuple[float, float]:
    """Percentile bootstrap interval of ``median(num) / median(den)`` (``CONFIDENCE``):
    ``paired`` resamples the same rounds of both, else each sample on its own."""
    a, b = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    point = float(np.median(a) / np.median(b))
    if len(a) < 2 or len(b) < 2:
        return point, point
    rng = np.random.default_rng(SEED)
    idx_a = rng.integers(0, len(a), size=(RESAMPLES, len(a)))
    idx_b = idx_a if paired else rng.integers(0, len(b), size=(RESAMPLES, len(b)))
    ratios = _resampled(a, idx_a) / _resampled(b, idx_b)
    tail = (1 - CONFIDENCE) / 2
    low, high = np.quantile(ratios, [tail, 1 - tail])
    return float(low), float(high)


def slower_p_value(base: Sequence[float], new: Sequence[float]) -> float:
    """One-sided Mann-Whitney U p-value of "new samples are larger than base samples"."""
    if len(base) < 2 or len(new) < 2:
        return 1.0
    return float(stats.mannwhitneyu(new, base, alternative="greater").pvalue)


def faster_p_value(base: Sequence[float], new: Sequence[float]) -> float:
    return slower_p_value(new, base)


def relative_spread(samples: Sequence[float]) -> float:
    """Interquartile range over median."""
    q1, median, q3 = np.percentile(np.asarray(samples, dtype=float), [25, 50, 75])
    return float((q3 - q1) / median) if median > 0 else math.inf


def geometric_mean_interval(
    pairs: Sequence[tuple[Sequence[float], Sequence[float]]],
) -> tuple[float, float, float]:
    """Geometric mean over cases of ``median(num) / median(den)`` (``pairs`` of paired
    rounds), with a bootstrap interval that resamples the rounds of every case."""
    if not pairs:
        return math.nan, math.nan, math.nan
    rng = np.random.default_rng(SEED)
    logs = np.zeros(RESAMPLES)
    point = 0.0
    for num, den in pairs:
        a, b = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
        point += math.log(float(np.median(a) / np.median(b)))
        idx = rng.integers(0, len(a), size=(RESAMPLES, len(a)))
        logs += np.log(_resampled(a, idx) / _resampled(b, idx))
    tail = (1 - CONFIDENCE) / 2
    low, high = np.quantile(logs / len(pairs), [tail, 1 - tail])
    return math.exp(point / len(pairs)), float(math.exp(low)), float(math.exp(high))
