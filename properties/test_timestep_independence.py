"""timestep_independence: in eval mode the output at step t does not change when the inputs
at every other step change (the spec's TstepEncoder contract: every timestep is encoded on
its own), in the reference and in the candidate, within the condition-aware tolerance of the
unchanged input's evaluation."""

from __future__ import annotations

import torch
from hypothesis import strategies as st

from properties.compare import assert_expected, expect
from properties.harness import Subject, spec_property


@spec_property
def test_timestep_independence(subject: Subject, dtype: torch.dtype, data) -> None:
    case = subject.draw(data)
    kind = subject.kind
    t = data.draw(st.integers(0, kind.length(case.cfg) - 1), label="t")

    def at_t(net, x):
        with torch.no_grad():
            return kind.at_step(subject.observe(net, x, case), t)

    for impl in (subject.reference, subject.candidate):
        net = subject.build(impl, case.cfg, dtype, seed=case.seed, perturbed=True)
        x = subject.inputs(case, dtype)
        changed = kind.keep_step(x, subject.inputs(case, dtype, seed_offset=1), t)
        what = f"{impl}: step {t} with the other steps changed"
        assert_expected(at_t(net, changed), expect(at_t, (net, x), dtype), what)
