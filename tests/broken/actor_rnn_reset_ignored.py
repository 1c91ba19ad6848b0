"""ActorRNNNetwork's fused unroll ignores episode starts: a row's LSTM state is never
reset where ``first_step`` marks it."""

from typing import Any

import torch

from optimized.alf import actor_networks
from tests.broken import candidate


class ActorRNNNetwork(actor_networks.ActorRNNNetwork):
    def unroll(self, inputs: Any, state: Any, first_step: torch.Tensor) -> Any:
        return super().unroll(inputs, state, torch.zeros_like(first_step))


alf = candidate(ActorRNNNetwork=ActorRNNNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.ActorRNNNetwork", "recurrent_steps")]
