"""shape: outputs and states match ``output_spec`` / ``state_spec`` (batch sizes incl. 1); a
distribution's batch_shape, event_shape and samples match its ``DistributionSpec``."""

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
    out_spec, in_spec = e.output_spec(net, case.cfg), e.input_spec(net, case.cfg)
    assert out_spec == e.output_spec(ref, case.cfg), "candidate output_spec differs from reference"
    assert in_spec == e.input_spec(ref, case.cfg), "candidate input spec differs from reference"
    for batch in sorted({1, case.batch}):
        x = inputs_for(e, net, case, torch.float32, batch=batch)
        if e.dist is not None:
            e.dist.check_shape(e.dist.dist(net, x), out_spec, batch, entry)
            continue
        outer = outer_dims(in_spec, x)
        out = e.outputs(net, x)
        assert_same_structure(out_spec, out, f"{entry} output")
        for spec, y in zip(flatten(out_spec), flatten(out)):
            assert tuple(y.shape) == (*outer, *spec.shape), (
                f"{entry}: output shape {list(y.shape)}, expected {[*outer, *spec.shape]}"
            )
            assert y.dtype == spec.dtype
        if getattr(net, "state_spec", ()) != ():
            _, state = net(x)
            assert_same_structure(net.state_spec, state, f"{entry} state")
