"""parity: candidate == reference with shared weights, float32 and float64, eval and train
mode (batch-norm statistics included)."""

import torch
from hypothesis import given
from hypothesis import strategies as st

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
        assert_nest_close(e.outputs(net, x), e.outputs(ref, x), dtype, f"{entry} eval output")
        ref.train()
        net.train()
        assert_nest_close(e.outputs(net, x), e.outputs(ref, x), dtype, f"{entry} train output")
    ref_state, net_state = ref.state_dict(), net.state_dict()
    assert_nest_close(dict(net_state), dict(ref_state), dtype, f"{entry} state after train step")
