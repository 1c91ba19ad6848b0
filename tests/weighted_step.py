"""One forward and backward of a layer for tests that hold an optimized path equal to the
reference: the output, and the gradients of a seeded random weighting of it."""

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
