"""LSTMCell's fused unroll ignores episode starts: a row's state is never reset."""

from typing import Any

import torch

from optimized.alf import recurrent
from tests.broken import candidate


class LSTMCell(recurrent.LSTMCell):
    def unroll(self, inputs: torch.Tensor, state: Any, first_step: torch.Tensor) -> Any:
        never = torch.zeros_like(first_step)
        return super().unroll(inputs, state, never)


alf = candidate(LSTMCell=LSTMCell)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.LSTMCell", "recurrent_steps")]
