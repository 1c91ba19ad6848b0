"""reparam_grad: a reparameterised sample of the candidate is a sample of the reference's own
reparameterisation map, and carries that map's gradient.

With the weights shared (``subject.twins``), the candidate draws ``y = rsample()``. The
noise that produced ``y`` is recovered by inverting the *reference* distribution's map, and
``y'`` is rebuilt through that map with autograd (``properties.distributions.rebuild``:
transforms inverted, a Normal or Cauchy standardised, a Beta or truncated normal through
implicit reparameterisation ``dy/dtheta = -(dF/dtheta) / p``, Gumbel noise recovered up to a
constant, a straight-through sample's gradient that of ``probs``). Then ``y' == y`` and the
gradients of ``<w, y>`` w.r.t. the candidate's parameters and floating inputs equal those
of ``<w, y'>`` w.r.t. the reference's (random ``w``), within the condition-aware tolerance
of ``properties.compare``. The check does not depend on how a candidate consumes its
random generator: a correct candidate that draws its noise differently passes.

Elements whose noise is not recovered, or not determined by the sample at the contract's
precision, are masked out of both sides: a float32 sample rounded onto a squashing bound
(no finite pre-image) or next to it (one ulp of the sample's scale moves its pre-image by
more than ``rtol / CONDITION_FACTOR``: its noise is not known), a Beta sample clamped
within eps of 0 or 1, a hard Gumbel-softmax sample (its one-hot value hides the noise);
an event recovered only in part is left out whole. Where the reference distribution has
no ``rsample`` for the drawn config, there is nothing to compare (noted)."""

from __future__ import annotations

import torch

from properties.compare import CONDITION_FACTOR, assert_expected, expect, tolerance
from properties.distributions import rebuild, rounding_scale
from properties.harness import Subject, spec_property
from properties.kinds.base import device_of, parameters_of, seeded
from properties.kinds.distribution import distributional
from reference.specs import flatten, map_structure


def _leaves(net, x) -> tuple:
    """``x`` with floating leaves requiring grad, and the tensors gradients are taken for."""
    x = map_structure(lambda t: t.detach().clone().requires_grad_(t.is_floating_point()), x)
    inputs = [t for t in flatten(x) if t.is_floating_point()]
    return x, inputs + [p for _, p in parameters_of(net)], len(inputs)


def _gradients(value: torch.Tensor, weights: torch.Tensor, wanted: list, split: int) -> dict:
    """``d <weights, value> / d wanted`` split into inputs and parameters (zeros where a
    tensor does not contribute)."""
    loss = (value * weights).sum()
    grads: list[torch.Tensor | None] = [None] * len(wanted)
    if loss.requires_grad and wanted:
        grads = list(torch.autograd.grad(loss, wanted, allow_unused=True))
    grads = [torch.zeros_like(t) if g is None else g for t, g in zip(wanted, grads)]
    return {"inputs": grads[:split], "parameters": grads[split:]}


def _weights(y: torch.Tensor, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(y.shape, generator=g, dtype=torch.float64).to(y)


def recovered(kind, dist, y: torch.Tensor, cfg: dict) -> torch.Tensor:
    """Where ``y``'s noise is recovered, and determined by ``y`` at the contract's precision:
    moving ``y`` by one ulp of the scale it is known at (``rounding_scale``) moves the
    recovered noise by at most ``rtol / CONDITION_FACTOR`` relative (a sample next to a
    squashing bound barely determines its pre-image); whole events."""
    rtol, _ = tolerance(y.dtype)
    delta = torch.finfo(y.dtype).eps * rounding_scale(kind.law.support(cfg), y)
    at = rebuild(dist, y)
    ok = at.ok
    for shifted in (y + delta, y - delta):
        moved = rebuild(dist, shifted)
        change = (moved.noise - at.noise).abs()
        ok = ok & moved.ok & (change <= rtol / CONDITION_FACTOR * (1 + at.noise.abs()))
    dims = len(kind.event_shape(dist, cfg))
    return ok.all(dim=tuple(range(-dims, 0)), keepdim=True).expand_as(ok) if dims else ok


@spec_property
def test_reparam_grad(subject: Subject, dtype: torch.dtype, device: str, data) -> None:
    case = subject.draw(data)
    kind, cfg = distributional(subject.kind), case.cfg
    ref, cand = subject.twins(case, dtype, device)
    x = subject.inputs(case, dtype, device)
    with torch.no_grad():
        ref_dist = kind.distribution(ref, x, cfg)
    if not ref_dist.has_rsample:
        subject.tally.note("some drawn configs give a distribution without rsample")
        return

    xc, wanted, split = _leaves(cand, x)
    with torch.enable_grad(), seeded(case.seed, device_of(x)):
        y = kind.distribution(cand, xc, cfg).rsample()
    with torch.no_grad():
        ok = recovered(kind, kind.distribution(ref, x, cfg), y.detach(), cfg)
    if not bool(ok.any()):
        subject.tally.note("some drawn samples reveal none of their noise (nothing compared)")
    mask = ok.to(y.dtype)
    weights = _weights(y, case.seed) * mask
    with torch.enable_grad():
        got = {"sample": (y * mask).detach(), **_gradients(y, weights, wanted, split)}

    def reference_side(net, x, y) -> dict:
        x, wanted, split = _leaves(net, x)
        with torch.enable_grad():
            rebuilt = rebuild(kind.distribution(net, x, cfg), y).value
            m = mask.to(rebuilt)
            w = _weights(rebuilt, case.seed) * m
            return {"sample": (rebuilt * m).detach(), **_gradients(rebuilt, w, wanted, split)}

    expected = expect(reference_side, (ref, x, y.detach()), dtype)
    assert_expected(got, expected, f"{subject.name} rsample and its gradients")
