"""Actor distributions from a prior and a normalizing flow (ALF's
``UnitNormalActorDistributionNetwork`` and ``LatentActorDistributionNetwork``).

``LatentActorDistributionNetwork`` draws a latent action ``u ~ p(u | o)`` from a prior
actor network and pushes it through a flow ``a = f(u; o)`` (conditioned on the
observation ``o`` when ``conditional_flow``), optionally squashed into the action box:
``a = m + r * tanh(f(u; o))`` with ``m, r`` the box's centre and half-width. By the change
of variables the action's density is

    log p(a | o) = log p(f^{-1}(a; o) | o) + log |det d f^{-1}(a; o) / da|

which ``torch.distributions.TransformedDistribution`` evaluates from the transforms'
inverses and log-dets.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
import torch.distributions as td

from reference import checks
from reference import distributions as dists
from reference.alf.flows import NormalizingFlowNetwork, RealNVPNetwork
from reference.alf.network import Network
from reference.alf.projection import bounds_tensors, check_continuous_spec
from reference.distributions import DistributionSpec, StableTanh, TransformedDistribution
from reference.specs import BoundedTensorSpec, Nest, TensorSpec, check_bounds, flatten

DEFAULT_SQUASHING = StableTanh()


def _float_dtype(inputs: Nest, default: torch.dtype) -> tuple[torch.dtype, torch.device | None]:
    """dtype and device of the first floating input leaf (``default`` and None if none)."""
    for t in flatten(inputs):
        if t.dtype.is_floating_point:
            return t.dtype, t.device
    leaves = flatten(inputs)
    return default, (leaves[0].device if leaves else None)


class UnitNormalActorDistributionNetwork(Network):
    """A standard normal ``N(0, I)`` over the action, whatever the input: the usual prior
    of a latent actor. Its dtype and device follow the input's floating leaves."""

    def __init__(
        self,
        input_tensor_spec: Nest,
        action_spec: TensorSpec,
        name: str = "UnitNormalActorDistributionNetwork",
    ):
        check_continuous_spec(action_spec, f"{name} action_spec", bounded=False)
        super().__init__(input_tensor_spec, (), name)
        self._action_spec = action_spec

    @property
    def output_spec(self) -> DistributionSpec:
        return DistributionSpec("normal", (), self._action_spec.shape, torch.float32)

    @property
    def is_distribution_output(self) -> bool:
        return True

    def _checked(self, inputs: Nest) -> tuple[tuple[int, ...], torch.dtype, torch.device | None]:
        """Validate ``inputs`` (discrete bounds included, though their values are unused);
        return their outer dims and the prior's dtype and device."""
        outer = self.check_inputs(inputs)
        for spec, x in zip(flatten(self._input_tensor_spec), flatten(inputs)):
            if isinstance(spec, BoundedTensorSpec) and spec.is_discrete:
                check_bounds(spec, x, f"{self._name} input")
        return (outer, *_float_dtype(inputs, self._action_spec.dtype))

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[td.Distribution, Nest]:
        outer, dtype, device = self._checked(inputs)
        shape = (*outer, *self._action_spec.shape)
        loc = torch.zeros(shape, dtype=dtype, device=device)
        scale = torch.ones(shape, dtype=dtype, device=device)
        return dists.DiagMultivariateNormal(loc, scale), state


class LatentActorDistributionNetwork(Network):
    """The prior actor distribution transformed by a normalizing flow (module doc).

    ``prior_actor_distribution_network_ctor(input_tensor_spec=, action_spec=)`` builds the
    prior network; ``normalizing_flow_network_ctor(input_tensor_spec=action_spec,
    conditional_input_tensor_spec=)`` the flow, conditioned on the observation when
    ``conditional_flow``. With ``scale_distribution`` the flow's output is squashed by
    ``dist_squashing_transform`` into (-1, 1) and mapped affinely onto the action box
    (clamped there, so rounding never leaves it).
    """

    _action_low: torch.Tensor
    _action_high: torch.Tensor

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
        checks.flag(conditional_flow, f"{name} conditional_flow")
        checks.flag(scale_distribution, f"{name} scale_distribution")
        check_continuous_spec(
            action_spec, f"{name} action_spec", scale_distribution, " with scale_distribution"
        )
        if scale_distribution and not isinstance(dist_squashing_transform, td.Transform):
            raise TypeError(
                f"{name}: expected a torch.distributions.Transform for "
                f"dist_squashing_transform, got {type(dist_squashing_transform).__name__}"
            )
        super().__init__(input_tensor_spec, (), name)
        self._action_spec = action_spec
        self._prior_actor_network = prior_actor_distribution_network_ctor(
            input_tensor_spec=input_tensor_spec, action_spec=action_spec
        )
        flow = normalizing_flow_network_ctor(
            input_tensor_spec=action_spec,
            conditional_input_tensor_spec=input_tensor_spec if conditional_flow else None,
        )
        if not isinstance(flow, NormalizingFlowNetwork):
            raise TypeError(
                f"{name}: expected normalizing_flow_network_ctor to build a "
                f"NormalizingFlowNetwork, got {type(flow).__name__}"
            )
        self._nf_network: NormalizingFlowNetwork = flow
        self._conditional_flow = bool(conditional_flow)
        self._scale_distribution = bool(scale_distribution)
        # its own copy: the default is one module-level object, and a transform's cache
        # may hold the graph of the last rsample (no shared mutable default, item 7)
        self._squashing = copy.deepcopy(dist_squashing_transform)
        if scale_distribution:
            lo, hi = bounds_tensors(action_spec)  # type: ignore[arg-type]
            self.register_buffer("_action_low", lo, persistent=False)
            self.register_buffer("_action_high", hi, persistent=False)

    @property
    def output_spec(self) -> DistributionSpec:
        return DistributionSpec("latent_flow", (), self._action_spec.shape, torch.float32)

    @property
    def is_distribution_output(self) -> bool:
        return True

    @property
    def prior_network(self) -> Network:
        return self._prior_actor_network

    @property
    def flow_network(self) -> NormalizingFlowNetwork:
        return self._nf_network

    def _squash_transforms(self) -> list[td.Transform]:
        """``a = clamp(m + r * squash(y), low, high)`` onto the action box (in the dtype of
        the parameters; the bounds stay float64 until the network's ``.to(dtype)``).

        The affine map caches its latest ``(x, a)`` like the squashing: ``log_prob`` of a
        fresh sample that rounded onto a bound finds its exact pre-image there (upstream
        inverts the bound: an infinite ``atanh``, and NaN through the flow). A copy of such
        a sample still meets the squashing's own inverse at the bound (finite for the
        default ``StableTanh``, infinite for torch's ``TanhTransform``)."""
        dtype = self.float_dtype() or self._action_low.dtype
        lo, hi = self._action_low.to(dtype), self._action_high.to(dtype)
        mean, magnitude = (hi + lo) / 2, (hi - lo) / 2
        affine = dists.ClampedAffineTransform(mean, magnitude, lo, hi, cache_size=1)
        return [self._squashing, affine]

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[td.Distribution, Nest]:
        self.check_inputs(inputs)
        prior, state = self._prior_actor_network(inputs, state)
        z = inputs if self._conditional_flow else None
        transforms = [self._nf_network.make_invertible_transform(z)]
        if self._scale_distribution:
            transforms += self._squash_transforms()
        return TransformedDistribution(prior, transforms), state
