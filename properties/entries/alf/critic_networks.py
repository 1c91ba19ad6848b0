"""Catalog entries of ``alf.networks.critic_networks``: CriticNetwork and CriticRNNNetwork.

Configs draw the observation (a vector, an image with conv layers, or a nest with
preprocessors and a combiner), the action (a bounded continuous vector, or a nest of a
continuous vector and an embedded discrete action with an action combiner), the encoder,
joint and (for the RNN critic) LSTM and post layers, an output of shape ``()`` or ``(k,)``,
and a replica count ``n`` for ``make_parallel`` (the naive loop or the parallel stack).
"""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st

from benchmarks.cases.alf import critic_networks as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entries.alf._build import alf_kwargs, preprocessor
from properties.entries.alf.recurrent import SEQUENCE_KEYS, sequence
from properties.entry import BadConfig, Entry
from properties.kinds.alf_network import AlfNetwork, Parallel
from properties.specs import alf_specs
from reference.specs import BoundedTensorSpec, TensorSpec, map_structure

#: Config keys that are processor nests of the observation / action parts of the input.
_PROCESSORS = {"observation_input_processors": 0, "action_input_processors": 1}
_COMBINERS = (
    "observation_preprocessing_combiner",
    "action_preprocessing_combiner",
    "observation_action_combiner",
)


@st.composite
def observations(draw: Any, allow_conv: bool = True) -> dict:
    """An observation spec with what its encoder needs (processors, combiner, convs)."""
    kind = draw(st.sampled_from(["flat", "image", "nested"] if allow_conv else ["flat", "nested"]))
    if kind == "flat":
        return {"spec": draw(S.vector_specs(1, 8))}
    if kind == "image":
        spec, convs, _ = draw(S.image_and_convs(max_layers=1, allow_same_padding=False))
        return {"spec": spec, "observation_conv_layer_params": convs}
    spec, pres = draw(S.nested_inputs())
    return {
        "spec": spec,
        "observation_input_processors": pres,
        "observation_preprocessing_combiner": "concat",
    }


@st.composite
def bounded_actions(draw: Any) -> BoundedTensorSpec:
    """A bounded float32 action vector whose bounds are float32 numbers (as every
    implementation stores them)."""
    lo = draw(st.floats(-5, 4, width=32))
    hi = float(torch.tensor(lo + draw(st.floats(0.5, 5, width=32)), dtype=torch.float32))
    return BoundedTensorSpec((draw(S.sizes(1, 6)),), torch.float32, lo, hi)


@st.composite
def actions(draw: Any) -> dict:
    """A bounded continuous action, or (continuous, embedded discrete from 0, as in
    ``S.nested_inputs``) with a combiner."""
    continuous = draw(bounded_actions())
    if draw(st.integers(0, 3)) > 0:
        return {"spec": continuous}
    return {
        "spec": (continuous, draw(S.discrete_specs(zero_based=True))),
        "action_input_processors": (None, f"embed:{draw(S.sizes(1, 4))}"),
        "action_preprocessing_combiner": "concat",
    }


def _critic_common(draw: Any, allow_conv: bool) -> dict:
    obs = draw(observations(allow_conv))
    act = draw(actions())
    cfg: dict[str, Any] = {
        "input_tensor_spec": (obs.pop("spec"), act.pop("spec")),
        **obs,
        **act,
        "observation_fc_layer_params": draw(st.one_of(st.none(), S.fc_layer_params(1))),
        "action_fc_layer_params": draw(st.one_of(st.none(), S.fc_layer_params(1))),
        "joint_fc_layer_params": draw(S.fc_layer_params(2)),
        "activation": draw(st.sampled_from(["relu_", "tanh", "elu"])),
        "kernel_initializer": draw(S.initializers()),
    }
    if draw(st.booleans()):
        cfg["output_tensor_spec"] = TensorSpec((draw(S.sizes(1, 3)),))
    return cfg


@st.composite
def critic_configs(draw: Any) -> dict:
    cfg = _critic_common(draw, allow_conv=True)
    cfg["use_fc_bn"] = draw(st.booleans()) and bool(cfg["joint_fc_layer_params"])
    cfg["use_naive_parallel_network"] = draw(st.booleans())
    cfg["n"] = draw(st.integers(1, 3))
    return cfg


