"""LSTMCell's fused unroll skips the shared sequence checks (``check_sequence``): a bad
``first_step`` or state reaches torch's kernels, which fail deep inside or compute with it."""

from typing import Any

import torch

from optimized.alf import recurrent
from tests.broken import candidate


class LSTMCell(recurrent.LSTMCell):
    def unroll(self, inputs: torch.Tensor, state: Any, first_step: torch.Tensor) -> Any:
        ys, (h, c) = recurrent.fused_unroll(
            torch.lstm, self._cell, inputs, list(state), first_step, self.training
        )
        return ys, (h, c)


alf = candidate(LSTMCell=LSTMCell)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.LSTMCell", "bad_input")]
