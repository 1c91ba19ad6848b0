"""GRUCell broadcasts a state of batch 1 over the input's B rows, in its step and its
unroll, instead of rejecting it: every row silently starts from row 0's state."""

from typing import Any

import torch

from optimized.alf import recurrent
from tests.broken import candidate


def _broadcast(state: torch.Tensor, batch: int) -> torch.Tensor:
    return state.expand(batch, *state.shape[1:]) if state.shape[0] == 1 else state


class GRUCell(recurrent.GRUCell):
    def forward(self, input: torch.Tensor, state: torch.Tensor) -> Any:
        return super().forward(input, _broadcast(state, input.shape[0]))

    def unroll(self, inputs: torch.Tensor, state: torch.Tensor, first_step: torch.Tensor) -> Any:
        return super().unroll(inputs, _broadcast(state, first_step.shape[1]), first_step)


alf = candidate(GRUCell=GRUCell)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.GRUCell", "bad_input")]
