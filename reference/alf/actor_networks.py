"""Deterministic actors (ALF's ``alf.networks.actor_networks``): ``ActorNetworkBase``,
``ActorNetwork``, ``ActorRNNNetwork``.

For an observation ``o`` and every leaf ``k`` of a nest of bounded continuous action specs
with bounds ``[low_k, high_k]``:

    e, state' = encoder(o, state)
    a_k = m_k + r_k * squash(W_k e + b_k),   m_k = (high_k + low_k) / 2,  r_k = (high_k - low_k) / 2

(upstream's ``scale_to_spec`` after ``squashing_func``, tanh by default). The encoder is an
``EncodingNetwork`` (``ActorNetwork``) or an ``LSTMEncodingNetwork`` (``ActorRNNNetwork``:
its state is the LSTM's). As upstream, the encoder's kernels default to a uniform variance
scaling with gain ``sqrt(1/3)`` (``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``), and each last
layer ``W_k`` to ``U(-0.003, 0.003)`` with zero bias. State_dict: ``_encoding_net.*`` and
``_action_layers.<k>.{_weight, _bias}``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from reference import checks
from reference.alf.encoding import EncodingNetwork
from reference.alf.initializers import variance_scaling_init
from reference.alf.layers import FC
from reference.alf.network import Network, checked_encoder
from reference.alf.projection import check_continuous_spec
from reference.alf.recurrent import LSTMEncodingNetwork
from reference.alf.unroll import StepUnroll
from reference.specs import BoundedTensorSpec, Nest, flatten, pack_sequence_as

#: upstream's default kernel initializer of an actor's encoder
ENCODER_INITIALIZER = functools.partial(
    variance_scaling_init, gain=math.sqrt(1.0 / 3), distribution="uniform"
)


def last_kernel_initializer(weight: torch.Tensor) -> torch.Tensor:
    """Upstream's initializer of an actor's action layers: ``U(-0.003, 0.003)``."""
    return nn.init.uniform_(weight, -0.003, 0.003)


def spec_means_and_magnitudes(spec: BoundedTensorSpec) -> tuple[np.ndarray, np.ndarray]:
    """``m = (high + low) / 2`` and ``r = (high - low) / 2`` of a bounded spec (float64)."""
    lo = np.broadcast_to(np.asarray(spec.minimum, dtype=np.float64), spec.shape)
    hi = np.broadcast_to(np.asarray(spec.maximum, dtype=np.float64), spec.shape)
    return (hi + lo) / 2, (hi - lo) / 2


class ActorNetworkBase(Network):
    """Encoder, one FC per action leaf, ``squashing_func``, scaled into the bounds (module
    doc). ``encoding_network_ctor(input_tensor_spec, name=..., **encoder_kwargs)`` builds
    the encoder; its ``kernel_initializer`` defaults to upstream's uniform scaling."""

    def __init__(
        self,
        input_tensor_spec: Nest,
        action_spec: Nest,
        encoding_network_ctor: Callable[..., Network] = EncodingNetwork,
        squashing_func: Callable[[torch.Tensor], torch.Tensor] = torch.tanh,
        name: str = "ActorNetworkBase",
        **encoder_kwargs: Any,
    ):
        if not callable(squashing_func):
            raise TypeError(
                f"{name}: expected a callable squashing_func, got {type(squashing_func).__name__}"
            )
        flat_specs = flatten(action_spec)
        if not flat_specs:
            raise ValueError(f"{name}: expected at least one action spec, got {action_spec!r}")
        for i, spec in enumerate(flat_specs):
            check_continuous_spec(
                spec, f"{name} action_spec leaf {i}", True, " (actions are scaled into bounds)"
            )
        if encoder_kwargs.get("kernel_initializer") is None:
            encoder_kwargs["kernel_initializer"] = ENCODER_INITIALIZER
        encoder = encoding_network_ctor(
            input_tensor_spec, name=f"{name}.encoding_net", **encoder_kwargs
        )
        out = checked_encoder(encoder, name).output_spec
        super().__init__(input_tensor_spec, encoder.state_spec, name)
        self._action_spec = action_spec
        self._flat_action_spec = flat_specs
        self._encoding_net = encoder
        self._squashing_func = squashing_func
        self._action_layers = nn.ModuleList(
            [
                FC(out.shape[0], spec.shape[0], kernel_initializer=last_kernel_initializer)
                for spec in flat_specs
            ]
        )
        self._bounds = [spec_means_and_magnitudes(spec) for spec in flat_specs]

    @property
    def state_spec(self) -> Nest:
        """The encoder's state spec (``()`` for a feed-forward encoder)."""
        return self._encoding_net.state_spec

    @property
    def action_spec(self) -> Nest:
        return self._action_spec

    def forward(self, observation: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        """``a_k = m_k + r_k * squash(W_k e + b_k)`` for every action leaf k (module doc)."""
        self.check_inputs(observation)  # in the dtype of the whole network
        encoded, state = self._encoding_net(observation, state)
        actions = []
        for layer, (means, magnitudes) in zip(self._action_layers, self._bounds):
            squashed = self._squashing_func(layer(encoded))
            m = torch.as_tensor(means, dtype=squashed.dtype, device=squashed.device)
            r = torch.as_tensor(magnitudes, dtype=squashed.dtype, device=squashed.device)
            actions.append(m + r * squashed)
        return pack_sequence_as(self._action_spec, actions), state


class ActorNetwork(ActorNetworkBase):
    """``ActorNetworkBase`` over an ``EncodingNetwork`` (preprocessors, combiner, conv and
    ``fc_layer_params``)."""

    def __init__(
        self,
        input_tensor_spec: Nest,
        action_spec: Nest,
        input_preprocessors: Nest | None = None,
        preprocessing_combiner: Callable | None = None,
        conv_layer_params: Any = None,
        fc_layer_params: Any = None,
        activation: Callable = torch.relu_,
        squashing_func: Callable[[torch.Tensor], torch.Tensor] = torch.tanh,
        kernel_initializer: Callable | None = None,
        name: str = "ActorNetwork",
    ):
        super().__init__(
            input_tensor_spec,
            action_spec,
            encoding_network_ctor=EncodingNetwork,
            squashing_func=squashing_func,
            name=name,
            input_preprocessors=input_preprocessors,
            preprocessing_combiner=preprocessing_combiner,
            conv_layer_params=conv_layer_params,
            fc_layer_params=fc_layer_params,
            activation=activation,
            kernel_initializer=kernel_initializer,
        )


class ActorRNNNetwork(StepUnroll, ActorNetworkBase):
    """``ActorNetworkBase`` over an ``LSTMEncodingNetwork``: ``fc_layer_params`` before the
    LSTM cells of ``lstm_hidden_size``, ``actor_fc_layer_params`` after them. ``unroll`` is
    the literal step loop."""

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
        squashing_func: Callable[[torch.Tensor], torch.Tensor] = torch.tanh,
        kernel_initializer: Callable | None = None,
        name: str = "ActorRNNNetwork",
    ):
        checks.sizes(lstm_hidden_size, f"{name} lstm_hidden_size")
        super().__init__(
            input_tensor_spec,
            action_spec,
            encoding_network_ctor=LSTMEncodingNetwork,
            squashing_func=squashing_func,
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


__all__ = ["ActorNetwork", "ActorNetworkBase", "ActorRNNNetwork"]
