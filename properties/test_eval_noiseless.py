"""eval_noiseless: in eval mode a network that carries noise as its state (a noisy kind)
adds no noise: its output from a random noise state equals its output from zero noise, and
the state it returns is the state it was given, for the reference and the candidate."""

from __future__ import annotations

import torch

from properties.harness import Subject, spec_property
from properties.kinds.base import seeded
from reference.specs import flatten, map_structure


@spec_property
def test_eval_noiseless(subject: Subject, data) -> None:
    case = subject.draw(data)
    kind = subject.kind
    for impl in (subject.reference, subject.candidate):
        net = subject.build(impl, case.cfg, seed=case.seed, perturbed=True)
        x = subject.inputs(case)
        zeros = kind.initial_state(net, x, case.cfg)
        g = torch.Generator().manual_seed(case.seed)
        noise = map_structure(
            lambda z, g=g: torch.randn(z.shape, generator=g, dtype=z.dtype), zeros
        )
        with torch.no_grad(), seeded(case.seed):
            clean, _ = kind.call(net, x, zeros)
            out, state = kind.call(net, x, noise)
        for a, b in zip(flatten(clean), flatten(out)):
            assert torch.equal(a, b), f"{impl}: the eval-mode output depends on the noise state"
        for a, b in zip(flatten(noise), flatten(state)):
            assert torch.equal(a, b), f"{impl}: eval mode changed the noise state"
