"""device: CPU == CUDA for the same weights and inputs (skipped without CUDA)."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from properties.entry import moved
from properties.harness import assert_nest_close, build, draw_case, entry_under_test, inputs_for
from reference.specs import map_structure

# Different devices accumulate sums in different orders: 10x the parity tolerance.
DEVICE_TOLERANCE_SCALE = 10.0


@given(data=st.data())
def test_device(entry: str, dtype: torch.dtype, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    if not torch.cuda.is_available():
        pytest.skip("CUDA is not available")
    case = draw_case(data, e)
    net = build(e, cand, case.cfg, dtype, seed=case.seed)
    x = inputs_for(e, net, case, dtype)
    with torch.no_grad():
        cpu = e.outputs(net, x)
        gpu = e.outputs(moved(net, "cuda"), map_structure(lambda t: t.to("cuda"), x))
    assert_nest_close(
        map_structure(lambda t: t.cpu(), gpu),
        cpu,
        dtype,
        f"{entry} cuda vs cpu",
        scale=DEVICE_TOLERANCE_SCALE * e.output_tolerance,
    )
