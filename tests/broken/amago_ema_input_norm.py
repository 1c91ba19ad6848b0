"""AMAGO's FFTstepEncoder: the input normaliser keeps an exponential moving average
(beta = 0.1) instead of the statistics of all data seen."""

import functools

import torch

from optimized.amago import tstep_encoders
from reference.amago.utils import InputNorm
from tests.broken import amago_candidate


class _EmaNorm(InputNorm):
    @torch.no_grad()
    def fold_in(self, seen: torch.Tensor) -> None:
        self.mu.lerp_(seen.mean(0), 0.1)
        self.nu.lerp_((seen**2).mean(0), 0.1)
        self._t += seen.shape[0]


class FFTstepEncoder(tstep_encoders.FFTstepEncoder):
    @functools.wraps(tstep_encoders.FFTstepEncoder.__init__)  # the spec's signature
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.in_norm = _EmaNorm(self.in_norm.mu.shape[0], skip=self.in_norm.skip)


amago = amago_candidate(FFTstepEncoder=FFTstepEncoder)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("amago.FFTstepEncoder", "input_norm"),
    ("amago.FFTstepEncoder", "parity"),
]