@st.composite
def critic_rnn_configs(draw: Any) -> dict:
    cfg = _critic_common(draw, allow_conv=False)
    cfg["lstm_hidden_size"] = draw(
        st.one_of(st.integers(1, 4), st.lists(st.integers(1, 4), min_size=1, max_size=2).map(tuple))
    )
    cfg["critic_fc_layer_params"] = draw(st.one_of(st.none(), S.fc_layer_params(1)))
    cfg["n"] = draw(st.integers(1, 3))
    return cfg


def critic_kwargs(impl: Impl, cfg: dict) -> dict:
    """Constructor arguments of a critic config: processors per input part, combiners,
    activation and initializer names resolved, specs in the implementation's classes."""
    kw = alf_kwargs(impl, cfg, drop=("n", *SEQUENCE_KEYS, *_PROCESSORS, *_COMBINERS))
    for key, part in _PROCESSORS.items():
        if key in cfg:
            kw[key] = map_structure(
                lambda name, spec: preprocessor(impl, name, spec),
                cfg[key],
                cfg["input_tensor_spec"][part],
            )
    for key in _COMBINERS:
        if cfg.get(key) == "concat":
            kw[key] = impl.alf.NestConcat()
    return kw


def build_critic(impl: Impl, cfg: dict) -> Any:
    return impl.alf.CriticNetwork(**critic_kwargs(impl, cfg))


def parallel_critic(impl: Impl, cfg: dict) -> Any:
    return build_critic(impl, cfg).make_parallel(cfg["n"])


def build_critic_rnn(impl: Impl, cfg: dict) -> Any:
    return impl.alf.CriticRNNNetwork(**critic_kwargs(impl, cfg))


def parallel_critic_rnn(impl: Impl, cfg: dict) -> Any:
    return build_critic_rnn(impl, cfg).make_parallel(cfg["n"])


#: ALF's default initialisers (variance scaling on the fan-in, U(-0.003, 0.003) last), an
#: action encoder and replicas: the init property checks it in every profile.
CRITIC_EXAMPLE = {
    "input_tensor_spec": (TensorSpec((12,)), BoundedTensorSpec((3,), torch.float32, -1.0, 1.0)),
    "observation_fc_layer_params": (5,),
    "action_fc_layer_params": (4,),
    "joint_fc_layer_params": (6,),
    "activation": "relu_",
    "kernel_initializer": None,
    "use_naive_parallel_network": False,
    "n": 3,
}


_OBS, _ACT = TensorSpec((3,)), BoundedTensorSpec((2,), torch.float32, -1.0, 1.0)
_DISCRETE = BoundedTensorSpec((), torch.int64, 0, 3)


def _bad(ctor: str) -> tuple[BadConfig, ...]:
    def net(impl: Impl, spec: Any, **kw: Any) -> Any:
        return getattr(impl.alf, ctor)(alf_specs(impl, spec), **kw)

    return (
        BadConfig(
            "discrete action without an action preprocessor",
            lambda impl: net(impl, (_OBS, _DISCRETE), joint_fc_layer_params=(4,)),
            TypeError,
            "continuous",
        ),
        BadConfig(
            "two action specs without an action combiner",
            lambda impl: net(impl, (_OBS, (_ACT, _ACT)), joint_fc_layer_params=(4,)),
            ValueError,
            "action_preprocessing_combiner",
        ),
        BadConfig(
            "input_tensor_spec that is not an (observation, action) pair",
            lambda impl: net(impl, _OBS, joint_fc_layer_params=(4,)),
            TypeError,
            "observation_spec",
        ),
    )


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.CriticNetwork",
            AlfNetwork(parallel=Parallel(parallel_critic, build_critic)),
            critic_configs,
            build_critic,
            bad_configs=_bad("CriticNetwork"),
            examples=(CRITIC_EXAMPLE, {**CRITIC_EXAMPLE, "use_naive_parallel_network": True}),
            bench=cases.critic_bench(),
            config_ranges={"use_fc_bn": "flag", "use_naive_parallel_network": "flag"},
        ),
        Entry(
            "alf.CriticRNNNetwork",
            AlfNetwork(
                parallel=Parallel(parallel_critic_rnn, build_critic_rnn),
                stateful=True,
                sequence=sequence,
            ),
            critic_rnn_configs,
            build_critic_rnn,
            bad_configs=_bad("CriticRNNNetwork"),
            bench=cases.critic_rnn_bench(),
            config_ranges={"lstm_hidden_size": "positive"},
        ),
    ]
