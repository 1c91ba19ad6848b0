"""Critic networks: the action-value ``Q(o, a)`` of ALF's ``CriticNetwork`` and
``CriticRNNNetwork``.

For an observation ``o`` and an action ``a`` the critic computes

    e_o = obs_encoder(o)            (preprocessors, combiner, conv, observation FC layers)
    e_a = action_encoder(a)         (preprocessors, combiner, action FC layers)
    h   = combiner(e_o, e_a)        (``NestConcat`` along the last dim by default)
    h   <- act(W_j h + b_j)         for each size in ``joint_fc_layer_params``
    Q   = reshape(W h + b, output_tensor_spec.shape)

``CriticRNNNetwork`` puts ``lstm_hidden_size`` LSTM cells and ``critic_fc_layer_params``
between the joint layers and the last one, so that ``Q`` depends on the history as well.

Both encoders are the first member of the body: an ``EncodingNetwork`` whose input
preprocessors are ``(obs_encoder, action_encoder)``, which fixes upstream's state_dict keys
(``_nets.0._nets.0.*`` for the observation encoder, ``_nets.0._nets.1.*`` for the action
encoder). Initialisers follow ALF: every layer but the last uses variance scaling with gain
``sqrt(1/3)`` on the fan-in, uniform (``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``); the last
layer is ``U(-0.003, 0.003)``.

Discrete action leaves are accepted only with an action preprocessor (an embedding) for
them; several action leaves need an ``action_preprocessing_combiner``. ALF asserts both;
here they are ``TypeError`` / ``ValueError`` at construction.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import torch

from reference import checks
from reference.alf.encoding import EncodingNetwork
from reference.alf.initializers import identity, variance_scaling_init
from reference.alf.layers import Initializer
from reference.alf.nest_utils import NestConcat
from reference.alf.network import NaiveParallelNetwork, Network
from reference.alf.recurrent import LSTMEncodingNetwork
from reference.specs import Nest, TensorSpec, flatten, map_structure_up_to

#: ALF's critic kernels: variance scaling, gain sqrt(1/3), fan-in, uniform.
DEFAULT_KERNEL_INITIALIZER = functools.partial(
    variance_scaling_init, gain=math.sqrt(1.0 / 3), distribution="uniform"
)
#: The default output: one scalar value per batch row.
SCALAR = TensorSpec(())
#: ALF's last critic layer: U(-0.003, 0.003).
LAST_KERNEL_INITIALIZER = functools.partial(torch.nn.init.uniform_, a=-0.003, b=0.003)


def split_critic_spec(input_tensor_spec: object, name: str) -> tuple[Nest, Nest]:
    """``(observation_spec, action_spec)`` of a critic's input spec, or a clear error."""
    if not isinstance(input_tensor_spec, tuple) or len(input_tensor_spec) != 2:
        raise TypeError(
            f"{name}: input_tensor_spec must be a tuple (observation_spec, action_spec), "
            f"got {input_tensor_spec!r}"
        )
    return input_tensor_spec[0], input_tensor_spec[1]


def check_action_specs(
    action_spec: Nest,
    action_input_processors: Nest | None,
    action_preprocessing_combiner: Callable | None,
    name: str,
) -> None:
    """A critic's action encoder needs continuous actions (or a preprocessor for each
    discrete leaf), and a combiner when there are several action leaves."""
    if len(flatten(action_spec)) > 1 and action_preprocessing_combiner is None:
        raise ValueError(
            f"{name}: {len(flatten(action_spec))} action specs need an "
            "action_preprocessing_combiner, got None"
        )

    def one(spec: TensorSpec, processor: object) -> None:
        if spec.is_discrete and processor is None:
            raise TypeError(
                f"{name}: expected continuous action specs (a discrete one needs an "
                f"action_input_processors entry that embeds it), got {spec}; use a QNetwork "
                "for discrete actions"
            )

    if action_input_processors is None:
        for spec in flatten(action_spec):
            one(spec, None)
    else:
        map_structure_up_to(action_spec, one, action_spec, action_input_processors)


def check_output_spec(output_tensor_spec: object, name: str) -> TensorSpec:
    if not isinstance(output_tensor_spec, TensorSpec):
        raise TypeError(
            f"{name}: output_tensor_spec must be a TensorSpec, got "
            f"{type(output_tensor_spec).__name__}"
        )
    return output_tensor_spec


