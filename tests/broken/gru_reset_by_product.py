"""GRUCell's unroll resets a row by multiplying its state with ``1 - first_step``: equal to a
reset wherever the state is finite (``recurrent_steps`` passes), but a NaN/inf state
survives it (``0 * nan = nan``)."""

from typing import Any

import torch

from optimized.alf import recurrent
from reference.alf.unroll import stack_steps
from tests.broken import candidate


class GRUCell(recurrent.GRUCell):
    def unroll(self, inputs: torch.Tensor, state: Any, first_step: torch.Tensor) -> Any:
        keep = (~first_step).to(inputs.dtype).unsqueeze(2)
        outputs = []
        for t in range(first_step.shape[0]):
            y, state = self(inputs[t], state * keep[t])
            outputs.append(y)
        return stack_steps(outputs), state


alf = candidate(GRUCell=GRUCell)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.GRUCell", "nan_isolation")]
