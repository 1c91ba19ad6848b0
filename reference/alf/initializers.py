"""Weight initialisers with ALF's defaults.

ALF initialises every FC and conv kernel with *variance scaling*: a zero-mean truncated
normal whose standard deviation is ``gain / sqrt(fan_in)``, where ``gain`` includes the gain
of the layer's activation (sqrt(2) after ReLU, 5/3 after tanh, 1 for identity). The normal is
truncated at two standard deviations, which shrinks its variance by 0.87962566103423978**2,
so the pre-truncation std is divided by that constant to keep the requested variance.
Activation gains are integrated numerically, as ALF does, rather than looked up.

A parallel weight ``[n, out, in]`` is initialised replica by replica, so its fan-in is
``in`` (not ``out * in``), the same as each of the n single layers it stands for.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import torch

TRUNCATED_NORMAL_STD = 0.87962566103423978


def identity(x: torch.Tensor) -> torch.Tensor:
    """The identity activation."""
    return x


@functools.cache
def activation_gain(activation: Callable) -> float:
    """Gain that restores unit variance after ``activation`` applied to N(0, 1) inputs.

    Like ALF, the gain is computed numerically for any elementwise function:
    gain = 1 / sqrt(E[f(z)^2]) with z ~ N(0, 1), the expectation integrated on a grid
    of step 0.01 over [-5, 5). This gives ~sqrt(2) for ReLU and ~1 for identity.
    """
    z = torch.arange(-5.0, 5.0, 0.01, dtype=torch.float64)
    density = torch.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    fz = activation(z.clone())
    return float(torch.sqrt(1.0 / ((density * fz * fz).sum() * 0.01)))


def fan_in_of(weight: torch.Tensor) -> int:
    """Fan-in of one (non-parallel) FC ``[out, in]`` or conv ``[out, in, kh, kw]`` kernel."""
    if weight.dim() < 2:
        raise ValueError(f"fan-in needs a kernel of rank >= 2, got shape {list(weight.shape)}")
    return int(weight.shape[1]) * int(math.prod(weight.shape[2:]))


@torch.no_grad()
def variance_scaling_init(
    weight: torch.Tensor,
    gain: float = 1.0,
    nonlinearity: Callable = identity,
    distribution: str = "truncated_normal",
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Fill ``weight`` in place: std = gain * gain(nonlinearity) / sqrt(fan_in).

    ``distribution`` is ``truncated_normal`` (two-sigma truncation, variance corrected),
    ``uniform`` (limit sqrt(3) * std) or ``normal``.
    """
    std = gain * activation_gain(nonlinearity) / math.sqrt(max(1.0, float(fan_in_of(weight))))
    if std == 0.0:  # gain 0 (e.g. ALF's Beta projection): every distribution is the constant 0
        return weight.zero_()
    if distribution == "truncated_normal":
        std /= TRUNCATED_NORMAL_STD
        return torch.nn.init.trunc_normal_(weight, 0.0, std, -2 * std, 2 * std, generator=generator)
    if distribution == "uniform":
        limit = math.sqrt(3.0) * std
        return torch.nn.init.uniform_(weight, -limit, limit, generator=generator)
    if distribution == "normal":
        return torch.nn.init.normal_(weight, 0.0, std, generator=generator)
    raise ValueError(
        f"distribution must be 'truncated_normal', 'uniform' or 'normal', got {distribution!r}"
    )
