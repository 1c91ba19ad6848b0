"""AMAGO's TanhGaussian: rsample() is detached, so actions carry no gradient although the
head says ``actions_differentiable``."""

import torch

from optimized.amago import policy_dists
from tests.broken import amago_candidate


class _Detached(policy_dists.TanhNormal):
    def rsample(self, sample_shape=torch.Size()):  # noqa: B008
        return super().rsample(sample_shape).detach()


class TanhGaussian(policy_dists.TanhGaussian):
    def forward(self, vec, log_dict=None):
        dist = super().forward(vec, log_dict)
        return _Detached(dist.loc, dist.scale, dist.clip)


amago = amago_candidate(TanhGaussian=TanhGaussian)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("amago.TanhGaussian", "actions_differentiable"),
    ("amago.TanhGaussian", "reparam_grad"),
]
