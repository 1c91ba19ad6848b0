"""NoisyFC's ``unroll`` ignores episode starts: a row keeps its noise across a reset instead
of drawing new noise (the rows after it are left out of ``recurrent_steps``' element-wise
comparison, since a correct reset draws at random)."""

from typing import Any

import torch

from optimized.alf import stateful
from tests.broken import candidate


class NoisyFC(stateful.NoisyFC):
    def unroll(self, inputs: torch.Tensor, state: Any, first_step: torch.Tensor) -> Any:
        return super().unroll(inputs, state, torch.zeros_like(first_step))


alf = candidate(NoisyFC=NoisyFC)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.NoisyFC", "reset_redraw")]
