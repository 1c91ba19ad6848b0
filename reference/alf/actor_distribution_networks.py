"""Stochastic actors (ALF's ``alf.networks.actor_distribution_networks``):
``ActorDistributionNetworkBase``, ``ActorDistributionNetwork``,
``ActorDistributionRNNNetwork`` and ``ParallelActorDistributionNetwork``.

For an observation ``o``:

    e, state' = encoder(o, state)
    pi_k(. | o) = projection_k(e)      for every leaf k of the action spec nest

where ``projection_k`` is built by ``discrete_projection_net_ctor(input_size=D,
action_spec=spec_k)`` for an integer leaf and by ``continuous_projection_net_ctor`` for a
floating one (any of the projection networks), ``D`` the encoder's output size. The
result is a distribution, or a nest of them shaped like the action spec. The encoder's
kernels default to ``xavier_uniform_`` (upstream); the projections keep their own
initialisers.

State_dict (upstream's): ``_encoding_net.*``; ``_projection_net.*`` for a single action
spec, ``_projection_net_module_list.<k>.*`` (flattened order) for a nest of them.

``ParallelActorDistributionNetwork(actor, n)`` holds ``n`` replicas: the encoder's and the
projection's own parallel forms (``make_parallel(n)``), over ``[B, n, ...]`` observations,
giving distributions of batch shape ``[B, n]``. As upstream, it needs a single action spec
(a nest of projections has no parallel form).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from reference import checks
from reference.alf.encoding import EncodingNetwork
from reference.alf.network import Network, checked_encoder
from reference.alf.projection import CategoricalProjectionNetwork, NormalProjectionNetwork
from reference.alf.recurrent import LSTMEncodingNetwork
from reference.alf.replicas import Replicated
from reference.alf.unroll import check_sequence, no_steps, reset_rows
from reference.specs import Nest, TensorSpec, flatten, is_nested, map_structure


def _check_projection(net: Any, what: str) -> Network:
    if not isinstance(net, Network) or not net.is_distribution_output:
        raise TypeError(
            f"{what}: expected the projection ctor to build a distribution network, got "
            f"{type(net).__name__}"
        )
    return net


class ActorDistributionNetworkBase(Network):
    """Encoder, then one projection network per action leaf (module doc).
    ``encoding_network_ctor(input_tensor_spec, **encoder_kwargs)`` builds the encoder."""

    def __init__(
        self,
        input_tensor_spec: Nest,
        action_spec: Nest,
        encoding_network_ctor: Callable[..., Network],
        discrete_projection_net_ctor: Callable[..., Network],
        continuous_projection_net_ctor: Callable[..., Network],
        name: str = "ActorDistributionNetworkBase",
        **encoder_kwargs: Any,
    ):
        leaves = flatten(action_spec)
        if not leaves or not all(isinstance(s, TensorSpec) for s in leaves):
            raise TypeError(
                f"{name}: expected a nest of TensorSpec action specs, got {action_spec!r}"
            )
        if encoder_kwargs.get("kernel_initializer") is None:
            encoder_kwargs["kernel_initializer"] = torch.nn.init.xavier_uniform_
        encoder = encoding_network_ctor(input_tensor_spec, **encoder_kwargs)
        out = checked_encoder(encoder, name).output_spec
        super().__init__(input_tensor_spec, encoder.state_spec, name)
        self._action_spec = action_spec
        self._encoding_net = encoder

        def create(spec: TensorSpec) -> Network:
            ctor = (
                continuous_projection_net_ctor
                if spec.is_continuous
                else (discrete_projection_net_ctor)
            )
            return _check_projection(ctor(input_size=out.shape[0], action_spec=spec), name)

        projections = map_structure(create, action_spec)
        if is_nested(projections):
            # a nest is not a module: its leaves are registered in flattened order
            self.__dict__["_projection_net"] = projections
            self._projection_net_module_list = nn.ModuleList(flatten(projections))
        else:
            self._projection_net = projections

    @property
    def state_spec(self) -> Nest:
        """The encoder's state spec (``()`` for a feed-forward encoder)."""
        return self._encoding_net.state_spec

    @property
    def output_spec(self) -> Nest:
        return map_structure(lambda p: p.output_spec, self.projection_net)

    @property
    def is_distribution_output(self) -> bool:
        return True

    @property
    def action_spec(self) -> Nest:
        return self._action_spec

    @property
    def projection_net(self) -> Nest:
        """The projection network, or the nest of them (one per action leaf)."""
        return self.__dict__.get("_projection_net") or self._modules["_projection_net"]

    def forward(self, observation: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        """``pi_k = projection_k(encoder(o))`` for every action leaf k (module doc)."""
        self.check_inputs(observation)  # in the dtype of the whole network
        encoding, state = self._encoding_net(observation, state)
        dists = map_structure(lambda proj: proj(encoding)[0], self.projection_net)
        return dists, state

    def make_parallel(self, n: int) -> Network:
        """``ParallelActorDistributionNetwork(self, n)``: n independently initialised
        replicas."""
        return ParallelActorDistributionNetwork(self, n, f"parallel_{self._name}")


class ActorDistributionNetwork(ActorDistributionNetworkBase):
    """``ActorDistributionNetworkBase`` over an ``EncodingNetwork``."""

    def __init__(
        self,
        input_tensor_spec: Nest,
        action_spec: Nest,
        input_preprocessors: Nest | None = None,
        preprocessing_combiner: Callable | None = None,
        conv_layer_params: Any = None,
        fc_layer_params: Any = None,
        activation: Callable = torch.relu_,
        kernel_initializer: Callable | None = None,
        use_fc_bn: bool = False,
        discrete_projection_net_ctor: Callable[..., Network] = CategoricalProjectionNetwork,
        continuous_projection_net_ctor: Callable[..., Network] = NormalProjectionNetwork,
        name: str = "ActorDistributionNetwork",
    ):
        super().__init__(
            input_tensor_spec,
            action_spec,
            encoding_network_ctor=EncodingNetwork,
            discrete_projection_net_ctor=discrete_projection_net_ctor,
            continuous_projection_net_ctor=continuous_projection_net_ctor,
            name=name,
            input_preprocessors=input_preprocessors,
            preprocessing_combiner=preprocessing_combiner,
            conv_layer_params=conv_layer_params,
            fc_layer_params=fc_layer_params,
            activation=activation,
            kernel_initializer=kernel_initializer,
            use_fc_bn=use_fc_bn,
        )


class ActorDistributionRNNNetwork(ActorDistributionNetworkBase):
    """``ActorDistributionNetworkBase`` over an ``LSTMEncodingNetwork``: ``fc_layer_params``
    before the LSTM cells of ``lstm_hidden_size``, ``actor_fc_layer_params`` after them.

    ``unroll(inputs [T, B, ...], state, first_step [T, B])`` is the literal step loop of
    the encoder (a row's state reset to zeros where it starts an episode) and then the
    projections of all ``T * B`` encodings: distributions are not stacked, so the result
    is one distribution (nest) whose batch is the steps flattened time-major, ``[T * B]``
    (row ``t * B + b`` is step t of batch row b), and the final state."""

    def unroll(self, inputs: Nest, state: Nest, first_step: torch.Tensor) -> tuple[Nest, Nest]:
        steps, batch = check_sequence(self, inputs, state, first_step)
        encodings = []
        for t in range(steps):
            state = reset_rows(state, first_step[t])
            x_t = map_structure(lambda x, t=t: x[t], inputs)
            e_t, state = self._encoding_net(x_t, state)
            encodings.append(e_t)
        if not encodings:  # T = 0: the encodings of no steps
            encodings = [no_steps(self._encoding_net, inputs, state, batch).flatten(0, 1)]
        e = torch.cat(encodings)
        return map_structure(lambda proj: proj(e)[0], self.projection_net), state

    def __init__(
        self,
        input_tensor_spec: Nest,
        action_spec: Nest,
        input_preprocessors: Nest | None = None,
        preprocessing_combiner: Callable | None = None,
        conv_layer_params: Any = None,
        fc_layer_params: Any = None,
        lstm_hidden_size: int | tuple[int, ...] = 100,
        actor_fc_layer_params: Any = None,
        activation: Callable = torch.relu_,
        kernel_initializer: Callable | None = None,
        discrete_projection_net_ctor: Callable[..., Network] = CategoricalProjectionNetwork,
        continuous_projection_net_ctor: Callable[..., Network] = NormalProjectionNetwork,
        name: str = "ActorRNNDistributionNetwork",
    ):
        checks.sizes(lstm_hidden_size, f"{name} lstm_hidden_size")
        super().__init__(
            input_tensor_spec,
            action_spec,
            encoding_network_ctor=LSTMEncodingNetwork,
            discrete_projection_net_ctor=discrete_projection_net_ctor,
            continuous_projection_net_ctor=continuous_projection_net_ctor,
            name=name,
            input_preprocessors=input_preprocessors,
            preprocessing_combiner=preprocessing_combiner,
            conv_layer_params=conv_layer_params,
            pre_fc_layer_params=fc_layer_params,
            hidden_size=lstm_hidden_size,
            post_fc_layer_params=actor_fc_layer_params,
            activation=activation,
            kernel_initializer=kernel_initializer,
        )


class ParallelActorDistributionNetwork(Replicated, Network):
    """n replicas of an actor distribution network: its encoder's and its projection's
    parallel forms (module doc). Observations ``[B, n, ...]``; the state is the parallel
    encoder's."""

    def __init__(
        self,
        actor_network: ActorDistributionNetworkBase,
        n: int,
        name: str = "ParallelActorDistributionNetwork",
    ):
        if not isinstance(actor_network, ActorDistributionNetworkBase):
            raise TypeError(
                f"{name}: expected an ActorDistributionNetworkBase, got "
                f"{type(actor_network).__name__}"
            )
        checks.size(n, f"{name} n")
        projection = actor_network.projection_net
        if is_nested(projection):
            raise ValueError(
                f"{name}: expected an actor with a single action spec (one projection "
                f"network), got {len(flatten(projection))} action specs"
            )
        encoder = actor_network._encoding_net.make_parallel(n)
        super().__init__(actor_network.input_tensor_spec, encoder.state_spec, name)
        self._n = n
        self._encoding_net = encoder
        self._projection_net = projection.make_parallel(n)
        self.set_prototype(actor_network)

    @property
    def state_spec(self) -> Nest:
        return self._encoding_net.state_spec

    @property
    def output_spec(self) -> Nest:
        return self._projection_net.output_spec

    @property
    def is_distribution_output(self) -> bool:
        return True

    def forward(self, observation: Nest, state: Nest = ()) -> tuple[Any, Nest]:
        """The n replicas' distributions, batch shape ``[B, n]``."""
        self.check_inputs(observation, 2)  # [B, n, ...], in the dtype of the whole network
        encoding, state = self._encoding_net(observation, state)
        return self._projection_net(encoding)[0], state


__all__ = [
    "ActorDistributionNetwork",
    "ActorDistributionNetworkBase",
    "ActorDistributionRNNNetwork",
    "ParallelActorDistributionNetwork",
]
