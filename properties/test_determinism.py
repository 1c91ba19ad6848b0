"""determinism: the same seed gives the same samples and reparameterised samples (and a
different seed different ones), in the reference and in the candidate."""

from __future__ import annotations

import torch
from hypothesis import given
from hypothesis import strategies as st

from properties.harness import build, draw_case, entry_under_test, inputs_for
from properties.impl import REFERENCE


def _draw(dist: torch.distributions.Distribution, seed: int) -> list[torch.Tensor]:
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        out = [dist.sample((3,))]
        if dist.has_rsample:
            out.append(dist.rsample((3,)))
    return out


@given(data=st.data())
def test_determinism(entry: str, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    assert e.dist is not None
    case = draw_case(data, e)
    for impl in (REFERENCE, cand):
        net = build(e, impl, case.cfg, seed=case.seed, perturbed=True)
        x = inputs_for(e, net, case, torch.float32)
        with torch.no_grad():
            dist = e.dist.dist(net, x)
            first, again = _draw(dist, case.seed), _draw(dist, case.seed)
        for a, b in zip(first, again):
            assert torch.equal(a, b), f"{entry} ({impl.module_name}): same seed, other samples"
