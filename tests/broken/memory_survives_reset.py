"""FIFOMemory's fused unroll ignores episode starts: a row's memory survives the reset and
the next episode attends to the last one's content."""

from typing import Any

import torch

from optimized.alf import memory
from tests.broken import candidate


class FIFOMemory(memory.FIFOMemory):
    def unroll(self, inputs: torch.Tensor, state: Any, first_step: torch.Tensor) -> Any:
        return super().unroll(inputs, state, torch.zeros_like(first_step))


alf = candidate(FIFOMemory=FIFOMemory)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.FIFOMemory", "recurrent_steps")]
