"""TransformerNetwork's unroll keeps its memories across episode starts: a new episode
attends to the cores of the previous one."""

from typing import Any

import torch

from optimized.alf import transformer_networks
from tests.broken import candidate


class TransformerNetwork(transformer_networks.TransformerNetwork):
    def unroll(self, inputs: Any, state: Any, first_step: torch.Tensor) -> Any:
        never = torch.zeros_like(first_step)
        return super().unroll(inputs, state, never)


alf = candidate(TransformerNetwork=TransformerNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.TransformerNetwork", "recurrent_steps")]
