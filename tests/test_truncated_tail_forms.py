"""The optimized TruncatedNormal computes its tail forms only where some element's interval
lies in the tail (``b < TAIL_START``): with and without such an element, its samples,
log-densities and their gradients equal the reference's, which always computes both forms
and selects."""

from __future__ import annotations

import pytest
import torch

from optimized import distributions as od
from reference import distributions as rd


@pytest.mark.parametrize("with_tail", [False, True])
def test_tail_forms_only_where_needed(with_tail: bool) -> None:
    g = torch.Generator().manual_seed(4)
    loc = torch.randn(7, 3, generator=g, dtype=torch.float64)
    if with_tail:
        loc[2, 1], loc[5, 0] = 40.0, -25.0  # far outside [-1, 1]: standardised b < -4
    loc.requires_grad_()
    scale = (torch.rand(7, 3, generator=g, dtype=torch.float64) + 0.3).requires_grad_()
    low = torch.full((3,), -1.0, dtype=torch.float64)
    high = torch.full((3,), 1.0, dtype=torch.float64)
    results = []
    for module in (rd, od):
        dist = module.TruncatedNormal(loc, scale, low, high)
        torch.manual_seed(5)
        x = dist.rsample((2,))
        probe = torch.linspace(-0.99, 0.99, 7, dtype=torch.float64)[:, None].expand(7, 3)
        lp = dist.log_prob(probe)
        grads = torch.autograd.grad(x.sum() + lp.sum(), (loc, scale))
        results.append((x, lp, *grads))
    assert torch.isfinite(results[1][1]).all()
    for want, got in zip(*results):
        torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-10)
