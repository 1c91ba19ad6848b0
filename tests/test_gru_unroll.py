"""The hand-written backward of the optimized GRU unroll against autograd's numerical
gradients, for every argument, with and without resets (at step 0 and later), in one
chunk of steps and in chunks of one step."""

from __future__ import annotations

import pytest
import torch

from optimized.alf import gru_unroll


@pytest.mark.parametrize("cached", [gru_unroll._CACHED, 1])
@pytest.mark.parametrize("rate", [0.0, 0.3])
def test_gru_unroll_gradients(rate: float, cached: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gru_unroll, "_CACHED", cached)
    g = torch.Generator().manual_seed(5)
    first = torch.rand(6, 5, generator=g) < rate
    first[0, 0] = rate > 0
    reset = first.unsqueeze(2) if rate else None
    shapes = [(6, 5, 3), (5, 4), (12, 3), (12, 4), (12,), (12,)]  # xs, h0, W_ih, W_hh, b_ih, b_hh
    args = [torch.randn(s, generator=g, dtype=torch.float64, requires_grad=True) for s in shapes]

    def unroll(xs, h0, w_ih, w_hh, b_ih, b_hh):
        return gru_unroll._GruUnroll.apply(xs, h0, reset, w_ih, w_hh, b_ih, b_hh)

    assert torch.autograd.gradcheck(unroll, args)


def test_gru_unroll_of_an_empty_batch() -> None:
    cell = torch.nn.GRUCell(3, 4)
    xs = torch.randn(3, 0, 3, requires_grad=True)
    ys = gru_unroll.gru_unroll(cell, xs, torch.zeros(0, 4), torch.zeros(3, 0, dtype=torch.bool))
    assert ys.shape == (3, 0, 4)
    grads = torch.autograd.grad(ys.sum(), [xs, *cell.parameters()])
    assert [g.shape for g in grads] == [xs.shape, *(p.shape for p in cell.parameters())]
