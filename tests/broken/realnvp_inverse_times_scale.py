"""The coupling layer's inverse multiplies by the scale instead of dividing by it."""

import torch

from optimized.alf import flows
from tests.broken import candidate


class _Coupling(flows.FusedCouplingTransform):
    def _inverse(self, y: torch.Tensor) -> torch.Tensor:
        s, t = self.scale_translation(y)
        scale, log_g = flows.scale_and_log(self.g, s)
        x = torch.where(self.b, y, (y - t) * scale)
        self._keep(x, y, log_g)
        return x


class RealNVPNetwork(flows.RealNVPNetwork):
    def _make_invertible_transform(self, conditional_inputs):
        transform = super()._make_invertible_transform(conditional_inputs)
        for part in transform.parts:
            part.__class__ = _Coupling
        return transform


alf = candidate(RealNVPNetwork=RealNVPNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.RealNVPNetwork", "flow_inverse"),
    ("alf.LatentActorDistributionNetwork", "dist_logprob"),
]
