"""oracle: a function agrees, in float64 and within the parity contract's float64 tolerance,
with its kind's independent numpy statement of upstream's code, and with the worked cases
the kind holds (Pyrado's own packing tests)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from properties.compare import TOLERANCES
from properties.harness import Subject, spec_property


@spec_property
def test_oracle(subject: Subject, data) -> None:
    case = subject.draw(data)
    kind: Any = subject.kind
    if kind.oracle is None:
        raise AssertionError(f"{subject.name}: oracle applies but the kind has no formula")
    net = subject.build(subject.candidate, case.cfg, torch.float64, seed=case.seed)
    x = subject.inputs(case, torch.float64)
    with torch.no_grad():
        got = net(x).numpy()
    want = kind.oracle(case.cfg, x.numpy())
    rtol, atol = TOLERANCES[torch.float64]
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=subject.name)
    for check in kind.worked:
        check(subject.candidate)
