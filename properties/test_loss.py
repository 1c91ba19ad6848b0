"""loss: for losses and algorithms, the loss and its parts, and their gradients with respect
to the floating inputs and every parameter, equal the reference's (condition-aware
tolerance of ``properties.compare``, float32 and float64); and the reference (float64)
equals the independent model of the loss the entry declares (``kind.expected``, e.g.
``properties.models.alf.ppg`` written from the definitions)."""

from __future__ import annotations

from typing import Any

import torch

from properties.compare import assert_expected, expect
from properties.harness import Subject, spec_property
from properties.kinds.base import parameters_of
from reference.specs import flatten, map_structure


def _gradients(subject: Subject, net, x, case) -> dict[str, list[torch.Tensor]]:
    """``d <w, loss parts> / d (floating inputs, parameters)``, ``w`` seeded by the case."""
    x = map_structure(lambda t: t.detach().clone().requires_grad_(t.is_floating_point()), x)
    inputs = [t for t in flatten(x) if t.is_floating_point()]
    params = [p for _, p in parameters_of(net)]
    with torch.enable_grad():
        outputs = [y for y in flatten(subject.observe(net, x, case)) if y.requires_grad]
        g = torch.Generator().manual_seed(case.seed)
        weights = [torch.randn(y.shape, generator=g, dtype=torch.float64).to(y) for y in outputs]
        total = sum((y * w).sum() for y, w in zip(outputs, weights))
        wanted = inputs + params
        grads = torch.autograd.grad(total, wanted, allow_unused=True)
    filled = [torch.zeros_like(t) if gr is None else gr for t, gr in zip(wanted, grads)]
    return {"inputs": filled[: len(inputs)], "parameters": filled[len(inputs) :]}


@spec_property
def test_loss(subject: Subject, dtype: torch.dtype, data) -> None:
    case = subject.draw(data)
    ref, cand = subject.twins(case, dtype)
    x = subject.inputs(case, dtype)

    def observed(net, x):
        with torch.no_grad():
            return subject.observe(net, x, case)

    assert_expected(observed(cand, x), expect(observed, (ref, x), dtype), f"{subject.name}")
    expected = expect(lambda net, x: _gradients(subject, net, x, case), (ref, x), dtype)
    assert_expected(_gradients(subject, cand, x, case), expected, f"{subject.name} gradients")


@spec_property
def test_loss_model(subject: Subject, data) -> None:
    """The reference (float64) against the independent model."""
    case = subject.draw(data)
    kind: Any = subject.kind  # a loss kind: expected()
    dtype = torch.float64
    ref = subject.build(subject.reference, case.cfg, dtype, seed=case.seed, perturbed=True)
    x = subject.inputs(case, dtype)

    def observed(net, x):
        with torch.no_grad():
            return subject.observe(net, x, case)["output"]

    with torch.no_grad():
        naive = kind.expected(ref, x, case.cfg)
    expected = expect(observed, (ref, x), dtype)
    assert_expected(naive, expected, f"{subject.name}: the independent model vs the reference")
