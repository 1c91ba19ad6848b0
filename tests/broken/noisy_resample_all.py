"""NoisyFC draws new noise for every row at every training step."""

from typing import Any

import torch

from optimized.alf import stateful
from tests.broken import candidate


class NoisyFC(stateful.NoisyFC):
    def new_noise(self, x: torch.Tensor, state: Any) -> Any:
        return super().new_noise(x, (torch.zeros_like(state[0]), torch.zeros_like(state[1])))


alf = candidate(NoisyFC=NoisyFC)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.NoisyFC", "noise_resampling"), ("alf.NoisyFC", "recurrent_steps")]
