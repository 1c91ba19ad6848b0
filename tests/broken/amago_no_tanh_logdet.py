"""AMAGO's TanhGaussian: log_prob forgets the tanh change of variables (the log-det)."""

import torch

from optimized.amago import policy_dists
from tests.broken import amago_candidate


class _NoLogDet(policy_dists.TanhNormal):
    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        x = torch.atanh(value.clamp(*self.clip))
        return torch.distributions.Normal(self.loc, self.scale).log_prob(x)


class TanhGaussian(policy_dists.TanhGaussian):
    def forward(self, vec, log_dict=None):
        dist = super().forward(vec, log_dict)
        return _NoLogDet(dist.loc, dist.scale, dist.clip)


amago = amago_candidate(TanhGaussian=TanhGaussian)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("amago.TanhGaussian", "dist_logprob"),
    ("amago.TanhGaussian", "parity"),
]
