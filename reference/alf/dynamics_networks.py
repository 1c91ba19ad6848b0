"""Dynamics networks (``alf.networks.dynamics_networks``): the next observation from the
current observation o and action a.

    h = joint_encoder([o, a])       (concatenated on the feature dim; FC layers
                                     ``joint_fc_layer_params`` with ``activation``)
    deterministic (prob=False):  o' = W h + b         (a last FC layer of the output size,
                                                       no activation)
    probabilistic (prob=True):   o' ~ projection(h)   (``continuous_projection_net_ctor``
                                                       with ``squash_mean=False``,
                                                       ``scale_distribution=False``,
                                                       ``state_dependent_std=True``)

Every kernel of the encoder defaults to upstream's variance scaling with gain 1/2 on the
fan-in and a truncated normal (the identity's gain, whatever the activation).
``make_parallel(n)`` gives ``ParallelDynamicsNetwork``: the encoder's parallel form (input
``[B, ...]`` shared by the replicas or ``[B, n, ...]``) and the projection's, output
``[B, n, d]`` or a distribution with batch shape ``[B, n]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from reference import checks
from reference.alf.encoding import EncodingNetwork
from reference.alf.initializers import identity, variance_scaling_init
from reference.alf.layers import Initializer
from reference.alf.network import Network, replicate_input
from reference.alf.projection import NormalProjectionNetwork
from reference.alf.replicas import Replicated
from reference.specs import Nest, TensorSpec, flatten

__all__ = ["DynamicsNetwork", "ParallelDynamicsNetwork"]


def half_gain_init(w: torch.Tensor) -> torch.Tensor:
    """Upstream's default kernel: variance scaling, gain 1/2, fan-in, truncated normal."""
    return variance_scaling_init(w, gain=0.5, nonlinearity=identity)


def observation_and_action(input_tensor_spec: Any, what: str) -> tuple[TensorSpec, TensorSpec]:
    """The ``(observation_spec, action_spec)`` pair of vector specs (one action leaf)."""
    if not isinstance(input_tensor_spec, (tuple, list)) or len(input_tensor_spec) != 2:
        raise TypeError(
            f"{what}: expected input_tensor_spec as a tuple (observation_spec, action_spec), "
            f"got {input_tensor_spec!r}"
        )
    observation_spec, action_spec = input_tensor_spec
    actions = flatten(action_spec)
    if len(actions) != 1:
        raise ValueError(f"{what}: expected a single action spec, got {len(actions)}")
    for part, spec in (("observation", observation_spec), ("action", actions[0])):
        if not isinstance(spec, TensorSpec) or spec.ndim != 1 or not spec.is_continuous:
            raise ValueError(
                f"{what}: expected a floating vector spec [d] as the {part} spec, got {spec!r}"
            )
    return observation_spec, actions[0]


class DynamicsNetwork(Network):
    """``o' = f([o, a])`` (module doc); ``inputs = (observation [B, d_o], action [B, d_a])``."""

    def __init__(
        self,
        input_tensor_spec: Nest,
        output_tensor_spec: TensorSpec,
        joint_fc_layer_params: Sequence[int] | None = None,
        activation: Callable = torch.relu_,
        kernel_initializer: Initializer | None = None,
        prob: bool = False,
        continuous_projection_net_ctor: Callable = NormalProjectionNetwork,
        name: str = "DynamicsNetwork",
    ):
        observation_spec, action_spec = observation_and_action(input_tensor_spec, name)
        if not isinstance(output_tensor_spec, TensorSpec) or output_tensor_spec.ndim != 1:
            raise ValueError(
                f"{name}: expected a vector output_tensor_spec [d], got {output_tensor_spec!r}"
            )
        super().__init__(input_tensor_spec, (), name)
        if kernel_initializer is None:
            kernel_initializer = half_gain_init
        out_size = output_tensor_spec.shape[0]
        joint_spec = TensorSpec((observation_spec.shape[0] + action_spec.shape[0],))
        self._prob = checks.flag(prob, f"{name} prob")
        if prob:
            self._joint_encoder = EncodingNetwork(
                joint_spec,
                fc_layer_params=joint_fc_layer_params,
                activation=activation,
                kernel_initializer=kernel_initializer,
            )
            self._projection_net: Network | None = continuous_projection_net_ctor(
                input_size=self._joint_encoder.output_spec.shape[-1],
                action_spec=output_tensor_spec,
                squash_mean=False,
                scale_distribution=False,
                state_dependent_std=True,
            )
        else:
            self._joint_encoder = EncodingNetwork(
                joint_spec,
                fc_layer_params=joint_fc_layer_params,
                activation=activation,
                kernel_initializer=kernel_initializer,
                last_layer_size=out_size,
                last_activation=identity,
            )
            self._projection_net = None
        self._output_spec = TensorSpec((out_size,))

    @property
    def is_distribution_output(self) -> bool:
        return self._prob

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[Any, Nest]:
        """``(o' [B, d] or its distribution, ())``."""
        self.check_inputs(inputs)
        observation, action = inputs
        joint = torch.cat([observation, flatten(action)[0]], dim=-1)
        out, _ = self._joint_encoder(joint)
        if self._projection_net is not None:
            out, _ = self._projection_net(out)
        return out, state

    def make_parallel(self, n: int) -> Network:
        """n independently initialised replicas as one ``ParallelDynamicsNetwork``."""
        return ParallelDynamicsNetwork(self, n, "parallel_" + self.name)


class ParallelDynamicsNetwork(Replicated, Network):
    """n dynamics networks ``o'_i = f_i([o, a])``; inputs ``[B, ...]`` (shared) or
    ``[B, n, ...]``, output ``[B, n, d]`` (or a distribution of batch shape ``[B, n]``)."""

    def __init__(
        self, dynamics_network: DynamicsNetwork, n: int, name: str = "ParallelDynamicsNetwork"
    ):
        if not isinstance(dynamics_network, DynamicsNetwork):
            raise TypeError(
                f"{name}: expected a DynamicsNetwork to replicate, got "
                f"{type(dynamics_network).__name__}"
            )
        checks.size(n, f"{name} n")
        super().__init__(dynamics_network.input_tensor_spec, (), name)
        self._n = n
        self._joint_encoder = dynamics_network._joint_encoder.make_parallel(n, True)
        self._prob = dynamics_network._prob
        proto = dynamics_network._projection_net
        self._projection_net: Network | None = None if proto is None else proto.make_parallel(n)
        self._output_spec = TensorSpec((n, *dynamics_network.output_spec.shape))
        self.set_prototype(dynamics_network)

    @property
    def is_distribution_output(self) -> bool:
        return self._prob

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[Any, Nest]:
        """``(o' [B, n, d] or its distribution, ())``."""
        observation, action = replicate_input(
            self._input_tensor_spec, inputs, self._n, f"{self.name} input", self.float_dtype()
        )
        joint = torch.cat([observation, flatten(action)[0]], dim=-1)
        out, _ = self._joint_encoder(joint)
        if self._projection_net is not None:
            out, _ = self._projection_net(out)
        return out, state
