"""ActorDistributionNetwork, given a nest that mixes discrete and continuous action specs,
builds each leaf with the other kind's projection ctor (the discrete ctor for continuous
leaves and the continuous ctor for discrete ones); a single action spec is built right."""

from typing import Any

from optimized.alf import actor_distribution_networks
from reference.specs import Nest, flatten
from tests.broken import candidate


class ActorDistributionNetwork(actor_distribution_networks.ActorDistributionNetwork):
    def __init__(self, input_tensor_spec: Nest, action_spec: Nest, **kwargs: Any):
        kinds = {spec.is_continuous for spec in flatten(action_spec)}
        if len(kinds) == 2:
            kwargs["discrete_projection_net_ctor"], kwargs["continuous_projection_net_ctor"] = (
                kwargs.get("continuous_projection_net_ctor"),
                kwargs.get("discrete_projection_net_ctor"),
            )
            kwargs = {k: v for k, v in kwargs.items() if v is not None}
        super().__init__(input_tensor_spec, action_spec, **kwargs)


alf = candidate(ActorDistributionNetwork=ActorDistributionNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.ActorDistributionNetwork", "shape"), ("alf.ActorDistributionNetwork", "parity")]
