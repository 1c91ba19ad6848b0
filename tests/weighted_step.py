"""One forward and backward of a layer for tests that hold an optimized path equal to the
reference: the output, and the gradients of a seeded random weighting of it; and the
comparison of two such steps, reference and candidate, in float64."""

from __future__ import annotations

import torch
from torch import nn


def weighted_step(
    net: nn.Module, x: torch.Tensor, seed: int, input_grad: bool = True
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """``(y, grads)`` of ``y = net(x)``: the gradients of ``sum(y * w)`` (``w`` standard
    normal from ``seed``) w.r.t. the input (when ``input_grad``) and every parameter."""
    xi = x.clone().requires_grad_(input_grad)
    y = net(xi)
    weights = torch.randn(y.shape, generator=torch.Generator().manual_seed(seed), dtype=y.dtype)
    wrt = [xi, *net.parameters()] if input_grad else list(net.parameters())
    return y, list(torch.autograd.grad((y * weights).sum(), wrt))


def assert_layers_equal(
    reference: nn.Module, candidate: nn.Module, shape: tuple, input_grad: bool = True
) -> None:
    """``candidate`` with ``reference``'s weights gives its output and every gradient of
    :func:`weighted_step` in float64 (rtol 1e-9, atol 1e-10), both in eval mode (batch norm
    on running statistics: no update in place), on a seeded standard normal input."""
    reference, candidate = reference.double(), candidate.double()
    candidate.load_state_dict(reference.state_dict())
    reference.eval(), candidate.eval()
    x = torch.randn(shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    (want_y, want), (got_y, got) = (
        weighted_step(net, x, 2, input_grad) for net in (reference, candidate)
    )
    torch.testing.assert_close(got_y, want_y, rtol=1e-9, atol=1e-10)
    for got_g, want_g in zip(got, want):
        torch.testing.assert_close(got_g, want_g, rtol=1e-9, atol=1e-10)
