"""parity: candidate == reference with shared weights, float32 and float64, eval and train
mode (batch-norm statistics included)."""

import torch
from hypothesis import given
from hypothesis import strategies as st

from properties.entry import set_training, state_of
from properties.harness import (
    assert_nest_close,
    build_twins,
    draw_case,
    entry_under_test,
    inputs_for,
)


@given(data=st.data())
def test_parity(entry: str, dtype: torch.dtype, device: str, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    case = draw_case(data, e, min_batch=2)
    ref, net = build_twins(e, cand, case, dtype, device)
    x = inputs_for(e, ref, case, dtype, device)
    with torch.no_grad():
        tol = e.output_tolerance
        assert_nest_close(
            e.outputs(net, x), e.outputs(ref, x), dtype, f"{entry} eval output", scale=tol
        )
        set_training(ref, True)
        set_training(net, True)
        assert_nest_close(
            e.outputs(net, x), e.outputs(ref, x), dtype, f"{entry} train output", scale=tol
        )
    ref_state, net_state = state_of(ref), state_of(net)
    assert_nest_close(net_state, ref_state, dtype, f"{entry} state after train step")
