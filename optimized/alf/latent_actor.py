"""Twins of the latent actor distributions (``optimized.twin``): the reference's
constructors and state_dict.

``LatentActorDistributionNetwork``'s default flow converts to the optimized
``RealNVPNetwork``, whose coupling layers keep the log-det of each map with its ``(x, y)``
pair: the ``log_prob`` of a fresh ``rsample`` (the SAC / DDPG step) runs the scale networks
once per layer instead of twice. The unit-normal prior is the closed-form
``DiagMultivariateNormal`` with an unexpanded ``[d]`` scale.
"""

from __future__ import annotations

import torch
import torch.distributions as td

from optimized import distributions as dists
from optimized.twin import Twin
from reference.alf import latent_actor as ref
from reference.specs import Nest

__all__ = ["LatentActorDistributionNetwork", "UnitNormalActorDistributionNetwork"]


class UnitNormalActorDistributionNetwork(Twin, ref.UnitNormalActorDistributionNetwork):
    """``N(0, I)`` with the closed-form diagonal normal and one ``[d]`` unit scale."""

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[td.Distribution, Nest]:
        outer, dtype, device = self._checked(inputs)
        loc = torch.zeros((*outer, *self._action_spec.shape), dtype=dtype, device=device)
        scale = torch.ones(self._action_spec.shape, dtype=dtype, device=device)
        return dists.DiagMultivariateNormal(loc, scale), state


class LatentActorDistributionNetwork(Twin, ref.LatentActorDistributionNetwork):
    """The reference network over its converted prior and flow (the fused coupling layers
    of the optimized ``RealNVPNetwork``, the closed-form unit normal)."""
