"""Value networks: the state value ``V(o)`` of ALF's ``ValueNetworkBase``, ``ValueNetwork``,
``ValueRNNNetwork`` and ``ParallelValueNetwork``.

A value network is an encoding network whose last layer has ``output_tensor_spec.numel``
units and no activation, its output reshaped to ``[B, *output_tensor_spec.shape]``:

    V(o) = reshape(W enc(o) + b, output_tensor_spec.shape)

``ValueNetwork`` encodes with an ``EncodingNetwork`` (preprocessors, conv, FC layers),
``ValueRNNNetwork`` with an ``LSTMEncodingNetwork`` (FC layers, LSTM cells of
``lstm_hidden_size``, ``value_fc_layer_params``), so its value depends on the history and
its state is the LSTM network's. ``ValueNetworkBase(input_tensor_spec, output_tensor_spec,
encoding_network_ctor, **encoder_kwargs)`` takes any encoder constructor.

Initialisers follow ALF: hidden kernels ``xavier_uniform_`` unless ``kernel_initializer`` is
given; the last layer ``U(-0.03, 0.03)``. The encoder is registered as ``_encoding_net``
(upstream's state_dict keys).

``ParallelValueNetwork(value_network, n)`` holds ``n`` independently initialised replicas:
the encoder's ``make_parallel(n, allow_non_parallel_input=True)`` (state_dict
``_encoding_net._pnet.*``, a leading n on every parameter); its output is
``[B, n, *output_shape]``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import torch

from reference import checks
from reference.alf.encoding import EncodingNetwork
from reference.alf.initializers import identity
from reference.alf.layers import Initializer
from reference.alf.network import Network
from reference.alf.recurrent import LSTMEncodingNetwork
from reference.alf.unroll import step_unroll
from reference.specs import Nest, TensorSpec

#: The default output: one scalar value per batch row.
SCALAR = TensorSpec(())
#: ALF's last value layer: U(-0.03, 0.03).
LAST_KERNEL_INITIALIZER = functools.partial(torch.nn.init.uniform_, a=-0.03, b=0.03)


def _check_output_spec(output_tensor_spec: object, name: str) -> TensorSpec:
    if not isinstance(output_tensor_spec, TensorSpec):
        raise TypeError(
            f"{name}: output_tensor_spec must be a TensorSpec, got "
            f"{type(output_tensor_spec).__name__}"
        )
    return output_tensor_spec


class ValueNetworkBase(Network):
    """``V(o) = reshape(encoding_network_ctor(...)(o), output_shape)`` (module doc).

    ``encoding_network_ctor`` is called with ``input_tensor_spec``, ``last_layer_size =
    output_tensor_spec.numel``, an identity last activation, the ``U(-0.03, 0.03)`` last
    initialiser and ``encoder_kwargs`` (``kernel_initializer`` defaults to
    ``xavier_uniform_``).
    """

    def __init__(
        self,
        input_tensor_spec: Nest,
        output_tensor_spec: TensorSpec,
        encoding_network_ctor: Callable[..., Network],
        name: str = "ValueNetworkBase",
        **encoder_kwargs: Any,
    ):
        output_tensor_spec = _check_output_spec(output_tensor_spec, name)
        if not callable(encoding_network_ctor):
            raise TypeError(
                f"{name}: encoding_network_ctor must be callable, got "
                f"{type(encoding_network_ctor).__name__}"
            )
        super().__init__(input_tensor_spec, (), name)
        if encoder_kwargs.get("kernel_initializer") is None:
            encoder_kwargs["kernel_initializer"] = torch.nn.init.xavier_uniform_
        self._encoding_net = encoding_network_ctor(
            input_tensor_spec=input_tensor_spec,
            last_layer_size=output_tensor_spec.numel,
            last_activation=identity,
            last_kernel_initializer=LAST_KERNEL_INITIALIZER,
            **encoder_kwargs,
        )
        self._state_spec = self._encoding_net.state_spec
        self._output_spec = output_tensor_spec
        self._value_shape = tuple(output_tensor_spec.shape)

    def forward(self, observation: Nest, state: Nest = ()) -> tuple[torch.Tensor, Nest]:
        """``(V(o) [B, *output_shape], new state)``; the state is the encoder's."""
        value, state = self._encoding_net(observation, state)
        return value.reshape(value.shape[0], *self._value_shape), state

    def unroll(
        self, inputs: Nest, state: Nest, first_step: torch.Tensor
    ) -> tuple[torch.Tensor, Nest]:
        """The literal step loop over ``self(x_t, state)`` with episode resets."""
        return step_unroll(self, inputs, state, first_step, f"{self.name}.unroll")

    def make_parallel(self, n: int) -> Network:
        """A ``ParallelValueNetwork`` of n replicas of this network."""
        return ParallelValueNetwork(self, n, "parallel_" + self.name)


