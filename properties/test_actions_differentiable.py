"""actions_differentiable: a policy head's ``actions_differentiable`` is true exactly when
its actions are reparameterised, the way the spec defines the flag ("Does the output
distribution have rsample? ... can we optimize -Q(s, a ~ pi) as an actor loss?"):
``rsample()`` of its distribution (of ``DiscreteLikeContinuous`` of it for a discrete
head) works and carries a nonzero gradient to ``vec``; the candidate's flag is the
reference's."""

from __future__ import annotations

import torch

from properties.harness import Subject, spec_property
from properties.kinds.amago_head import AmagoHead


@spec_property
def test_actions_differentiable(subject: Subject, data) -> None:
    case = subject.draw(data)
    kind = subject.kind
    assert isinstance(kind, AmagoHead)
    flags = []
    for impl in (subject.reference, subject.candidate):
        head = subject.build(impl, case.cfg, torch.float64, seed=case.seed)
        vec = subject.inputs(case, torch.float64)
        works = kind.differentiable_actions(impl, head, vec)
        flag = head.actions_differentiable
        assert flag == works, (
            f"{impl}: actions_differentiable is {flag} but rsample with a gradient "
            f"{'works' if works else 'does not'}"
        )
        flags.append(flag)
    assert flags[0] == flags[1], f"the candidate's flag {flags[1]} is not the reference's"
