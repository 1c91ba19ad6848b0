"""What the performance work of issue 10 changed, pinned beside the property suite: the
sliced Jacobian chain of the optimized ReluMLP (batches above its 1 MiB slice, which the
properties' small configs never reach) equals the reference's."""

from __future__ import annotations

import torch

from benchmarks.workload import case_inputs
from properties.candidate import Impl
from properties.catalog import CATALOG


def test_sliced_jacobian_chain_equals_the_reference() -> None:
    entry = CATALOG["alf.ReluMLP"]
    case = next(c for c in entry.bench.cases if c.label == "jac 64-256-256-64 B=256")
    optimized = entry.build(Impl("optimized"), case.cfg)
    reference = entry.build(Impl("reference"), case.cfg)
    reference.load_state_dict(optimized.state_dict())
    x = case_inputs(entry, case, torch.device("cpu"))[:40]  # 40 rows: slices of 16, 16, 8
    with torch.no_grad():
        for idx in (None, [0, 5, 63]):
            got = optimized.compute_jac(x, output_partial_idx=idx)
            want = reference.compute_jac(x, output_partial_idx=idx)
            torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
