"""dist_logprob: log_prob at points of the support and entropy (where the family has one in
closed form) agree, in float64, with an independent formula: the entry's scipy.stats model
of the reference distribution (with the change of variables for squashed forms)."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

from properties.distributions import probe_points, to_numpy
from properties.harness import build_twins, draw_case, entry_under_test, inputs_for

RTOL, ATOL = 1e-7, 1e-8


@given(data=st.data())
def test_dist_logprob(entry: str, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    assert e.dist is not None
    case = draw_case(data, e)
    ref, net = build_twins(e, cand, case, torch.float64)
    x = inputs_for(e, ref, case, torch.float64)
    with torch.no_grad():
        ref_dist = e.dist.dist(ref, x)
        model = e.dist.model(ref_dist, ref)
        points = probe_points(ref_dist, e.dist.support(ref))
        want = model.log_prob(to_numpy(points))
        for name, d in (("reference", ref_dist), ("candidate", e.dist.dist(net, x))):
            got = to_numpy(d.log_prob(points))
            np.testing.assert_allclose(
                got, want, rtol=RTOL, atol=ATOL, err_msg=f"{entry} {name} log_prob vs scipy"
            )
            if model.entropy is not None:
                np.testing.assert_allclose(
                    to_numpy(d.entropy()),
                    model.entropy,
                    rtol=RTOL,
                    atol=ATOL,
                    err_msg=f"{entry} {name} entropy vs scipy",
                )
