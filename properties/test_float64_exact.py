"""float64_exact (hardening): ``parity`` and ``grad_parity`` in float64, held to the float64
contract (rtol 1e-9, atol 1e-10) rather than the float32 one that every conformance
comparison in float64 uses (``properties.compare``). A float32 constant or intermediate
inside a float64 run (a bound kept as a float32 tensor, a float32 noise transform) fails
here and nowhere else: the candidate computes the spec's function, to float32's
precision only."""

from __future__ import annotations

import torch

import properties.test_grad_parity as grad_parity
import properties.test_parity as parity
from properties.compare import exact_float64
from properties.harness import Subject, spec_property


@spec_property
def test_float64_exact(subject: Subject, device: str, data) -> None:
    """Module doc."""
    with exact_float64():
        parity.test_parity.check(subject, torch.float64, device, data)
        grad_parity.test_grad_parity.check(subject, torch.float64, device, data)
