"""extreme_inputs (hardening): extreme inputs (the ``extreme`` strategy: every input
element ``+-1e4``, ``+-1e10``, ``+-1e30`` and ``+-1e300`` in turn, in a drawn sign pattern, capped
below the dtype's range (float32: ``3.4e30``), so the head's own layer sees pre-activations
of that size) give a proper distribution (contract item 7): samples, modes and means finite
and in the support, the log-density of a fresh sample neither NaN nor +inf, and not -inf
either where the law says a sample keeps its exact pre-image (``Law.sample_preimage``: -inf
is then the honest underflow of a density at a sample that rounded onto a bound and lost
its pre-image, as a mixture's samples do), the entropy (where defined) not NaN, the
declared limits held; and where the head has reparameterised samples, the gradients of a
fresh one and its log-density w.r.t. the network's parameters not NaN, at the inputs and at
their negation (an infinite gradient
can be the honest size of a derivative at ``1e30``; a NaN one poisons the step that
applies it). Reference and candidate alike. The spec documents do not ask for this;
twinnet adds it."""

from __future__ import annotations

import torch

from properties.bounds import SAMPLES, assert_in_support, check_limits, values_of
from properties.distributions import Support, defined
from properties.harness import Subject, spec_property
from properties.kinds.base import parameters_of, seeded
from properties.kinds.distribution import distributional
from properties.strategies import EXTREME_MAGNITUDES, extreme_patterns, extreme_tensor
from reference.specs import map_structure


@spec_property
def test_extreme_inputs(subject: Subject, dtype: torch.dtype, data) -> None:
    case = subject.draw(data)
    pattern = data.draw(extreme_patterns(), label="extreme signs")
    kind, cfg = distributional(subject.kind), case.cfg
    support = kind.law.support(cfg)
    for impl in (subject.reference, subject.candidate):
        net = subject.build(impl, cfg, dtype, seed=case.seed, perturbed=True)
        x = subject.inputs(case, dtype)
        # every magnitude, not one drawn: where a limit breaks (1e10 for one head, 1e30 for
        # another) must not hinge on which one a derandomized profile happens to draw
        for magnitude in EXTREME_MAGNITUDES:
            big = map_structure(
                lambda t, m=magnitude: (
                    extreme_tensor(t, m, pattern) if t.is_floating_point() else t
                ),
                x,
            )
            with torch.no_grad(), seeded(case.seed):
                extreme = kind.distribution(net, big, cfg)
                _check_extreme(subject, extreme, cfg, support, f"{impl}", magnitude)
            if not kind.law.finite_rsample_grad(cfg):
                continue
            # both signs: a pre-activation overflows (exp) on one side, underflows on the other
            negated = map_structure(lambda t: -t if t.is_floating_point() else t, big)
            for sign, inputs in (("", big), ("negated ", negated)):
                where = f"{impl} at {sign}inputs of magnitude {magnitude:g}"
                with seeded(case.seed):
                    _check_gradients(kind, net, inputs, cfg, where)


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


def _check_gradients(kind, net, inputs, cfg: dict, what: str) -> None:
    """The parameter gradients of ``sum(rsample) + sum(log_prob(rsample))`` not NaN."""
    trained = [(n, p) for n, p in parameters_of(net) if p.requires_grad]
    dist = kind.distribution(net, inputs, cfg)
    if not trained or not kind.has_rsample(dist):
        return
    y = kind.rsamples(dist, 2)
    loss = y.sum() + kind.log_prob(dist, y).sum()
    if not loss.requires_grad:
        return
    grads = torch.autograd.grad(loss, [p for _, p in trained], allow_unused=True)
    bad = [n for (n, _), g in zip(trained, grads) if g is not None and bool(torch.isnan(g).any())]
    assert not bad, f"{what}: NaN gradient of a reparameterised sample and its log_prob: {bad}"
