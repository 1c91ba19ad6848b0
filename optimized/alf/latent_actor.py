"""Latent actor distributions on the fast flow: same constructors and state_dict as
``reference.alf.latent_actor``.

``LatentActorDistributionNetwork`` builds the optimized ``RealNVPNetwork`` by default, whose
coupling layers keep the log-det of each map with its ``(x, y)`` pair: the ``log_prob`` of a
fresh ``rsample`` (the SAC / DDPG step) runs the scale networks once per layer instead of
twice. The unit-normal prior is the closed-form ``DiagMultivariateNormal`` with an
unexpanded ``[d]`` scale.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.distributions as td

from optimized import distributions as dists
from optimized.alf.flows import RealNVPNetwork
from reference.alf import latent_actor as ref
from reference.alf.flows import NormalizingFlowNetwork
from reference.alf.latent_actor import DEFAULT_SQUASHING
from reference.alf.network import Network
from reference.specs import Nest, TensorSpec

__all__ = ["LatentActorDistributionNetwork", "UnitNormalActorDistributionNetwork"]


class UnitNormalActorDistributionNetwork(ref.UnitNormalActorDistributionNetwork):
    """``N(0, I)`` with the closed-form diagonal normal and one ``[d]`` unit scale."""

    dists = dists

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[td.Distribution, Nest]:
        outer, dtype, device = self._checked(inputs)
        loc = torch.zeros((*outer, *self._action_spec.shape), dtype=dtype, device=device)
        scale = torch.ones(self._action_spec.shape, dtype=dtype, device=device)
        return self.dists.DiagMultivariateNormal(loc, scale), state


class LatentActorDistributionNetwork(ref.LatentActorDistributionNetwork):
    """The reference network with the optimized prior and flow as default constructors."""

    def __init__(
        self,
        input_tensor_spec: Nest,
        action_spec: TensorSpec,
        prior_actor_distribution_network_ctor: Callable[..., Network] = (
            UnitNormalActorDistributionNetwork
        ),
        normalizing_flow_network_ctor: Callable[..., NormalizingFlowNetwork] = RealNVPNetwork,
        conditional_flow: bool = True,
        scale_distribution: bool = False,
        dist_squashing_transform: td.Transform = DEFAULT_SQUASHING,
        name: str = "LatentActorDistributionNetwork",
    ):
        super().__init__(
            input_tensor_spec,
            action_spec,
            prior_actor_distribution_network_ctor,
            normalizing_flow_network_ctor,
            conditional_flow,
            scale_distribution,
            dist_squashing_transform,
            name,
        )
