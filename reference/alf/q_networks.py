"""Q networks for discrete actions (``alf.networks.q_networks``): one value per action.

For an observation x and a discrete action spec with values ``minimum .. maximum``
(``k = maximum - minimum + 1`` actions), a Q network computes

    h, s' = encoder(x, s)                  (EncodingNetwork, or LSTMEncodingNetwork)
    Q(x, a) = W h + b,   a = 0 .. k-1     (column a is the action ``minimum + a``)

The last layer is upstream's: kernel ``U(-0.003, 0.003)``, bias ``-0.2``, no activation.
``QNetwork`` uses a feed-forward encoder, ``QRNNNetwork`` an LSTM encoder (its state is the
encoder's). ``make_parallel(n)`` gives ``ParallelQNetwork``: n independently initialised
replicas whose encoder is the encoder's own parallel form (taking ``[B, ...]`` shared or
``[B, n, ...]`` inputs) and whose last layer is a ``ParallelFC``; the output is ``[B, n, k]``.
With ``use_naive_parallel_network`` it is the ``NaiveParallelNetwork`` loop instead.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from reference import checks
from reference.alf.encoding import EncodingNetwork
from reference.alf.layers import FC, Initializer
from reference.alf.network import (
    NaiveParallelNetwork,
    Network,
    _copy_arg,
    constructor_signature,
    replicate_input,
)
from reference.alf.recurrent import LSTMEncodingNetwork
from reference.alf.replicas import Replicated
from reference.alf.unroll import StepUnroll
from reference.specs import BoundedTensorSpec, Nest, TensorSpec

__all__ = ["ParallelQNetwork", "QNetwork", "QNetworkBase", "QRNNNetwork", "num_discrete_actions"]


def small_uniform(w: torch.Tensor) -> torch.Tensor:
    """Upstream's last-layer kernel initialiser: ``U(-0.003, 0.003)``."""
    return nn.init.uniform_(w, -0.003, 0.003)


def num_discrete_actions(action_spec: Any, what: str) -> int:
    """``maximum - minimum + 1`` of a single discrete ``BoundedTensorSpec`` with scalar bounds;
    anything else raises ``TypeError`` / ``ValueError`` naming what arrived."""
    if not isinstance(action_spec, BoundedTensorSpec):
        raise TypeError(
            f"{what}: expected a single discrete BoundedTensorSpec as action_spec (use a critic "
            f"network for several actions), got {type(action_spec).__name__}"
        )
    if action_spec.is_continuous:
        raise TypeError(
            f"{what}: expected a discrete (integer) action_spec, got dtype {action_spec.dtype}"
        )
    lo, hi = action_spec.minimum, action_spec.maximum
    if (lo.size != 1 and len(set(lo.flat)) != 1) or (hi.size != 1 and len(set(hi.flat)) != 1):
        raise ValueError(
            f"{what}: expected the same bounds for every element of the action, got "
            f"minimum={lo.tolist()}, maximum={hi.tolist()}"
        )
    return int(hi.flat[0]) - int(lo.flat[0]) + 1


class QNetworkBase(StepUnroll, Network):
    """``Q(x) = W encoder(x) + b`` (module doc) with any encoder constructor.

    ``encoding_network_ctor(input_tensor_spec=..., **encoder_kwargs)`` builds the encoder,
    whose output must be a vector ``[d]``; the last layer maps it to the k action values.
    """

    def __init__(
        self,
        input_tensor_spec: Nest,
        action_spec: BoundedTensorSpec,
        encoding_network_ctor: Callable,
        use_naive_parallel_network: bool = False,
        name: str = "QNetworkBase",
        **encoder_kwargs: Any,
    ):
        checks.flag(use_naive_parallel_network, f"{name} use_naive_parallel_network")
        num_actions = num_discrete_actions(action_spec, name)
        encoder = encoding_network_ctor(input_tensor_spec=input_tensor_spec, **encoder_kwargs)
        out = encoder.output_spec
        if not isinstance(out, TensorSpec) or out.ndim != 1:
            raise ValueError(
                f"{name}: expected an encoder with a vector output [d], got output_spec {out}"
            )
        super().__init__(input_tensor_spec, encoder.state_spec, name)
        self._use_naive_parallel_network = use_naive_parallel_network
        self._num_actions = num_actions
        self._encoding_net = encoder
        self._final_layer = FC(
            out.shape[0], num_actions, kernel_initializer=small_uniform, bias_init_value=-0.2
        )
        self._output_spec = TensorSpec((num_actions,))

    @property
    def state_spec(self) -> Nest:
        """The encoder's state spec (``()`` for a feed-forward encoder)."""
        return self._encoding_net.state_spec

    def forward(self, observation: Nest, state: Nest = ()) -> tuple[torch.Tensor, Nest]:
        """``([B, k] action values, new state)``; input checked first (the encoder may have no
        parameters to fix its dtype), the state by the encoder."""
        self.check_inputs(observation)
        encoded, new_state = self._encoding_net(observation, state)
        return self._final_layer(encoded), new_state

    def make_parallel(self, n: int) -> Network:
        """n independently initialised replicas: ``ParallelQNetwork``, or the naive loop
        when ``use_naive_parallel_network``."""
        checks.size(n, f"{self.name}.make_parallel n")
        if self._use_naive_parallel_network:
            return NaiveParallelNetwork(self, n)
        return ParallelQNetwork(self, n, "parallel_" + self.name)

    def copy(self, **kwargs: Any) -> Network:
        """A fresh network of the same arguments (``encoder_kwargs`` passed as keywords)."""
        if self._singleton_instance:
            return self
        args = {k: _copy_arg(v) for k, v in self.saved_args.items()}
        for p in constructor_signature(type(self)).parameters.values():
            if p.kind is inspect.Parameter.VAR_KEYWORD:
                args.update(args.pop(p.name, {}))
        args.update(kwargs)
        return type(self)(**args)


