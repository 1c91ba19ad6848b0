"""Dense layers, single and replicated, with ALF's parameter layout and initialisation.

``Dense``: ``_weight [out, in]``, ``_bias [out]``; ``y = act(x W^T + b)``.
``ParallelDense``: ``_weight [n, out, in]``, ``_bias [n, out]``; for ``x [B, n, in]``,
``y[:, i] = act(x[:, i] W_i^T + b_i)``, computed as one batched matrix product.

Kernels default to variance scaling: a normal truncated at two standard deviations, scaled
so that its standard deviation is ``g / sqrt(fan_in)``, where ``g`` restores unit variance
after the activation: ``g = E[act(z)^2]^(-1/2)``, ``z ~ N(0, 1)``, integrated numerically on
a grid (step 0.01 over [-5, 5)). Each replica of a parallel kernel is initialised alone, so
its fan-in is ``in``. Biases start at zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

Activation = Callable[[torch.Tensor], torch.Tensor]
Initializer = Callable[[torch.Tensor], object]

#: The standard deviation of a unit normal truncated to [-2, 2].
TRUNCATED_STD = 0.87962566103423978


def gain(activation: Activation) -> float:
    """``E[act(z)^2]^(-1/2)`` for ``z ~ N(0, 1)`` (module doc)."""
    z = np.arange(-5.0, 5.0, 0.01)
    density = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    fz = activation(torch.from_numpy(z.copy())).numpy()
    return float(1.0 / math.sqrt(float(np.sum(density * fz * fz)) * 0.01))


@torch.no_grad()
def init_kernel(w: torch.Tensor, initializer: Initializer | None, act: Activation) -> None:
    """Fill one ``[out, in]`` kernel: ``initializer(w)``, or variance scaling (module doc)."""
    if initializer is not None:
        initializer(w)
        return
    std = gain(act) / math.sqrt(w.shape[1]) / TRUNCATED_STD
    nn.init.trunc_normal_(w, 0.0, std, -2.0 * std, 2.0 * std)


class Dense(nn.Module):
    """One fully connected layer (module doc)."""

    def __init__(
        self, size_in: int, size_out: int, act: Activation, initializer: Initializer | None
    ):
        super().__init__()
        self.size_in, self.size_out = size_in, size_out
        self.act, self.initializer = act, initializer
        self._weight = nn.Parameter(torch.empty(size_out, size_in))
        self._bias = nn.Parameter(torch.zeros(size_out))
        init_kernel(self._weight.data, initializer, act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(nn.functional.linear(x, self._weight, self._bias))

    def replicated(self, n: int) -> ParallelDense:
        """``n`` freshly initialised replicas of this layer as one layer."""
        return ParallelDense(self.size_in, self.size_out, n, self.act, self.initializer)


class ParallelDense(nn.Module):
    """``n`` independent dense layers over ``[B, n, in]`` (module doc)."""

    def __init__(
        self,
        size_in: int,
        size_out: int,
        n: int,
        act: Activation,
        initializer: Initializer | None,
    ):
        super().__init__()
        self.act = act
        self._weight = nn.Parameter(torch.empty(n, size_out, size_in))
        self._bias = nn.Parameter(torch.zeros(n, size_out))
        for i in range(n):
            init_kernel(self._weight.data[i], initializer, act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.baddbmm(self._bias.unsqueeze(1), x.transpose(0, 1), self._weight.transpose(1, 2))
        return self.act(y.transpose(0, 1))
