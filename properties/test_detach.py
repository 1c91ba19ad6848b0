"""detach: in a policy-value network the value head shares no gradient path with the
policy: every parameter whose gradient from the policy's numbers is not zero gets a
gradient from the value output that is exactly zero (a value encoder of its own, or the
shared encoder's features detached before the value head, in both PPG phases). Weights are
perturbed so that no parameter is inert by construction; a parameter the policy does not
move is not this property's concern."""

from __future__ import annotations

from typing import Any

import torch

from properties.harness import Subject, spec_property
from properties.kinds.base import parameters_of


def _grads(output: torch.Tensor, params: list[torch.Tensor], g: torch.Generator) -> list:
    weights = torch.randn(output.shape, generator=g, dtype=torch.float64).to(output)
    grads = torch.autograd.grad((output * weights).sum(), params, allow_unused=True)
    return [torch.zeros_like(p) if gr is None else gr for p, gr in zip(params, grads)]


@spec_property
def test_detach(subject: Subject, data) -> None:
    case = subject.draw(data, min_batch=2)
    kind: Any = subject.kind  # a policy-value kind: policy_numbers(), value_output()
    net = subject.build(subject.candidate, case.cfg, torch.float64, seed=case.seed, perturbed=True)
    named = [(k, p) for k, p in parameters_of(net) if p.requires_grad]
    params = [p for _, p in named]
    x = subject.inputs(case, torch.float64)
    g = torch.Generator().manual_seed(case.seed)
    with torch.enable_grad():
        outputs, _ = kind.call(net, x, kind.initial_state(net, x, case.cfg))
        policy = torch.cat([t.reshape(-1) for t in kind.policy_numbers(net, outputs)])
        from_policy = _grads(policy, params, g)
        outputs, _ = kind.call(net, x, kind.initial_state(net, x, case.cfg))
        from_value = _grads(kind.value_output(net, outputs), params, g)
    moved = [k for (k, _), gp in zip(named, from_policy) if bool(gp.ne(0).any())]
    assert moved, f"{subject.name}: no parameter moves the policy"
    leaks = [
        k
        for (k, _), gp, gv in zip(named, from_policy, from_value)
        if bool(gp.ne(0).any()) and bool(gv.ne(0).any())
    ]
    assert not leaks, (
        f"{subject.name}: the value output sends gradient into {len(leaks)} parameter(s) that "
        f"move the policy, first {leaks[0]}"
    )
