"""GRUCell's unroll cuts backpropagation through time: every step starts from a detached
state. Its values are right; only the gradients of the unroll show the defect."""

from typing import Any

import torch

from optimized.alf import recurrent
from tests.broken import candidate


class GRUCell(recurrent.GRUCell):
    def unroll(self, inputs: torch.Tensor, state: Any, first_step: torch.Tensor) -> Any:
        outputs = []
        for t in range(inputs.shape[0]):
            y, state = super().unroll(inputs[t : t + 1], state.detach(), first_step[t : t + 1])
            outputs.append(y)
        return torch.cat(outputs), state


alf = candidate(GRUCell=GRUCell)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.GRUCell", "recurrent_steps")]
