"""The coupling layer's log-det sums log g(s) over every coordinate, kept ones included
(the (1 - b) mask forgotten)."""

import torch

from optimized.alf import flows
from tests.broken import candidate


class _Coupling(flows.FusedCouplingTransform):
    def log_abs_det_jacobian(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        log_g = flows.scale_and_log(self.g, self.scale_translation(x)[0])[1]
        return log_g.flatten(log_g.dim() - self.x_spec.ndim).sum(-1)


class RealNVPNetwork(flows.RealNVPNetwork):
    def _make_invertible_transform(self, conditional_inputs):
        transform = super()._make_invertible_transform(conditional_inputs)
        for part in transform.parts:
            part.__class__ = _Coupling
        return transform


alf = candidate(RealNVPNetwork=RealNVPNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.RealNVPNetwork", "flow_logdet"),
    ("alf.RealNVPNetwork", "parity"),
    ("alf.LatentActorDistributionNetwork", "dist_logprob"),
]
