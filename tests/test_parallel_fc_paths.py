"""``optimized.alf.ParallelFC`` has two forward paths: ``x W^T`` and, for a layer of fewer
than ``_NARROW`` outputs whose input needs no gradient, ``(W x^T)^T`` (its kernel gradient
comes out in the kernel's layout). Both are held equal to the reference's loop over replicas
here, outputs and every gradient in float64, with an elementwise activation and with one
that works along the outputs (a softmax), which sees the ``[B, n, out]`` result on either
path."""

from __future__ import annotations

import functools

import pytest
import torch

import optimized.alf.layers as opt
import reference.alf.layers as ref
from tests.weighted_step import weighted_step

SOFTMAX = functools.partial(torch.softmax, dim=-1)

CONFIGS = [
    # (in, out, n, use_bias, shared input, batch)
    (5, 3, 4, True, False, 6),
    (4, 1, 3, False, True, 5),
    (3, 40, 2, True, False, 4),  # wide: the plain path whatever the input
    (6, 2, 3, True, False, 0),
]


@pytest.mark.parametrize("activation", [torch.tanh, SOFTMAX], ids=["tanh", "softmax"])
@pytest.mark.parametrize("input_grad", [False, True], ids=["fixed_input", "input_grad"])
@pytest.mark.parametrize("config", CONFIGS)
def test_both_paths_equal_the_loop_over_replicas(
    config: tuple, input_grad: bool, activation: object
) -> None:
    cin, cout, n, bias, shared, batch = config
    torch.manual_seed(0)
    reference = ref.ParallelFC(cin, cout, n, activation=activation, use_bias=bias).double()
    candidate = opt.ParallelFC(cin, cout, n, activation=activation, use_bias=bias).double()
    candidate.load_state_dict(reference.state_dict())
    g = torch.Generator().manual_seed(1)
    shape = (batch, cin) if shared else (batch, n, cin)
    x = torch.randn(shape, generator=g, dtype=torch.float64)
    (want_y, want), (got_y, got) = (
        weighted_step(net, x, 2, input_grad) for net in (reference, candidate)
    )
    torch.testing.assert_close(got_y, want_y, rtol=1e-9, atol=1e-10)
    for got_g, want_g in zip(got, want):
        torch.testing.assert_close(got_g, want_g, rtol=1e-9, atol=1e-10)