class ValueNetwork(ValueNetworkBase):
    """``V(o)`` through a feed-forward ``EncodingNetwork`` (module doc)."""

    def __init__(
        self,
        input_tensor_spec: Nest,
        output_tensor_spec: TensorSpec = SCALAR,
        input_preprocessors: Nest | None = None,
        preprocessing_combiner: Callable | None = None,
        conv_layer_params: Sequence[Sequence[int]] | None = None,
        fc_layer_params: Sequence[int] | None = None,
        activation: Callable = torch.relu_,
        kernel_initializer: Initializer | None = None,
        use_fc_bn: bool = False,
        name: str = "ValueNetwork",
    ):
        super().__init__(
            input_tensor_spec,
            output_tensor_spec,
            encoding_network_ctor=EncodingNetwork,
            name=name,
            input_preprocessors=input_preprocessors,
            preprocessing_combiner=preprocessing_combiner,
            conv_layer_params=conv_layer_params,
            fc_layer_params=fc_layer_params,
            activation=activation,
            kernel_initializer=kernel_initializer,
            use_fc_bn=use_fc_bn,
        )


class ValueRNNNetwork(ValueNetworkBase):
    """``V(o | history)`` through an ``LSTMEncodingNetwork`` (module doc)."""

    def __init__(
        self,
        input_tensor_spec: Nest,
        output_tensor_spec: TensorSpec = SCALAR,
        input_preprocessors: Nest | None = None,
        preprocessing_combiner: Callable | None = None,
        conv_layer_params: Sequence[Sequence[int]] | None = None,
        fc_layer_params: Sequence[int] | None = None,
        lstm_hidden_size: int | Sequence[int] = 100,
        value_fc_layer_params: Sequence[int] | None = None,
        activation: Callable = torch.relu_,
        kernel_initializer: Initializer | None = None,
        name: str = "ValueRNNNetwork",
    ):
        checks.sizes(lstm_hidden_size, f"{name} lstm_hidden_size")
        super().__init__(
            input_tensor_spec=input_tensor_spec,
            output_tensor_spec=output_tensor_spec,
            encoding_network_ctor=LSTMEncodingNetwork,
            name=name,
            input_preprocessors=input_preprocessors,
            preprocessing_combiner=preprocessing_combiner,
            conv_layer_params=conv_layer_params,
            pre_fc_layer_params=fc_layer_params,
            hidden_size=lstm_hidden_size,
            post_fc_layer_params=value_fc_layer_params,
            activation=activation,
            kernel_initializer=kernel_initializer,
        )


class ParallelValueNetwork(Network):
    """n replicas of ``value_network``, each initialised afresh (module doc). Input
    ``[B, ...]`` (shared) or ``[B, n, ...]``; output ``[B, n, *output_shape]``."""

    def __init__(self, value_network: ValueNetworkBase, n: int, name: str = "ParallelValueNetwork"):
        if not isinstance(value_network, ValueNetworkBase):
            raise TypeError(
                f"{name}: value_network must be a ValueNetworkBase, got "
                f"{type(value_network).__name__}"
            )
        checks.size(n, f"{name} n")
        super().__init__(value_network.input_tensor_spec, (), name)
        encoder: Any = value_network._encoding_net  # an encoding network: make_parallel(n, True)
        self._encoding_net = encoder.make_parallel(n, allow_non_parallel_input=True)
        self._state_spec = self._encoding_net.state_spec
        self._value_shape = (n, *value_network._value_shape)
        self._output_spec = TensorSpec(self._value_shape)

    def forward(self, observation: Nest, state: Nest = ()) -> tuple[torch.Tensor, Nest]:
        """``(values [B, n, *output_shape], new state)``."""
        value, state = self._encoding_net(observation, state)
        return value.reshape(value.shape[0], *self._value_shape), state

    def unroll(
        self, inputs: Nest, state: Nest, first_step: torch.Tensor
    ) -> tuple[torch.Tensor, Nest]:
        """The literal step loop over ``self(x_t, state)`` with episode resets."""
        return step_unroll(self, inputs, state, first_step, f"{self.name}.unroll")


__all__ = ["ParallelValueNetwork", "ValueNetwork", "ValueNetworkBase", "ValueRNNNetwork"]
