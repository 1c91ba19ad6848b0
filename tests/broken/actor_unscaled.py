"""ActorNetwork squashes its actions into (-1, 1) but never scales them into the action
spec's bounds."""

import torch

from optimized.alf import actor_networks
from reference.specs import Nest, pack_sequence_as
from tests.broken import candidate


class ActorNetwork(actor_networks.ActorNetwork):
    def _actions(self, encoded: torch.Tensor) -> Nest:
        squashed = [self._squashing_func(layer(encoded)) for layer in self._action_layers]
        return pack_sequence_as(self._action_spec, squashed)


alf = candidate(ActorNetwork=ActorNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.ActorNetwork", "parity")]
