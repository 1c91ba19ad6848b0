"""LSTMCell keeps its state as (c, h) instead of ALF's (h, c)."""

from typing import Any

import torch

from optimized.alf import recurrent
from tests.broken import candidate


class LSTMCell(recurrent.LSTMCell):
    def forward(self, input: torch.Tensor, state: Any) -> Any:
        c, h = state
        h, c = self._cell(input, (h, c))
        return h, (c, h)

    def unroll(self, inputs: torch.Tensor, state: Any, first_step: torch.Tensor) -> Any:
        c, h = state
        ys, (h, c) = super().unroll(inputs, (h, c), first_step)
        return ys, (c, h)


alf = candidate(LSTMCell=LSTMCell)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.LSTMCell", "parity"), ("alf.LSTMCell", "recurrent_steps")]
