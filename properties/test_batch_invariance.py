"""batch_invariance: row i of the result depends on row i of the input only (eval mode):
evaluating two parts of a batch gives the rows of evaluating the whole, within the
condition-aware tolerance of the whole batch's evaluation."""

import torch
from hypothesis import strategies as st

from properties.compare import assert_expected, expect
from properties.harness import Subject, spec_property
from properties.kinds.base import batch_rows, concat_rows


@spec_property
def test_batch_invariance(subject: Subject, dtype: torch.dtype, data) -> None:
    case = subject.draw(data, min_batch=2)
    net = subject.build(subject.candidate, case.cfg, dtype, seed=case.seed, perturbed=True)
    x = subject.inputs(case, dtype)
    k = data.draw(st.integers(1, case.batch - 1), label="split")

    def observed(net, x):
        with torch.no_grad():
            return subject.observe(net, x, case)

    expected = expect(observed, (net, x), dtype)
    parts = concat_rows(
        observed(net, batch_rows(x, slice(0, k))), observed(net, batch_rows(x, slice(k, None)))
    )
    assert_expected(parts, expected, f"{subject.name} rows [:{k}] and [{k}:] vs the whole batch")
