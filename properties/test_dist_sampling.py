"""dist_sampling: samples (and reparameterised samples) of the candidate follow the declared
distribution: the entry's model of the reference distribution with the same weights
(float64). Continuous families: one-sample Kolmogorov-Smirnov test of the pooled
probability integral transforms ``F_i(y_i)`` (marginal CDFs, or the Rosenblatt transform of
a flow) against U(0, 1); categorical families: a pooled chi-square test of the category
counts. Fixed seeds; a sampler with a wrong scale, location or temperature gives p-values
many orders of magnitude below ``P_MIN``."""

from __future__ import annotations

import numpy as np
import torch
from scipy import stats

from properties.distributions import Categories, Interval, Model, Support, to_numpy
from properties.harness import Subject, spec_property
from properties.kinds.base import seeded
from properties.kinds.distribution import distributional

P_MIN = 1e-5
#: Expected count below which categories are lumped in the chi-square test.
MIN_EXPECTED = 5
#: Ulps of a sample's rounding scale within which it counts as on a bound of its interval.
EDGE = 4


def pit(model: Model, samples: np.ndarray, support: Support, seed: int) -> np.ndarray:
    """Probability integral transforms ``F(y)``; samples exactly on a bound of an interval
    support (atoms that rounding creates, e.g. ``tanh`` saturating to 1) get the randomised
    transform ``U(F(bound-), 1)`` (``U(0, F(bound+))`` at the lower bound), which is uniform
    for a correct sampler. A squashed sample rounds onto its extreme value from a few ulps
    of its rounding scale away, and that extreme (``m + s * 1`` in floating point) may lie
    an ulp inside the bound: every sample within ``EDGE`` ulps of the rounding scale
    (``properties.distributions.rounding_scale``) of a bound counts as on it, and ``bound-``
    is that far inside (valid for any width: a correct sampler lands there with probability
    ``1 - F(bound-)``)."""
    assert model.cdf is not None, "a continuous model needs cdf="
    u = model.cdf(samples)
    if isinstance(support, Interval):
        rng = np.random.default_rng(seed)
        lo = np.broadcast_to(to_numpy(support.low), samples.shape)
        hi = np.broadcast_to(to_numpy(support.high), samples.shape)
        gap = EDGE * np.finfo(samples.dtype).eps * (np.abs(lo) + np.abs(hi))
        at_hi, at_lo = samples >= hi - gap, samples <= lo + gap
        below_hi = model.cdf(np.where(at_hi, hi - gap, samples))
        above_lo = model.cdf(np.where(at_lo, lo + gap, samples))
        r = rng.random(samples.shape)
        u = np.where(at_hi, below_hi + r * (1 - below_hi), u)
        u = np.where(at_lo, r * above_lo, u)
    return u.ravel()


def ks_pvalue(model: Model, samples: np.ndarray, support: Support, seed: int = 0) -> float:
    return float(stats.kstest(pit(model, samples, support, seed), "uniform").pvalue)


def chi2_pvalue(probs: np.ndarray, indices: np.ndarray) -> float:
    """Pooled chi-square over every (batch, element) cell. Categories expected fewer than
    ``MIN_EXPECTED`` times are lumped together, and the lump joins the smallest other cell
    while it is still expected fewer times (a lone category expected 0.01 times and seen
    once would otherwise count as overwhelming evidence)."""
    n, k = indices.shape[0], probs.shape[-1]
    counts = np.stack([(indices == c).sum(0) for c in range(k)], -1).reshape(-1, k)
    expected = n * probs.reshape(-1, k)
    stat, dof = 0.0, 0
    for o, ex in zip(counts, expected):
        order = np.argsort(ex)
        o, ex = o[order].astype(float), ex[order]
        small = int((ex < MIN_EXPECTED).sum())
        # lump the smallest categories until the lump is expected often enough (or all are)
        while small < k and ex[:small].sum() < MIN_EXPECTED:
            small += 1
        cells_o = [o[:small].sum(), *o[small:]] if small else list(o)
        cells_e = [ex[:small].sum(), *ex[small:]] if small else list(ex)
        o_arr, e_arr = np.asarray(cells_o), np.asarray(cells_e)
        keep = e_arr > 0
        stat += float((((o_arr - e_arr) ** 2)[keep] / e_arr[keep]).sum())
        dof += int(keep.sum()) - 1
    return 1.0 if dof <= 0 else float(stats.chi2.sf(stat, dof))


def _pvalues(subject: Subject, case, seed: int) -> dict[str, float]:
    """Goodness-of-fit p-value of every way the candidate draws (``sample``, ``rsample``),
    with the draws seeded by ``seed``."""
    kind, cfg = distributional(subject.kind), case.cfg
    ref, cand = subject.twins(case, torch.float64)
    x = subject.inputs(case, torch.float64)
    n = kind.law.sample_size
    support = kind.law.support(cfg)
    with torch.no_grad(), seeded(seed):
        model = kind.law.model(kind.distribution(ref, x, cfg), cfg)
        dist = kind.distribution(cand, x, cfg)
        draws = {"sample": kind.samples(dist, n)}
        if kind.has_rsample(dist):
            draws["rsample"] = kind.rsamples(dist, n)
    out = {}
    for name, y in draws.items():
        if isinstance(support, Categories):
            assert model.probs is not None, "a categorical model needs probs="
            idx = y.argmax(-1) if support.onehot else y
            out[name] = chi2_pvalue(model.probs, idx.cpu().numpy())
        else:
            out[name] = ks_pvalue(model, to_numpy(y), support, seed % 2**32)
    return out


@spec_property
def test_dist_sampling(subject: Subject, data) -> None:
    case = subject.draw(data)
    first = _pvalues(subject, case, case.seed)
    if all(p > P_MIN for p in first.values()):
        return
    # Confirm on fresh, independent draws: a correct sampler fails both with probability
    # P_MIN**2, a wrong one gives p-values far below P_MIN every time.
    second = _pvalues(subject, case, case.seed + 10_000)
    for name, p in first.items():
        assert p > P_MIN or second[name] > P_MIN, (
            f"{subject.name}: {name} does not follow the declared distribution "
            f"(p={p:.2e}, and p={second[name]:.2e} on a second, independent draw)"
        )
