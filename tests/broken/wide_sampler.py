"""The squashed normal draws its noise with 1.5x the declared scale (log_prob is right)."""

import torch

from optimized import distributions
from optimized.alf import projection
from tests.broken import candidate


class _WideSquashedNormal(distributions.SquashedNormal):
    def _noise(self, shape: torch.Size) -> torch.Tensor:
        return 1.5 * super()._noise(shape)


class NormalProjectionNetwork(projection.NormalProjectionNetwork):
    def _normal_dist(self, means, stds):
        dist = super()._normal_dist(means, stds)
        if isinstance(dist, distributions.SquashedNormal):
            return self._squashed(_WideSquashedNormal, means, stds)
        return dist


alf = candidate(NormalProjectionNetwork=NormalProjectionNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.NormalProjectionNetwork", "dist_sampling"),
]
