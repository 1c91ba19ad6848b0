"""determinism: for every stochastic entry, the random results of a call (samples of a
distribution, an augmented forward pass, noise) are the same for the same seed and differ
for a different seed, in the reference and in the candidate (the kind controls where the
randomness comes from)."""

from __future__ import annotations

import torch

from properties.harness import Subject, spec_property
from reference.specs import flatten


def _equal(a, b) -> bool:
    return all(torch.equal(x, y) for x, y in zip(flatten(a), flatten(b)))


@spec_property
def test_determinism(subject: Subject, data) -> None:
    case = subject.draw(data)
    kind = subject.kind
    if not kind.stochastic(case.cfg, case.batch):
        subject.tally.note("some drawn configs draw no random numbers")
        return
    for impl in (subject.reference, subject.candidate):
        net = subject.build(impl, case.cfg, seed=case.seed, perturbed=True)
        x = subject.inputs(case)
        with torch.no_grad():
            first = kind.draw(net, x, case.cfg, case.seed)
            again = kind.draw(net, x, case.cfg, case.seed)
            other = kind.draw(net, x, case.cfg, case.seed + 1)
        assert _equal(first, again), f"{impl}: the same seed gave other random results"
        if kind.distinct(net, x, case.cfg):
            assert not _equal(first, other), f"{impl}: another seed gave the same random results"
