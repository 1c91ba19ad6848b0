"""``optimized.alf.ParallelFC`` has two forward paths: ``x W^T`` and, for a layer of fewer
than ``_NARROW`` outputs whose input needs no gradient, ``(W x^T)^T`` (its kernel gradient
comes out in the kernel's layout). Both are held equal to the reference's loop over replicas
here, outputs and every gradient in float64, with an elementwise activation and with one
that is not (softmaxes over dims 1 and -1), which sees the reference's ``[B, n, out]``
result on either path and after batch norm, not the replica-major product."""

from __future__ import annotations

import pytest
import torch

import optimized.alf.layers as opt
import reference.alf.layers as ref
from properties.strategies import mixing_activation
from tests.weighted_step import assert_layers_equal

CONFIGS = [
    # (in, out, n, use_bias, use_bn, shared input, batch)
    (5, 3, 4, True, False, False, 6),
    (4, 1, 3, False, False, True, 5),
    (3, 40, 2, True, False, False, 4),  # wide: the plain path whatever the input
    (6, 2, 3, True, False, False, 0),
    (4, 3, 3, True, True, False, 5),  # batch norm over [B, n*out]
]


@pytest.mark.parametrize("activation", [torch.tanh, mixing_activation], ids=["tanh", "mixing"])
@pytest.mark.parametrize("input_grad", [False, True], ids=["fixed_input", "input_grad"])
@pytest.mark.parametrize("config", CONFIGS)
def test_both_paths_equal_the_loop_over_replicas(
    config: tuple, input_grad: bool, activation: object
) -> None:
    cin, cout, n, bias, bn, shared, batch = config
    kwargs = dict(activation=activation, use_bias=bias, use_bn=bn)
    torch.manual_seed(0)
    assert_layers_equal(
        ref.ParallelFC(cin, cout, n, **kwargs),
        opt.ParallelFC(cin, cout, n, **kwargs),
        (batch, cin) if shared else (batch, n, cin),
        input_grad,
    )
