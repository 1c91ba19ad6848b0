"""``optimized.alf.activations.is_elementwise`` decides where the fused layers may apply an
activation to their own layout: everything it accepts must act element by element (the
same numbers, to a few ulps, whatever the tensor's shape and order), and a callable it does
not know must be refused."""

from __future__ import annotations

import functools

import pytest
import torch
import torch.nn.functional as F

from optimized.alf.activations import (
    ELEMENTWISE_FUNCTIONS,
    ELEMENTWISE_MODULES,
    is_elementwise,
)
from properties.strategies import mixing_activation

ACCEPTED = [
    *sorted(ELEMENTWISE_FUNCTIONS, key=lambda f: f"{f.__module__}.{f.__name__}"),
    *(module() for module in ELEMENTWISE_MODULES),
    functools.partial(F.leaky_relu, negative_slope=0.3),
    functools.partial(F.softplus, beta=2.0),
]


def _name(activation: object) -> str:
    return getattr(activation, "__name__", type(activation).__name__)


@pytest.mark.parametrize("activation", ACCEPTED, ids=_name)
def test_accepted_activations_act_element_by_element(activation) -> None:
    assert is_elementwise(activation)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 4, 5, generator=g, dtype=torch.float64)
    perm = torch.randperm(x.numel(), generator=g)
    whole = activation(x.clone())
    shuffled_flat = activation(x.clone().reshape(-1)[perm])
    # a few ulps apart at most (vectorized and scalar tails of one kernel); a function that
    # mixes elements would be off by the size of its values
    torch.testing.assert_close(shuffled_flat, whole.reshape(-1)[perm], rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize(
    "activation",
    [
        mixing_activation,
        functools.partial(torch.softmax, dim=-1),
        functools.partial(F.normalize, dim=1),
        lambda x: torch.relu(x),  # elementwise, but nothing says so: refused, computed safely
        functools.partial(F.leaky_relu, torch.tensor(0.0)),  # a positional argument
    ],
    ids=["mixing", "softmax", "normalize", "lambda", "positional_partial"],
)
def test_other_callables_are_refused(activation) -> None:
    assert not is_elementwise(activation)