class QNetwork(QNetworkBase):
    """Q values of discrete actions on a feed-forward ``EncodingNetwork`` (module doc)."""

    def __init__(
        self,
        input_tensor_spec: TensorSpec,
        action_spec: BoundedTensorSpec,
        input_preprocessors: Nest | None = None,
        preprocessing_combiner: Callable | None = None,
        conv_layer_params: Sequence[Sequence[int]] | None = None,
        fc_layer_params: Sequence[int] | None = None,
        activation: Callable = torch.relu_,
        kernel_initializer: Initializer | None = None,
        use_naive_parallel_network: bool = False,
        name: str = "QNetwork",
    ):
        super().__init__(
            input_tensor_spec,
            action_spec,
            encoding_network_ctor=EncodingNetwork,
            use_naive_parallel_network=use_naive_parallel_network,
            name=name,
            input_preprocessors=input_preprocessors,
            preprocessing_combiner=preprocessing_combiner,
            conv_layer_params=conv_layer_params,
            fc_layer_params=fc_layer_params,
            activation=activation,
            kernel_initializer=kernel_initializer,
        )


class QRNNNetwork(QNetworkBase):
    """Q values of discrete actions on an ``LSTMEncodingNetwork``: pre FC layers
    (``fc_layer_params``), LSTM cells (``lstm_hidden_size``), post FC layers
    (``value_fc_layer_params``), then the last layer. The state is the encoder's."""

    def __init__(
        self,
        input_tensor_spec: TensorSpec,
        action_spec: BoundedTensorSpec,
        input_preprocessors: Nest | None = None,
        preprocessing_combiner: Callable | None = None,
        conv_layer_params: Sequence[Sequence[int]] | None = None,
        fc_layer_params: Sequence[int] | None = None,
        lstm_hidden_size: int | Sequence[int] = 100,
        value_fc_layer_params: Sequence[int] | None = None,
        activation: Callable = torch.relu_,
        kernel_initializer: Initializer | None = None,
        use_naive_parallel_network: bool = False,
        name: str = "QRNNNetwork",
    ):
        checks.sizes(lstm_hidden_size, f"{name} lstm_hidden_size")
        super().__init__(
            input_tensor_spec,
            action_spec,
            encoding_network_ctor=LSTMEncodingNetwork,
            use_naive_parallel_network=use_naive_parallel_network,
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


class ParallelQNetwork(Replicated, StepUnroll, Network):
    """n Q networks: ``Q_i(x) = W_i encoder_i(x) + b_i`` for i = 1..n, output ``[B, n, k]``.

    The encoders are ``q_network``'s encoder in its parallel form (input ``[B, ...]``
    shared by the replicas, or ``[B, n, ...]``), the last layers one ``ParallelFC``; every
    replica is freshly initialised. The state, if any, is ``[B, n, ...]``.
    """

    def __init__(self, q_network: QNetworkBase, n: int, name: str = "ParallelQNetwork"):
        if not isinstance(q_network, QNetworkBase):
            raise TypeError(
                f"{name}: expected a QNetworkBase to replicate, got {type(q_network).__name__}"
            )
        checks.size(n, f"{name} n")
        encoder = q_network._encoding_net.make_parallel(n, True)
        super().__init__(q_network.input_tensor_spec, encoder.state_spec, name)
        self._n = n
        self._encoding_net = encoder
        self._final_layer = q_network._final_layer.make_parallel(n)
        self._output_spec = TensorSpec((n, q_network._num_actions))
        self.set_prototype(q_network)

    @property
    def state_spec(self) -> Nest:
        """The parallel encoder's state spec."""
        return self._encoding_net.state_spec

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[torch.Tensor, Nest]:
        """``([B, n, k] action values, new state)``; a ``[B, ...]`` input is shared."""
        x = replicate_input(
            self._input_tensor_spec, inputs, self._n, f"{self.name} input", self.float_dtype()
        )
        encoded, new_state = self._encoding_net(x, state)
        return self._final_layer(encoded), new_state
