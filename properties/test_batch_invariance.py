"""batch_invariance: row i of the output depends on row i of the input only (eval mode),
so evaluating two halves of a batch gives the rows of evaluating the whole."""

import torch
from hypothesis import given
from hypothesis import strategies as st

from properties.harness import (
    assert_nest_close,
    build,
    draw_case,
    entry_under_test,
    inputs_for,
)
from reference.specs import map_structure


@given(data=st.data())
def test_batch_invariance(entry: str, dtype: torch.dtype, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    case = draw_case(data, e, min_batch=2)
    net = build(e, cand, case.cfg, dtype, seed=case.seed)
    x = inputs_for(e, net, case, dtype)
    k = data.draw(st.integers(1, case.batch - 1), label="split")
    with torch.no_grad():
        whole = e.outputs(net, x)
        head = e.outputs(net, map_structure(lambda t: t[:k], x))
        tail = e.outputs(net, map_structure(lambda t: t[k:], x))
    joined = map_structure(lambda a, b: torch.cat([a, b]), head, tail)
    assert_nest_close(joined, whole, dtype, f"{entry} split batch vs whole batch", scale=10)
