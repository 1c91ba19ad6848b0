"""parallel: the candidate's parallel form == n independent reference replicas run one by
one, on ``[B, n, ...]`` inputs and on a shared ``[B, ...]`` input; its weights map onto the
replicas' both ways (``stack_replica_states`` / ``replica_state``)."""

import torch
from hypothesis import given
from hypothesis import strategies as st

from properties.harness import assert_nest_close, build, draw_case, entry_under_test
from properties.impl import REFERENCE
from reference.alf.replicas import replica_state, stack_replica_states
from reference.specs import map_structure, sample_nest


@given(data=st.data())
def test_parallel(entry: str, dtype: torch.dtype, device: str, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    case = draw_case(data, e)
    n = case.cfg["n"]
    singles = [
        build(e, REFERENCE, case.cfg, dtype, device, case.seed + i, e.replica, perturbed=True)
        for i in range(n)
    ]
    par = build(e, cand, case.cfg, dtype, device, case.seed + n, e.parallel)
    par.load_state_dict(stack_replica_states(par.state_dict(), [s.state_dict() for s in singles]))
    for i, single in enumerate(singles):
        back = replica_state(par.state_dict(), single.state_dict(), i, n)
        assert_nest_close(back, dict(single.state_dict()), dtype, f"replica {i} weights")

    spec = singles[0].input_tensor_spec
    g = torch.Generator().manual_seed(case.seed)
    x = map_structure(lambda t: t.to(device), sample_nest(spec, (case.batch, n), g, dtype))
    shared = map_structure(lambda t: t[:, 0], x)
    with torch.no_grad():
        out = e.outputs(par, x)
        out_shared = e.outputs(par, shared)
        for i, single in enumerate(singles):
            want = e.outputs(single, map_structure(lambda t, i=i: t[:, i], x))
            got = map_structure(lambda t, i=i: t[:, i], out)
            assert_nest_close(got, want, dtype, f"{entry} replica {i} of {n}", scale=10)
            want = e.outputs(single, shared)
            got = map_structure(lambda t, i=i: t[:, i], out_shared)
            assert_nest_close(
                got, want, dtype, f"{entry} replica {i} of {n}, shared input", scale=10
            )
