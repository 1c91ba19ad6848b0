"""The two layers of Pyrado's ``pyrado/utils/nn_layers.py`` that the potential-based policies use.

* :class:`IndiNonlinLayer`: ``y = f(w * (x + b))`` elementwise, with a learnable scale ``w``
  and bias ``b`` per feature (either may be absent). Upstream's docstring says the bias is
  *subtracted*; its code adds it, and so does this layer.
* :class:`MirrConv1d`: a bias-free 1-d convolution with a symmetric kernel: only the first
  ``ceil(k / 2)`` taps are parameters, ``kernel = [w_0 .. w_{m-1}, w_{m-2} .. w_0]`` for odd
  ``k`` (``[w, flip(w)]`` for even ``k``). Circular padding pads ``(p + 1) // 2`` left and
  ``p // 2`` right (``p = padding``); any other mode pads zeros (upstream's ``F.conv1d``
  call ignores ``reflect``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn


class IndiNonlinLayer(nn.Module):
    """``f(w * (x + b))`` per feature; ``w ~ N(0, 1/n)`` and ``b ~ N(0, 1/n)`` after Pyrado's
    ``init_param`` (:meth:`reset_parameters`), ``n = in_features``."""

    def __init__(self, in_features: int, nonlin: Callable, bias: bool, weight: bool = True):
        if not callable(nonlin):
            raise TypeError(f"nonlin: expected a callable, got {nonlin!r}")
        super().__init__()
        self.nonlin = nonlin
        self.weight = nn.Parameter(torch.randn(in_features)) if weight else None
        self.bias = nn.Parameter(torch.randn(in_features)) if bias else None

    def reset_parameters(self) -> None:
        for p in (self.weight, self.bias):
            if p is not None:
                nn.init.normal_(p, std=1.0 / math.sqrt(p.numel()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.bias is not None:
            x = x + self.bias
        if self.weight is not None:
            x = self.weight * x
        return self.nonlin(x)


class MirrConv1d(nn.Module):
    """Symmetric-kernel ``Conv1d`` (module doc): ``in_channels -> out_channels``, no bias,
    stride 1. ``weight`` holds the ``ceil(k / 2)`` free taps, drawn like torch's Conv1d
    default for a kernel of that width (kaiming uniform, a = sqrt(5))."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        padding: int = 0,
        padding_mode: str = "zeros",
    ):
        super().__init__()
        self.kernel_size, self.padding, self.padding_mode = kernel_size, padding, padding_mode
        half = math.ceil(kernel_size / 2)
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, half))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))

    def full_kernel(self) -> torch.Tensor:
        """The ``[out, in, k]`` symmetric kernel."""
        mirrored = torch.flip(self.weight, dims=(2,))
        if self.kernel_size % 2 == 1:
            mirrored = mirrored[:, :, 1:]
        return torch.cat([self.weight, mirrored], dim=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kernel = self.full_kernel()
        if self.padding_mode == "circular":
            x = F.pad(x, ((self.padding + 1) // 2, self.padding // 2), mode="circular")
            return F.conv1d(x, kernel)
        return F.conv1d(x, kernel, padding=self.padding)
