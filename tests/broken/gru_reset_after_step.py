"""GRUCell's unroll steps every row from its old state and selects the reset rows' step from
zeros afterwards (``torch.where`` on the outputs): its outputs equal a reset's, NaN state
included (``nan_isolation``'s forward trial passes), but the backward of the discarded
step multiplies its zero gradient by the NaN state (``0 * nan = nan``) into the weights'
gradients."""

from typing import Any

import torch

from optimized.alf import recurrent
from reference.alf.unroll import stack_steps
from tests.broken import candidate


class GRUCell(recurrent.GRUCell):
    def unroll(self, inputs: torch.Tensor, state: Any, first_step: torch.Tensor) -> Any:
        outputs = []
        for t in range(first_step.shape[0]):
            stale, _ = self(inputs[t], state)
            fresh, _ = self(inputs[t], torch.zeros_like(state))
            state = torch.where(first_step[t].unsqueeze(1), fresh, stale)
            outputs.append(state)
        return stack_steps(outputs), state


alf = candidate(GRUCell=GRUCell)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.GRUCell", "nan_isolation")]
