"""The squashed normal's log_prob forgets the tanh log-det (the change of variables)."""

import torch

from optimized import distributions
from optimized.alf import projection
from tests.broken import candidate


class _NoLogDetSquashedNormal(distributions.SquashedNormal):
    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        limit = 1.0 - torch.finfo(value.dtype).eps
        u = ((value - self.action_mean) / self.action_magnitude).clamp(-limit, limit)
        e = (torch.atanh(u) - self.loc) / self._scale
        return self._noise_log_density(e) - self._log_scale_sum() - self._log_mag_sum


class NormalProjectionNetwork(projection.NormalProjectionNetwork):
    def _normal_dist(self, means, stds):
        dist = super()._normal_dist(means, stds)
        if isinstance(dist, distributions.SquashedNormal):
            return self._squashed(_NoLogDetSquashedNormal, means, stds)
        return dist


alf = candidate(NormalProjectionNetwork=NormalProjectionNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.NormalProjectionNetwork", "dist_logprob"),
    ("alf.NormalProjectionNetwork", "parity"),
]
