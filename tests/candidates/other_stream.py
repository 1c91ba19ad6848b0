"""A candidate whose NoisyFC draws its noise from another stream than the reference's: the
resampling draws first, then the output side's noise, then the input side's, each in the
layer's own dtype (the reference draws ``z_in``, ``z_out``, ``u`` in float32). The law is
the same, so every cell passes: twinnet compares randomness by law, never by stream
(contract item 5)."""

from typing import Any

import torch

from optimized.alf import stateful
from tests.broken import candidate


def _factorised(shape: tuple[int, ...], like: torch.Tensor) -> torch.Tensor:
    z = torch.randn(shape, dtype=like.dtype, device=like.device)
    return z.sign() * z.abs().sqrt()


class NoisyFC(stateful.NoisyFC):
    def new_noise(self, x: torch.Tensor, state: Any) -> tuple[torch.Tensor, torch.Tensor]:
        eps_in, eps_out = state
        batch = x.shape[0]
        u = torch.rand(batch, dtype=x.dtype, device=x.device)
        fresh_out = _factorised((batch, eps_out.shape[1]), x)
        fresh_in = _factorised((batch, eps_in.shape[1]), x)
        zero = (eps_in == 0).all(dim=1) & (eps_out == 0).all(dim=1)
        resample = ((u < self._new_noise_prob) | zero).unsqueeze(1)
        return torch.where(resample, fresh_in, eps_in), torch.where(resample, fresh_out, eps_out)


alf = candidate(NoisyFC=NoisyFC)
