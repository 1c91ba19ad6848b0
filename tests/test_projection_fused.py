"""The closed-form backward passes of the fused squashed distributions match autograd of the
plain formula for the same noise (the property suite compares distributions at probe
points; these check the cached ``log_prob(rsample())`` path that benchmarks and training
use)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from optimized import distributions as od


@pytest.mark.parametrize("cls", [od.SquashedNormal, od.SquashedCauchy])
@pytest.mark.parametrize("per_row_scale", [False, True])
def test_cached_rsample_log_prob_gradients(cls: type, per_row_scale: bool) -> None:
    g = torch.Generator().manual_seed(0)
    loc = torch.randn(5, 3, generator=g, dtype=torch.float64, requires_grad=True)
    shape = (5, 3) if per_row_scale else (3,)
    scale = (torch.rand(shape, generator=g, dtype=torch.float64) + 0.2).requires_grad_()
    low = torch.tensor([-1.0, 0.0, 2.0], dtype=torch.float64)
    high = torch.tensor([1.0, 0.5, 7.0], dtype=torch.float64)
    dist = cls(loc, scale, low, high)
    torch.manual_seed(1)
    y = dist.rsample((4,))
    lp = dist.log_prob(y)
    w = torch.randn(y.shape, generator=g, dtype=torch.float64)
    got = torch.autograd.grad((w * y).sum() + lp.sum(), (loc, scale))

    torch.manual_seed(1)
    e = dist._noise(y.shape)  # the very noise the sample was drawn with
    x = loc + scale * e
    m, s = (high + low) / 2, (high - low) / 2
    y_ref = m + s * torch.tanh(x)
    base = torch.distributions.Normal if cls is od.SquashedNormal else torch.distributions.Cauchy
    lp_ref = (
        base(loc, scale).log_prob(x) - 2 * (torch.log(torch.tensor(2.0)) - x - F.softplus(-2 * x))
    ).sum(-1) - s.log().sum()
    want = torch.autograd.grad((w * y_ref).sum() + lp_ref.sum(), (loc, scale))
    torch.testing.assert_close(y, y_ref.clamp(low, high))
    torch.testing.assert_close(lp, lp_ref)
    for a, b in zip(got, want):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("cls", [od.SquashedNormal, od.SquashedCauchy])
def test_fresh_sample_scored_alike_with_and_without_gradients(cls: type) -> None:
    """With gradients a fresh sample is scored by the sampling node itself; without, from its
    cached pre-image. Both give the same log-density."""
    g = torch.Generator().manual_seed(2)
    loc = torch.randn(6, 4, generator=g, dtype=torch.float64, requires_grad=True)
    scale = (torch.rand(6, 4, generator=g, dtype=torch.float64) + 0.2).requires_grad_()
    low, high = (
        torch.full((4,), -2.0, dtype=torch.float64),
        torch.full((4,), 3.0, dtype=torch.float64),
    )
    dist = cls(loc, scale, low, high)
    torch.manual_seed(3)
    y = dist.rsample((2,))
    with_grad = dist.log_prob(y)
    with torch.no_grad():
        torch.manual_seed(3)
        y_plain = dist.rsample((2,))
        without = dist.log_prob(y_plain)
    torch.testing.assert_close(y_plain, y.detach())
    torch.testing.assert_close(without, with_grad.detach())
