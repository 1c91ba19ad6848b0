"""dist_sampling: samples (and reparameterised samples) of the candidate follow the
declared distribution: the entry's scipy model of the reference distribution with the same
weights. Continuous families: one-sample Kolmogorov-Smirnov test of the pooled probability
integral transforms ``F_i(y_i)`` (marginal CDFs) against U(0, 1); categorical families: a
pooled chi-square test of the category counts. Fixed seeds; a sampler with a wrong scale,
location or temperature gives p-values many orders of magnitude below ``P_MIN``."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from properties.distributions import Categories, Interval, Model, Support, to_numpy
from properties.harness import build_twins, draw_case, entry_under_test, inputs_for

P_MIN = 1e-5


def pit(model: Model, samples: np.ndarray, support: Support, seed: int) -> np.ndarray:
    """Probability integral transforms ``F(y)``; samples exactly on a bound of an interval
    support (atoms that rounding creates, e.g. ``tanh`` saturating to 1) get the randomised
    transform ``U(F(bound-), 1)`` (``U(0, F(bound+))`` at the lower bound), which is uniform
    for a correct sampler."""
    assert model.cdf is not None, "a continuous model needs cdf="
    u = model.cdf(samples)
    if isinstance(support, Interval):
        rng = np.random.default_rng(seed)
        lo = np.broadcast_to(to_numpy(support.low), samples.shape)
        hi = np.broadcast_to(to_numpy(support.high), samples.shape)
        at_hi, at_lo = samples >= hi, samples <= lo
        below_hi = model.cdf(np.where(at_hi, np.nextafter(hi, -np.inf), samples))
        above_lo = model.cdf(np.where(at_lo, np.nextafter(lo, np.inf), samples))
        r = rng.random(samples.shape)
        u = np.where(at_hi, below_hi + r * (1 - below_hi), u)
        u = np.where(at_lo, r * above_lo, u)
    return u.ravel()


def ks_pvalue(model: Model, samples: np.ndarray, support: Support, seed: int = 0) -> float:
    return float(stats.kstest(pit(model, samples, support, seed), "uniform").pvalue)


def chi2_pvalue(probs: np.ndarray, indices: np.ndarray) -> float:
    """Pooled chi-square over every (batch, element) cell; categories expected fewer than 5
    times are lumped together."""
    n, k = indices.shape[0], probs.shape[-1]
    counts = np.stack([(indices == c).sum(0) for c in range(k)], -1).reshape(-1, k)
    expected = n * probs.reshape(-1, k)
    stat, dof = 0.0, 0
    for o, ex in zip(counts, expected):
        big = ex >= 5
        o_cells = [*o[big], o[~big].sum()] if (~big).any() else list(o[big])
        e_cells = [*ex[big], ex[~big].sum()] if (~big).any() else list(ex[big])
        o_arr, e_arr = np.asarray(o_cells, float), np.asarray(e_cells, float)
        keep = e_arr > 0
        stat += float((((o_arr - e_arr) ** 2)[keep] / e_arr[keep]).sum())
        dof += int(keep.sum()) - 1
    return 1.0 if dof <= 0 else float(stats.chi2.sf(stat, dof))


@given(data=st.data())
def test_dist_sampling(entry: str, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    assert e.dist is not None
    case = draw_case(data, e)
    ref, net = build_twins(e, cand, case, torch.float64)
    x = inputs_for(e, ref, case, torch.float64)
    n = e.dist.sample_size
    with torch.no_grad(), torch.random.fork_rng():
        torch.manual_seed(case.seed)
        model = e.dist.model(e.dist.dist(ref, x), ref)
        dist = e.dist.dist(net, x)
        draws = {"sample": dist.sample((n,))}
        if dist.has_rsample:
            draws["rsample"] = dist.rsample((n,))
        support = e.dist.support(net)
        for kind, y in draws.items():
            if isinstance(support, Categories):
                assert model.probs is not None, "a categorical model needs probs="
                idx = y.argmax(-1) if support.onehot else y
                p = chi2_pvalue(model.probs, idx.cpu().numpy())
            else:
                p = ks_pvalue(model, to_numpy(y), support, case.seed % 2**32)
            assert p > P_MIN, (
                f"{entry}: {kind} does not follow the declared distribution (p={p:.2e})"
            )
