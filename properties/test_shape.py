"""shape: outputs and states match ``output_spec`` / ``state_spec`` (batch sizes incl. 1)."""

import torch
from hypothesis import given
from hypothesis import strategies as st

from properties.harness import build_twins, draw_case, entry_under_test, inputs_for, outer_dims
from reference.specs import assert_same_structure, flatten


@given(data=st.data())
def test_shape(entry: str, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    case = draw_case(data, e)
    ref, net = build_twins(e, cand, case)
    assert net.output_spec == ref.output_spec, "candidate output_spec differs from reference"
    for batch in sorted({1, case.batch}):
        x = inputs_for(e, net, case, torch.float32, batch=batch)
        outer = outer_dims(net.input_tensor_spec, x)
        out = e.outputs(net, x)
        assert_same_structure(net.output_spec, out, f"{entry} output")
        for spec, y in zip(flatten(net.output_spec), flatten(out)):
            assert tuple(y.shape) == (*outer, *spec.shape), (
                f"{entry}: output shape {list(y.shape)}, expected {[*outer, *spec.shape]}"
            )
            assert y.dtype == spec.dtype
        if getattr(net, "state_spec", ()) != ():
            _, state = net(x)
            assert_same_structure(net.state_spec, state, f"{entry} state")
