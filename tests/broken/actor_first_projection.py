"""ActorDistributionNetwork, given a nest of action specs, projects every leaf through the
first leaf's projection network (the others are built, and never used)."""

from typing import Any

from optimized.alf import actor_distribution_networks
from reference.specs import Nest, flatten, map_structure
from tests.broken import candidate


class ActorDistributionNetwork(actor_distribution_networks.ActorDistributionNetwork):
    def forward(self, observation: Nest, state: Nest = ()) -> tuple[Any, Nest]:
        self.check_inputs(observation)
        encoding, state = self._encoding_net(observation, state)
        first = flatten(self.projection_net)[0]
        return map_structure(lambda proj: first(encoding)[0], self.projection_net), state


alf = candidate(ActorDistributionNetwork=ActorDistributionNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.ActorDistributionNetwork", "shape"), ("alf.ActorDistributionNetwork", "parity")]
