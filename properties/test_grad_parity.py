"""grad_parity: gradients w.r.t. floating inputs and every parameter match the reference."""

import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from properties.entry import parameters_of
from properties.harness import (
    assert_nest_close,
    build_twins,
    draw_case,
    entry_under_test,
    float_leaves,
    inputs_for,
)
from reference.specs import flatten, map_structure


def _grads(entry, net, x, cotangent_seed: int):
    x = map_structure(lambda t: t.clone().requires_grad_(t.dtype.is_floating_point), x)
    out = flatten(entry.outputs(net, x))
    g = torch.Generator().manual_seed(cotangent_seed)
    loss = sum(
        (y * torch.randn(y.shape, generator=g, dtype=y.dtype).to(y.device)).sum()
        for y in out
        if y.dtype.is_floating_point
    )
    named = parameters_of(net)
    inputs = float_leaves(x)
    params = [p for _, p in named]
    assume(inputs or params)
    grads = torch.autograd.grad(loss, inputs + params, allow_unused=True)
    grads = [torch.zeros_like(t) if gr is None else gr for t, gr in zip(inputs + params, grads)]
    names = [n for n, _ in named]
    return grads[: len(inputs)], dict(zip(names, grads[len(inputs) :]))


@given(data=st.data())
def test_grad_parity(entry: str, dtype: torch.dtype, device: str, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    case = draw_case(data, e)
    ref, net = build_twins(e, cand, case, dtype, device)
    x = inputs_for(e, ref, case, dtype, device)
    ref_in, ref_params = _grads(e, ref, x, case.seed)
    net_in, net_params = _grads(e, net, x, case.seed)
    assert_nest_close(net_in, ref_in, dtype, f"{entry} input gradients", scale=10)
    assert sorted(net_params) == sorted(ref_params), "parameter names differ"
    assert_nest_close(net_params, ref_params, dtype, f"{entry} parameter gradients", scale=10)
