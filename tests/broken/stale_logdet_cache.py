"""The fused coupling layer answers log_abs_det_jacobian from its cache without checking
that it is asked about the cached (x, y) pair: a stale log-det for any other pair."""

import torch

from optimized.alf import flows
from tests.broken import candidate


class _Coupling(flows.FusedCouplingTransform):
    def log_abs_det_jacobian(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self._log_g is not None:
            log_g = self._log_g[2].masked_fill(self.b, 0.0)
            return log_g.flatten(log_g.dim() - self.x_spec.ndim).sum(-1)
        return super().log_abs_det_jacobian(x, y)


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
]
