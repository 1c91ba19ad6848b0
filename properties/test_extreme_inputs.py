"""extreme_inputs (hardening): extreme inputs (the ``extreme`` strategy: every input
element ``+-1e4``, ``+-1e10``, ``+-1e30`` or ``+-1e300`` in a drawn sign pattern, capped
below the dtype's range (float32: ``3.4e30``), so the head's own layer sees pre-activations
of that size) give a proper distribution (contract item 7): samples, modes and means finite
and in the support, the log-density of a fresh sample neither NaN nor +inf, and not -inf
either where the law says a sample keeps its exact pre-image (``Law.sample_preimage``: -inf
is then the honest underflow of a density at a sample that rounded onto a bound and lost
its pre-image, as a mixture's samples do), the entropy (where defined) not NaN, the
declared limits held. Reference and candidate alike. The spec documents do not ask for
this; twinnet adds it."""

from __future__ import annotations

import torch

from properties.bounds import SAMPLES, assert_in_support, check_limits, values_of
from properties.distributions import Support, defined
from properties.harness import Subject, spec_property
from properties.kinds.base import seeded
from properties.kinds.distribution import distributional
from properties.strategies import extreme_magnitudes, extreme_patterns, extreme_tensor
from reference.specs import map_structure


@spec_property
def test_extreme_inputs(subject: Subject, dtype: torch.dtype, data) -> None:
    case = subject.draw(data)
    magnitude = data.draw(extreme_magnitudes(), label="extreme magnitude")
    pattern = data.draw(extreme_patterns(), label="extreme signs")
    kind, cfg = distributional(subject.kind), case.cfg
    support = kind.law.support(cfg)
    for impl in (subject.reference, subject.candidate):
        net = subject.build(impl, cfg, dtype, seed=case.seed, perturbed=True)
        x = subject.inputs(case, dtype)
        big = map_structure(
            lambda t: extreme_tensor(t, magnitude, pattern) if t.is_floating_point() else t, x
        )
        with torch.no_grad(), seeded(case.seed):
            extreme = kind.distribution(net, big, cfg)
            _check_extreme(subject, extreme, cfg, support, f"{impl}", magnitude)


def _check_extreme(
    subject: Subject, dist, cfg: dict, support: Support, what: str, magnitude: float
) -> None:
    """A proper distribution at extreme inputs (module doc)."""
    kind = distributional(subject.kind)
    what = f"{what} at inputs of magnitude {magnitude:g}"
    values = values_of(kind, dist)
    for key, v in values.items():
        assert bool(torch.isfinite(v).all()), f"{what}: {key} not finite: {v.flatten()[:6]}"
    assert_in_support(values, support, what)
    # a fresh sample, scored at once: a squashed sample that rounds onto a bound keeps its
    # exact pre-image only in the transform's cache (the latest sample's)
    lp = kind.log_prob(dist, kind.samples(dist, SAMPLES))
    assert not bool(torch.isnan(lp).any() | (lp == torch.inf).any()), (
        f"{what}: log_prob of samples NaN or +inf: {lp.flatten()[:6]}"
    )
    if kind.law.sample_preimage:
        assert not bool((lp == -torch.inf).any()), (
            f"{what}: log_prob of the head's own samples -inf: {lp.flatten()[:6]}"
        )
    entropy = defined(dist.entropy)
    if entropy is not None:
        assert not bool(torch.isnan(entropy).any()), f"{what}: entropy is NaN"
    check_limits(subject, dist, cfg, what)
