"""``pd_linear`` as its upstream docstring writes it, ``tau dp/dt = s - p``, instead of what
upstream's code computes, ``(s + h - p) / tau``."""

import torch

from tests.broken._pyrado import pyrado_candidate


def pd_linear(p, s, h, tau, **kwargs):
    if not bool(torch.all(tau > 0)):
        raise ValueError(f"tau: expected every value > 0, got {tau}")
    return (s - p) / tau


pyrado = pyrado_candidate(pd_linear=pd_linear)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("pyrado.pd_linear", "parity"),
    ("pyrado.pd_linear", "grad_parity"),
    ("pyrado.pd_linear", "oracle"),
]
