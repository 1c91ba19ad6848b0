"""dist_bounds: samples, reparameterised samples, modes and means lie in the support for any
input (extreme inputs of magnitude 1e4 included, where the law allows them); log_prob is
finite at points inside the support, also within 1e-6 of a bound; the law's declared
parameter limits (std, scale, concentrations, probabilities) hold where the distribution
exposes the parameter; category probabilities sum to 1. Reference and candidate alike."""

from __future__ import annotations

import functools

import torch

from properties.distributions import Categories, Interval, Support, defined, near_bounds
from properties.harness import Subject, spec_property
from properties.kinds.base import seeded
from properties.kinds.distribution import distributional
from reference.specs import map_structure

SAMPLES = 16
EXTREME = 1e4


def _values(kind, dist) -> dict[str, torch.Tensor]:
    out = {"sample": kind.samples(dist, SAMPLES)}
    if kind.has_rsample(dist):
        out["rsample"] = kind.rsamples(dist, SAMPLES)
    if kind.law.api.torch:
        for key in ("mode", "mean"):
            value = defined(functools.partial(getattr, dist, key))
            if value is not None:
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
                assert bool(((v >= 0) & (v <= 1)).all()), (
                    f"{what} {key}: one-hot values outside [0, 1]"
                )
                if key in ("sample", "mode"):
                    torch.testing.assert_close(v.sum(-1), torch.ones_like(v.sum(-1)))
            elif key != "mean":
                assert bool(((v >= 0) & (v <= support.k - 1)).all()), (
                    f"{what} {key}: categories outside 0..{support.k - 1}"
                )
        else:
            assert not bool(torch.isnan(v).any()), f"{what} {key}: NaN values"


def _check_limits(subject: Subject, dist, cfg: dict, what: str) -> None:
    for limit in distributional(subject.kind).law.limits(dist, cfg):
        v = limit.value
        if v is None:
            subject.tally.note(
                f"the distribution does not expose {limit.name}: its limit is unchecked"
            )
            continue
        assert not bool(torch.isnan(v).any()), f"{what}: {limit.name} is NaN"
        if limit.low is not None:
            assert bool((v >= limit.low).all()), (
                f"{what}: {limit.name} {v.min().item()} < {limit.low}"
            )
        if limit.high is not None:
            assert bool((v <= limit.high).all()), (
                f"{what}: {limit.name} {v.max().item()} > {limit.high}"
            )


@spec_property
def test_dist_bounds(subject: Subject, dtype: torch.dtype, data) -> None:
    case = subject.draw(data)
    kind, cfg = distributional(subject.kind), case.cfg
    support = kind.law.support(cfg)
    for impl in (subject.reference, subject.candidate):
        net = subject.build(impl, cfg, dtype, seed=case.seed, perturbed=True)
        x = subject.inputs(case, dtype)
        what = f"{impl}"
        with torch.no_grad(), seeded(case.seed):
            dist = kind.distribution(net, x, cfg)
            assert_in_support(_values(kind, dist), support, what)
            points = [kind.probes(dist, cfg)]
            if isinstance(support, Interval):
                points.append(near_bounds(support, tuple(points[0].shape[1:]), *_float(points[0])))
            for p in points:
                lp = kind.log_prob(dist, p)
                assert bool(torch.isfinite(lp).all()), f"{what}: log_prob not finite: {lp}"
            _check_limits(subject, dist, cfg, what)
            probs = kind.probs(dist)
            if probs is not None:
                torch.testing.assert_close(probs.sum(-1), torch.ones_like(probs.sum(-1)))
            if kind.law.extreme(cfg):
                big = map_structure(
                    lambda t: torch.sign(t) * EXTREME if t.is_floating_point() else t, x
                )
                values = _values(kind, kind.distribution(net, big, cfg))
                assert_in_support(values, support, f"{what} at inputs of magnitude 1e4")


def _float(t: torch.Tensor) -> tuple[torch.dtype, torch.device]:
    return t.dtype, t.device
