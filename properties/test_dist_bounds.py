"""dist_bounds: samples, reparameterised samples, modes and means lie in the support for any
input; log_prob is finite at points inside the support, also within 1e-6 of a bound; the
law's declared parameter limits (std, scale, concentrations, probabilities) hold where the
distribution exposes the parameter; category probabilities sum to 1. Reference and
candidate alike.

Extreme inputs (the ``extreme`` strategy: every input element ``+-1e4``, ``+-1e10`` or
``+-1e30`` in a drawn sign pattern, so the head's own layer sees pre-activations of that
size) give a proper distribution (contract item 7): samples, modes and means finite and in
the support, the log-density of a fresh sample (up to ``LOG_PROB_EXTREME``) neither NaN
nor +inf (-inf is the honest underflow of a density at a sample that rounded onto a bound
and lost its pre-image, as a mixture's samples do), the entropy (where defined) not NaN,
the declared limits held. After a reparameterised sample the network still deep-copies
(no shared transform cache holds its graph)."""

from __future__ import annotations

import copy
import functools

import torch

from properties.distributions import Categories, Interval, Support, defined, near_bounds
from properties.harness import Subject, spec_property
from properties.kinds.base import seeded
from properties.kinds.distribution import distributional
from properties.strategies import extreme_magnitudes, extreme_patterns, extreme_tensor
from reference.specs import map_structure

SAMPLES = 16
#: The largest input magnitude at which the log-density of fresh samples is checked: beyond
#: it a proper distribution may still round its log-density to nonsense (lgamma of 1e17
#: concentrations cancels in float32), which the contract does not ask to be meaningful.
LOG_PROB_EXTREME = 1e4


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
    magnitude = data.draw(extreme_magnitudes(), label="extreme magnitude")
    pattern = data.draw(extreme_patterns(), label="extreme signs")
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
            big = map_structure(
                lambda t: extreme_tensor(t, magnitude, pattern) if t.is_floating_point() else t, x
            )
            extreme = kind.distribution(net, big, cfg)
            _check_extreme(subject, extreme, cfg, support, what, magnitude)
        if kind.has_rsample(dist):
            copy.deepcopy(net)


def _check_extreme(
    subject: Subject, dist, cfg: dict, support: Support, what: str, magnitude: float
) -> None:
    """A proper distribution at extreme inputs (module doc)."""
    kind = distributional(subject.kind)
    what = f"{what} at inputs of magnitude {magnitude:g}"
    values = _values(kind, dist)
    for key, v in values.items():
        assert bool(torch.isfinite(v).all()), f"{what}: {key} not finite: {v.flatten()[:6]}"
    assert_in_support(values, support, what)
    # a fresh sample, scored at once: a squashed sample that rounds onto a bound keeps its
    # exact pre-image only in the transform's cache (the latest sample's)
    if magnitude <= LOG_PROB_EXTREME:
        lp = kind.log_prob(dist, kind.samples(dist, SAMPLES))
        assert not bool(torch.isnan(lp).any() | (lp == torch.inf).any()), (
            f"{what}: log_prob of samples NaN or +inf: {lp}"
        )
    entropy = defined(dist.entropy)
    if entropy is not None:
        assert not bool(torch.isnan(entropy).any()), f"{what}: entropy is NaN"
    _check_limits(subject, dist, cfg, what)


def _float(t: torch.Tensor) -> tuple[torch.dtype, torch.device]:
    return t.dtype, t.device
