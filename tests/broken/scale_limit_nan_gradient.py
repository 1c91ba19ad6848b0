"""The stable normal projection takes its std's limit after the reciprocal, as a plain
clamp: the value is right at extreme inputs, but where ``softplus`` underflowed to 0 the
clamp's zero gradient times the reciprocal's infinite derivative makes the parameters'
gradient NaN."""

import torch

from optimized.alf import projection
from reference.distributions import proper_scale
from tests.broken import candidate


class StableNormalProjectionNetwork(projection.StableNormalProjectionNetwork):
    def _stds_of(self, b: torch.Tensor) -> torch.Tensor:
        inv_std = self._std_transform(b)
        if self._max_std is not None:
            inv_std = inv_std + self._c1
        std = proper_scale(torch.reciprocal(inv_std))
        return std + self._min_std if self._min_std > 0 else std


alf = candidate(StableNormalProjectionNetwork=StableNormalProjectionNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.StableNormalProjectionNetwork", "extreme_inputs")]
