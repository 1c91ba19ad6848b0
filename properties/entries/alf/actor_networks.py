"""Catalog entries of ``alf.networks.actor_networks``: ``ActorNetworkBase``,
``ActorNetwork`` and ``ActorRNNNetwork`` (deterministic actors: encoder, one FC per action
leaf, ``tanh``, scaled into the bounds of a nest of bounded continuous action specs).

``ActorNetwork``'s parallel form is ``Network``'s default, the naive loop over ``n``
re-initialised copies (upstream gives it no other); the RNN actor's sequence cases time
``unroll`` over T = 100 steps (``benchmarks/cases/alf/actors.py``).
"""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st

from benchmarks.cases.alf import actors as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entries.alf._build import alf_kwargs
from properties.entries.alf.recurrent import SEQUENCE_KEYS, sequence
from properties.entry import BadConfig, Entry
from properties.kinds.alf_network import AlfNetwork, Parallel
from properties.specs import alf_specs
from reference.specs import BoundedTensorSpec, TensorSpec

NO_PARALLEL = (
    "Network's default make_parallel (NaiveParallelNetwork over copies): checked on "
    "alf.ActorNetwork, whose encoder is the same"
)


@st.composite
def action_specs(draw: Any) -> Any:
    """One bounded continuous action spec, or a tuple / dict of two (a nest of actions)."""
    form = draw(st.sampled_from(["single", "tuple", "dict"]))
    if form == "single":
        return draw(S.bounded_vector_specs())
    a, b = draw(S.bounded_vector_specs()), draw(S.bounded_vector_specs())
    return (a, b) if form == "tuple" else {"move": a, "turn": b}


@st.composite
def inputs(draw: Any) -> dict:
    if draw(st.booleans()):
        return {"input_tensor_spec": draw(S.vector_specs(1, 6))}
    spec, pres = draw(S.nested_inputs())
    return {
        "input_tensor_spec": spec,
        "input_preprocessors": pres,
        "preprocessing_combiner": "concat",
    }


@st.composite
def actor_configs(draw: Any) -> dict:
    return {
        **draw(inputs()),
        "action_spec": draw(action_specs()),
        "fc_layer_params": draw(S.fc_layer_params(max_layers=2)),
        "activation": draw(st.sampled_from(["relu_", "tanh"])),
        "kernel_initializer": draw(S.initializers()),
        "n": draw(st.integers(1, 3)),
    }


@st.composite
def base_configs(draw: Any) -> dict:
    return {
        "input_tensor_spec": draw(S.vector_specs(1, 6)),
        "action_spec": draw(action_specs()),
        "fc_layer_params": draw(S.fc_layer_params(max_layers=2)),
        "kernel_initializer": draw(S.initializers()),
    }


@st.composite
def rnn_configs(draw: Any) -> dict:
    hidden: Any = draw(st.one_of(S.sizes(1, 4), st.lists(S.sizes(1, 4), min_size=1, max_size=2)))
    return {
        **draw(inputs()),
        "action_spec": draw(action_specs()),
        "fc_layer_params": draw(st.one_of(st.none(), S.fc_layer_params(max_layers=1))),
        "lstm_hidden_size": hidden if isinstance(hidden, int) else tuple(hidden),
        "actor_fc_layer_params": draw(st.one_of(st.none(), S.fc_layer_params(max_layers=1))),
        "activation": draw(st.sampled_from(["relu_", "tanh"])),
        "kernel_initializer": draw(S.initializers()),
    }


def _kwargs(impl: Impl, cfg: dict) -> dict:
    return alf_kwargs(impl, cfg, drop=("n", *SEQUENCE_KEYS))


def build_actor(impl: Impl, cfg: dict) -> Any:
    return impl.alf.ActorNetwork(**_kwargs(impl, cfg))


def parallel_actor(impl: Impl, cfg: dict) -> Any:
    return build_actor(impl, cfg).make_parallel(cfg["n"])


def build_base(impl: Impl, cfg: dict) -> Any:
    return impl.alf.ActorNetworkBase(
        encoding_network_ctor=impl.alf.EncodingNetwork, **_kwargs(impl, cfg)
    )


def build_rnn(impl: Impl, cfg: dict) -> Any:
    return impl.alf.ActorRNNNetwork(**_kwargs(impl, cfg))


RNN_PARALLEL = (
    "Network's default make_parallel (NaiveParallelNetwork over copies): checked on "
    "alf.ActorNetwork and alf.NaiveParallelNetwork; its LSTM encoder's own parallel form "
    "on alf.LSTMEncodingNetwork"
)


def _bad(why: str, action: Any, error: type, match: str) -> BadConfig:
    def build(impl: Impl) -> Any:
        return impl.alf.ActorNetwork(alf_specs(impl, TensorSpec((3,))), alf_specs(impl, action))

    return BadConfig(why, build, error, match)


BAD = (
    _bad("discrete action spec", BoundedTensorSpec((), torch.int64, 0, 3), TypeError, "continuous"),
    _bad("unbounded action spec", TensorSpec((2,)), TypeError, "BoundedTensorSpec"),
    _bad("2-D action spec", BoundedTensorSpec((2, 2), torch.float32, -1.0, 1.0), ValueError, "1-D"),
)


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.ActorNetworkBase",
            AlfNetwork(),
            base_configs,
            build_base,
            left_out={"parallel": NO_PARALLEL},
            bad_configs=BAD,
        ),
        Entry(
            "alf.ActorNetwork",
            AlfNetwork(parallel=Parallel(parallel_actor, build_actor)),
            actor_configs,
            build_actor,
            bad_configs=BAD,
            bench=cases.actor_bench(),
        ),
        Entry(
            "alf.ActorRNNNetwork",
            AlfNetwork(stateful=True, sequence=sequence),
            rnn_configs,
            build_rnn,
            left_out={"parallel": RNN_PARALLEL},
            bad_configs=BAD,
            bench=cases.actor_rnn_bench(),
            config_ranges={"lstm_hidden_size": "positive"},
        ),
    ]
