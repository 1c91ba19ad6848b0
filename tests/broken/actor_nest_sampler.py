"""ActorDistributionNetwork, given a nest of action specs, samples every leaf after the
first as the larger of two draws (CDF F^2 instead of F): the parameters, log-densities and
modes are right, only the samples of the later leaves are not."""

from typing import Any

import torch

from optimized.alf import actor_distribution_networks
from reference.specs import Nest, flatten, is_nested, pack_sequence_as
from tests.broken import candidate


def _max_of_two(dist: Any) -> Any:
    draw = dist.sample

    def sample(sample_shape: Any = ()) -> torch.Tensor:
        return torch.maximum(draw(sample_shape), draw(sample_shape))

    dist.sample = sample
    return dist


class ActorDistributionNetwork(actor_distribution_networks.ActorDistributionNetwork):
    def forward(self, observation: Nest, state: Nest = ()) -> tuple[Any, Nest]:
        dists, state = super().forward(observation, state)
        if not is_nested(dists):
            return dists, state
        leaves = flatten(dists)
        return pack_sequence_as(dists, leaves[:1] + [_max_of_two(d) for d in leaves[1:]]), state


alf = candidate(ActorDistributionNetwork=ActorDistributionNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.ActorDistributionNetwork", "dist_sampling")]
