"""script: ``script()`` returns a TorchScript module (``torch.jit.ScriptModule``) whose outputs,
stepped through an episode after ``reset()``, equal the eager policy's unbatched steps from
``init_hidden()``; a second episode after ``reset()`` gives the same outputs again."""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st

from properties.compare import assert_expected, expect
from properties.harness import Subject, spec_property
from reference.specs import sample_nest


@spec_property
def test_script(subject: Subject, data) -> None:
    case = subject.draw(data)
    kind: Any = subject.kind  # the Pyrado policy kind (scripted_steps / eager_steps)
    cfg = case.cfg
    net = subject.build(subject.candidate, cfg, seed=case.seed, perturbed=True)
    steps = data.draw(st.integers(1, 5), label="steps")
    g = torch.Generator().manual_seed(case.seed)
    xs = sample_nest(kind.input_spec(cfg), (steps,), g, torch.float32)

    def eager(net, xs):
        with torch.no_grad():
            return kind.eager_steps(net, xs)

    with torch.no_grad():
        scripted = kind.scripted_steps(net, xs)
    assert_expected(scripted, expect(eager, (net, xs), torch.float32), f"{subject.name} script()")
