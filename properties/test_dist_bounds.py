"""dist_bounds: samples, reparameterised samples, modes and means lie in the support for
inputs in the normal range; log_prob is finite at points inside the support, also within
1e-6 of a bound; the law's declared parameter limits (std, scale, concentrations,
probabilities) hold where the distribution exposes the parameter; category probabilities
sum to 1. Reference and candidate alike. After a reparameterised sample the network still
deep-copies (no shared transform cache holds its graph). Extreme inputs are the hardening id
``extreme_inputs``."""

from __future__ import annotations

import copy

import torch

from properties.bounds import assert_in_support, check_limits, values_of
from properties.distributions import Interval, near_bounds
from properties.harness import Subject, spec_property
from properties.kinds.base import seeded
from properties.kinds.distribution import distributional


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
            assert_in_support(values_of(kind, dist), support, what)
            points = [kind.probes(dist, cfg)]
            if isinstance(support, Interval):
                points.append(near_bounds(support, tuple(points[0].shape[1:]), *_float(points[0])))
            for p in points:
                lp = kind.log_prob(dist, p)
                assert bool(torch.isfinite(lp).all()), f"{what}: log_prob not finite: {lp}"
            check_limits(subject, dist, cfg, what)
            probs = kind.probs(dist)
            if probs is not None:
                torch.testing.assert_close(probs.sum(-1), torch.ones_like(probs.sum(-1)))
        if kind.has_rsample(dist):
            copy.deepcopy(net)


def _float(t: torch.Tensor) -> tuple[torch.dtype, torch.device]:
    return t.dtype, t.device
