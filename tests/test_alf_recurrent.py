"""The sequence API of the recurrent cells: the fused unroll equals the step loop (values
and gradients) at lengths and reset patterns beyond the property's small cases, and rejects
malformed arguments with the contract's errors."""

from __future__ import annotations

import pytest
import torch

import optimized.alf
import reference.alf
from reference.alf.unroll import step_unroll
from reference.specs import TensorSpec


def _state(net, batch: int):
    spec = net.state_spec
    if isinstance(spec, tuple):
        return tuple(torch.randn(batch, *s.shape, dtype=torch.float64) for s in spec)
    return torch.randn(batch, *spec.shape, dtype=torch.float64)


@pytest.mark.parametrize("name", ["GRUCell", "LSTMCell"])
@pytest.mark.parametrize("rate", [0.0, 0.1, 0.5])
def test_fused_unroll_equals_the_step_loop(name: str, rate: float) -> None:
    g = torch.Generator().manual_seed(3)
    net = getattr(optimized.alf, name)(5, 7).double()
    xs = torch.randn(40, 6, 5, generator=g, dtype=torch.float64, requires_grad=True)
    first = torch.rand(40, 6, generator=g) < rate
    state = _state(net, 6)
    ys, final = net.unroll(xs, state, first)
    want, want_final = step_unroll(net, xs, state, first)
    torch.testing.assert_close(ys, want)
    torch.testing.assert_close(final, want_final)
    (grad,) = torch.autograd.grad(ys.square().sum(), xs)
    (want_grad,) = torch.autograd.grad(want.square().sum(), xs)
    torch.testing.assert_close(grad, want_grad)


@pytest.mark.parametrize("alf", [reference.alf, optimized.alf], ids=["reference", "optimized"])
def test_unroll_rejects_malformed_arguments(alf) -> None:
    net = alf.LSTMCell(3, 2)
    state = (torch.zeros(4, 2), torch.zeros(4, 2))
    xs = torch.randn(5, 4, 3)
    with pytest.raises(TypeError, match="expected a bool tensor"):
        net.unroll(xs, state, torch.zeros(5, 4))
    with pytest.raises(ValueError, match="expected"):
        net.unroll(xs, state, torch.zeros(6, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="expected"):
        net.unroll(torch.randn(5, 4, 2), state, torch.zeros(5, 4, dtype=torch.bool))


@pytest.mark.parametrize("alf", [reference.alf, optimized.alf], ids=["reference", "optimized"])
def test_lstm_encoding_network_layout(alf) -> None:
    """Upstream's layout: pre-encoder, cells, post-encoder as ``_nets.<i>``; a block of
    cells under ``lstm_block`` when more than the last layer is output."""
    net = alf.LSTMEncodingNetwork(
        TensorSpec((4,)), pre_fc_layer_params=(6,), hidden_size=(5, 3), post_fc_layer_params=(2,)
    )
    keys = list(net.state_dict())
    assert keys[0] == "_nets.0._nets.0._weight"
    assert "_nets.1._cell.weight_ih" in keys and "_nets.2._cell.weight_hh" in keys
    assert keys[-1] == "_nets.3._nets.0._bias"
    block = alf.LSTMEncodingNetwork(TensorSpec((4,)), hidden_size=(5, 3), lstm_output_layers=None)
    assert "_nets.0._nets.1._cell.bias_hh" in block.state_dict()
    assert block.output_spec.shape == (8,)


@pytest.mark.parametrize("name", ["GRUCell", "LSTMCell"])
def test_parallel_cell_gpu_path_equals_its_cpu_path(name: str) -> None:
    """The batched-GEMM path of a parallel cell (taken on a GPU) equals the per-replica path
    taken on the CPU, step and unroll, run here on the CPU so it is checked without one."""
    torch.manual_seed(0)
    net = getattr(optimized.alf, name)(3, 5).make_parallel(4).double()
    steps, batch = 6, 2
    xs = torch.randn(steps, batch, 4, 3, dtype=torch.float64)
    h = torch.randn(batch, 4, 5, dtype=torch.float64)
    state = (h, torch.randn_like(h)) if name == "LSTMCell" else h
    first = torch.rand(steps, batch) < 0.3
    for a, b in zip(net.step_batched(xs[0], state), net.step_per_replica(xs[0], state)):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    got = net.unroll_batched(xs, state, first)
    want = net.unroll_per_replica(xs, state, first)
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
