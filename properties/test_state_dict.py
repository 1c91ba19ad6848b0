"""state_dict: same keys and shapes; weights move reference -> candidate -> reference and
through torch.save, with identical outputs after every move."""

import io

import torch
from hypothesis import given
from hypothesis import strategies as st

from properties.entry import load_state, state_of
from properties.harness import (
    assert_nest_close,
    build,
    draw_case,
    entry_under_test,
    inputs_for,
)
from properties.impl import REFERENCE


@given(data=st.data())
def test_state_dict(entry: str, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    case = draw_case(data, e)
    ref = build(e, REFERENCE, case.cfg, seed=case.seed, perturbed=True)
    net = build(e, cand, case.cfg, seed=case.seed + 1)
    ref_sd, net_sd = state_of(ref), state_of(net)
    assert list(net_sd) == list(ref_sd), "state_dict keys (or their order) differ"
    for k in ref_sd:
        assert net_sd[k].shape == ref_sd[k].shape, f"{k}: {net_sd[k].shape} vs {ref_sd[k].shape}"

    x = inputs_for(e, ref, case, torch.float32)

    def same_outputs(a: object, b: object, what: str) -> None:
        with torch.no_grad():
            got, want = e.outputs(a, x), e.outputs(b, x)
        assert_nest_close(got, want, torch.float32, what, scale=e.output_tolerance)

    load_state(net, ref_sd)
    same_outputs(net, ref, "ref -> cand")
    other = build(e, cand, case.cfg, seed=case.seed + 2, perturbed=True)
    load_state(ref, state_of(other))
    buf = io.BytesIO()
    torch.save(state_of(other), buf)
    buf.seek(0)
    load_state(net, torch.load(buf))
    same_outputs(ref, other, "cand -> ref")
    same_outputs(net, other, "torch.save")
