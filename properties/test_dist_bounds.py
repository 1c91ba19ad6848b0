"""dist_bounds: samples, rsamples, modes and means lie in the support for any input
(extreme pre-activations of magnitude 1e4 included, where the config allows them);
log_prob is finite at points inside the support, also within 1e-6 of a bound; declared
parameter limits (std, scale, concentrations) hold; category probabilities sum to 1."""

from __future__ import annotations

import torch
from hypothesis import given
from hypothesis import strategies as st

from properties.distributions import (
    NEAR_BOUND,
    Categories,
    Interval,
    Support,
    base_probs,
    probe_points,
)
from properties.harness import build, draw_case, entry_under_test, inputs_for
from properties.impl import REFERENCE
from reference.specs import map_structure

SAMPLES = 16
EXTREME = 1e4


def _values(dist: torch.distributions.Distribution) -> dict[str, torch.Tensor]:
    out = {"sample": dist.sample((SAMPLES,))}
    if dist.has_rsample:
        out["rsample"] = dist.rsample((SAMPLES,))
    for key in ("mode", "mean"):
        try:
            value = getattr(dist, key)
        except NotImplementedError:
            continue
        if not (value.dtype.is_floating_point and bool(torch.isnan(value).all())):
            out[key] = value
    return out


def assert_in_support(values: dict[str, torch.Tensor], support: Support, what: str) -> None:
    for key, v in values.items():
        v = v.detach()
        if isinstance(support, Interval):
            lo, hi = support.low.to(v), support.high.to(v)
            ok = (v >= lo) & (v <= hi)
            assert bool(ok.all()), (
                f"{what} {key}: values outside [{lo.tolist()}, {hi.tolist()}]: "
                f"{v[~ok][:5].tolist()}"
            )
        elif isinstance(support, Categories):
            if support.onehot:
                ok = (v >= 0) & (v <= 1)
                assert bool(ok.all()), f"{what} {key}: one-hot values outside [0, 1]"
                if key in ("sample", "mode"):
                    torch.testing.assert_close(v.sum(-1), torch.ones_like(v.sum(-1)))
            elif key != "mean":
                assert bool(((v >= 0) & (v <= support.k - 1)).all()), (
                    f"{what} {key}: categories outside 0..{support.k - 1}"
                )
        else:
            assert not bool(torch.isnan(v).any()), f"{what} {key}: NaN values"


def _near_bounds(dist: torch.distributions.Distribution, support: Interval) -> torch.Tensor:
    """Points ``NEAR_BOUND`` inside each bound (at least a few ulps), ``[2, *batch, *event]``."""
    probes = probe_points(dist, support)
    lo, hi = support.low.to(probes), support.high.to(probes)
    eps = torch.finfo(probes.dtype).eps
    gap = torch.maximum(
        torch.full_like(lo, NEAR_BOUND), 8 * eps * torch.maximum(lo.abs(), hi.abs())
    )
    return torch.stack([(lo + gap).expand_as(probes[0]), (hi - gap).expand_as(probes[0])])


@given(data=st.data())
def test_dist_bounds(entry: str, dtype: torch.dtype, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    assert e.dist is not None
    case = draw_case(data, e)
    for impl in (REFERENCE, cand):
        net = build(e, impl, case.cfg, dtype, seed=case.seed, perturbed=True)
        support = e.dist.support(net)
        x = inputs_for(e, net, case, dtype)
        what = f"{entry} ({impl.module_name})"
        torch.manual_seed(case.seed)
        with torch.no_grad():
            dist = e.dist.dist(net, x)
            assert_in_support(_values(dist), support, what)
            points = [probe_points(dist, support)]
            if isinstance(support, Interval):
                points.append(_near_bounds(dist, support))
            for p in points:
                lp = dist.log_prob(p)
                assert bool(torch.isfinite(lp).all()), f"{what}: log_prob not finite: {lp}"
            for limit in e.dist.limits(dist, net):
                v = limit.value
                assert not bool(torch.isnan(v).any()), f"{what}: {limit.name} is NaN"
                if limit.low is not None:
                    assert bool((v >= limit.low).all()), f"{what}: {limit.name} < {limit.low}"
                if limit.high is not None:
                    assert bool((v <= limit.high).all()), f"{what}: {limit.name} > {limit.high}"
            probs = base_probs(dist)
            if probs is not None:
                torch.testing.assert_close(probs.sum(-1), torch.ones_like(probs.sum(-1)))
            if e.dist.extreme(case.cfg):
                big = map_structure(
                    lambda t: torch.sign(t) * EXTREME if t.is_floating_point() else t, x
                )
                assert_in_support(_values(e.dist.dist(net, big)), support, f"{what} at 1e4")