class CriticNetwork(EncodingNetwork):
    """``Q(o, a)`` of a feed-forward critic (module doc for the formula).

    ``make_parallel(n)``: n independently initialised critics over ``[B, n, ...]`` (or shared
    ``[B, ...]``) inputs, output ``[B, n, *output_shape]``; with
    ``use_naive_parallel_network`` the ``NaiveParallelNetwork`` loop over n copies (state_dict
    ``_networks.<i>.*``), else the parallel stack (state_dict ``_pnet.*`` with a leading n).
    """

    def __init__(
        self,
        input_tensor_spec: Nest,
        output_tensor_spec: TensorSpec = SCALAR,
        observation_input_processors: Nest | None = None,
        observation_preprocessing_combiner: Callable | None = None,
        observation_conv_layer_params: Sequence[Sequence[int]] | None = None,
        observation_fc_layer_params: Sequence[int] | None = None,
        action_input_processors: Nest | None = None,
        action_preprocessing_combiner: Callable | None = None,
        action_fc_layer_params: Sequence[int] | None = None,
        observation_action_combiner: Callable | None = None,
        joint_fc_layer_params: Sequence[int] | None = None,
        activation: Callable = torch.relu_,
        kernel_initializer: Initializer | None = None,
        use_fc_bn: bool = False,
        use_naive_parallel_network: bool = False,
        name: str = "CriticNetwork",
    ):
        checks.flag(use_naive_parallel_network, f"{name} use_naive_parallel_network")
        output_tensor_spec = check_output_spec(output_tensor_spec, name)
        if kernel_initializer is None:
            kernel_initializer = DEFAULT_KERNEL_INITIALIZER
        observation_spec, action_spec = split_critic_spec(input_tensor_spec, name)
        obs_encoder = EncodingNetwork(
            observation_spec,
            input_preprocessors=observation_input_processors,
            preprocessing_combiner=observation_preprocessing_combiner,
            conv_layer_params=observation_conv_layer_params,
            fc_layer_params=observation_fc_layer_params,
            activation=activation,
            kernel_initializer=kernel_initializer,
            use_fc_bn=use_fc_bn,
            name=name + ".obs_encoder",
        )
        check_action_specs(
            action_spec, action_input_processors, action_preprocessing_combiner, name
        )
        action_encoder = EncodingNetwork(
            action_spec,
            input_preprocessors=action_input_processors,
            preprocessing_combiner=action_preprocessing_combiner,
            fc_layer_params=action_fc_layer_params,
            activation=activation,
            kernel_initializer=kernel_initializer,
            use_fc_bn=use_fc_bn,
            name=name + ".action_encoder",
        )
        super().__init__(
            input_tensor_spec,
            output_tensor_spec,
            input_preprocessors=(obs_encoder, action_encoder),
            preprocessing_combiner=observation_action_combiner or NestConcat(dim=-1),
            fc_layer_params=joint_fc_layer_params,
            activation=activation,
            kernel_initializer=kernel_initializer,
            use_fc_bn=use_fc_bn,
            last_layer_size=output_tensor_spec.numel,
            last_activation=identity,
            last_kernel_initializer=LAST_KERNEL_INITIALIZER,
            name=name,
        )
        self._use_naive_parallel_network = bool(use_naive_parallel_network)

    def make_parallel(self, n: int) -> Network:  # type: ignore[override]
        """n replicas: the naive loop with ``use_naive_parallel_network``, else the parallel
        stack that also takes a shared ``[B, ...]`` input."""
        if self._use_naive_parallel_network:
            return NaiveParallelNetwork(self, n)
        return super().make_parallel(n, allow_non_parallel_input=True)


class CriticRNNNetwork(LSTMEncodingNetwork):
    """``Q(o, a | history)``: the critic's encoders and joint layers, then LSTM cells of
    ``lstm_hidden_size``, ``critic_fc_layer_params`` and the last layer (module doc). The
    state is the ``LSTMEncodingNetwork``'s. ``make_parallel(n)`` is that network's parallel
    form, which also takes a shared ``[B, ...]`` input."""

    def __init__(
        self,
        input_tensor_spec: Nest,
        output_tensor_spec: TensorSpec = SCALAR,
        observation_input_processors: Nest | None = None,
        observation_preprocessing_combiner: Callable | None = None,
        observation_conv_layer_params: Sequence[Sequence[int]] | None = None,
        observation_fc_layer_params: Sequence[int] | None = None,
        action_input_processors: Nest | None = None,
        action_preprocessing_combiner: Callable | None = None,
        action_fc_layer_params: Sequence[int] | None = None,
        joint_fc_layer_params: Sequence[int] | None = None,
        lstm_hidden_size: int | Sequence[int] = 100,
        critic_fc_layer_params: Sequence[int] | None = None,
        activation: Callable = torch.relu_,
        kernel_initializer: Initializer | None = None,
        name: str = "CriticRNNNetwork",
    ):
        checks.sizes(lstm_hidden_size, f"{name} lstm_hidden_size")
        output_tensor_spec = check_output_spec(output_tensor_spec, name)
        if kernel_initializer is None:
            kernel_initializer = DEFAULT_KERNEL_INITIALIZER
        observation_spec, action_spec = split_critic_spec(input_tensor_spec, name)
        obs_encoder = EncodingNetwork(
            observation_spec,
            input_preprocessors=observation_input_processors,
            preprocessing_combiner=observation_preprocessing_combiner,
            conv_layer_params=observation_conv_layer_params,
            fc_layer_params=observation_fc_layer_params,
            activation=activation,
            kernel_initializer=kernel_initializer,
        )
        check_action_specs(
            action_spec, action_input_processors, action_preprocessing_combiner, name
        )
        action_encoder = EncodingNetwork(
            action_spec,
            input_preprocessors=action_input_processors,
            preprocessing_combiner=action_preprocessing_combiner,
            fc_layer_params=action_fc_layer_params,
            activation=activation,
            kernel_initializer=kernel_initializer,
        )
        super().__init__(
            input_tensor_spec,
            output_tensor_spec,
            input_preprocessors=(obs_encoder, action_encoder),
            preprocessing_combiner=NestConcat(dim=-1),
            pre_fc_layer_params=joint_fc_layer_params,
            hidden_size=lstm_hidden_size,
            post_fc_layer_params=critic_fc_layer_params,
            activation=activation,
            kernel_initializer=kernel_initializer,
            last_layer_size=output_tensor_spec.numel,
            last_activation=identity,
            last_kernel_initializer=LAST_KERNEL_INITIALIZER,
            name=name,
        )

    def make_parallel(self, n: int) -> Network:  # type: ignore[override]
        """n replicas of the recurrent critic; a shared ``[B, ...]`` input is accepted."""
        return super().make_parallel(n, allow_non_parallel_input=True)


__all__ = ["CriticNetwork", "CriticRNNNetwork"]
