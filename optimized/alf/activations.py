"""Which activation callables are elementwise.

The spec takes any callable as an activation and applies it to the layer's output as the
reference lays it out (``[B, out]``, ``[B, n, out]``, ``[B, n, C, H, W]``...). The fused
forms here apply an elementwise one to whatever layout their products leave (replicas,
groups or heads side by side, replica-major), often in place; any other callable (a
softmax, a normalisation) is applied to the reference's layout instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from reference.alf.initializers import identity

ELEMENTWISE_FUNCTIONS = frozenset(
    {
        identity,
        torch.relu,
        torch.relu_,
        torch.tanh,
        torch.tanh_,
        torch.sigmoid,
        torch.sigmoid_,
        torch.exp,
        F.relu,
        F.relu_,
        F.relu6,
        F.elu,
        F.elu_,
        F.selu,
        F.celu,
        F.leaky_relu,
        F.leaky_relu_,
        F.gelu,
        F.silu,
        F.mish,
        F.softplus,
        F.softsign,
        F.hardtanh,
        F.hardswish,
        F.hardsigmoid,
        F.logsigmoid,
        F.tanh,
        F.sigmoid,
    }
)

ELEMENTWISE_MODULES = (
    nn.Identity,
    nn.ReLU,
    nn.ReLU6,
    nn.ELU,
    nn.SELU,
    nn.CELU,
    nn.LeakyReLU,
    nn.GELU,
    nn.SiLU,
    nn.Mish,
    nn.Softplus,
    nn.Softsign,
    nn.Hardtanh,
    nn.Hardswish,
    nn.Hardsigmoid,
    nn.LogSigmoid,
    nn.Tanh,
    nn.Sigmoid,
)


def is_elementwise(activation: Callable) -> bool:
    """True for the known elementwise functions and modules, and for a ``partial`` of one
    that binds keywords only (a slope, ``inplace``); False for every other callable."""
    try:
        if activation in ELEMENTWISE_FUNCTIONS:  # first: the common case, one hash lookup
            return True
    except TypeError:  # an unhashable callable
        return False
    if isinstance(activation, functools.partial):
        return not activation.args and is_elementwise(activation.func)
    return isinstance(activation, ELEMENTWISE_MODULES)
