"""Catalog entries of ``alf.networks.value_networks``: ValueNetworkBase, ValueNetwork,
ValueRNNNetwork and ParallelValueNetwork.

Configs draw the observation (a vector, an image with conv layers, or a nest with
preprocessors and a combiner), the encoder's layers, an output of shape ``()`` or
``(k,)`` and a replica count ``n`` (``make_parallel(n)``, a ``ParallelValueNetwork``).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from benchmarks.cases.alf import value_networks as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entries.alf._build import alf_kwargs
from properties.entries.alf.recurrent import SEQUENCE_KEYS, sequence
from properties.entry import BadConfig, Entry
from properties.kinds.alf_network import AlfNetwork, Parallel
from properties.specs import alf_specs
from reference.specs import TensorSpec, flatten


@st.composite
def _observation(draw: Any, allow_conv: bool) -> dict:
    kind = draw(st.sampled_from(["flat", "image", "nested"] if allow_conv else ["flat", "nested"]))
    if kind == "flat":
        return {"input_tensor_spec": draw(S.vector_specs(1, 8))}
    if kind == "image":
        spec, convs, _ = draw(S.image_and_convs(max_layers=1, allow_same_padding=False))
        return {"input_tensor_spec": spec, "conv_layer_params": convs}
    spec, pres = draw(S.nested_inputs())
    return {
        "input_tensor_spec": spec,
        "input_preprocessors": pres,
        "preprocessing_combiner": "concat",
    }


def _has_float(obs: dict) -> bool:
    return any(s.is_continuous for s in flatten(obs["input_tensor_spec"]))


def _output(draw: Any) -> dict:
    if draw(st.booleans()):
        return {"output_tensor_spec": TensorSpec((draw(S.sizes(1, 3)),))}
    return {}


@st.composite
def value_configs(draw: Any, base: bool = False) -> dict:
    cfg: dict[str, Any] = {
        **draw(_observation(True)),
        "fc_layer_params": draw(S.fc_layer_params(2)),
        "activation": draw(st.sampled_from(["relu_", "tanh", "elu"])),
        "kernel_initializer": draw(S.initializers()),
        **_output(draw),
    }
    cfg["use_fc_bn"] = draw(st.booleans()) and bool(cfg["fc_layer_params"])
    if base:
        cfg.setdefault("output_tensor_spec", TensorSpec(()))
    cfg["n"] = draw(st.integers(1, 3))
    return cfg


@st.composite
def value_rnn_configs(draw: Any) -> dict:
    return {
        # a floating leaf: the kind's initial state takes the inputs' floating dtype
        **draw(_observation(False).filter(_has_float)),
        "fc_layer_params": draw(st.one_of(st.none(), S.fc_layer_params(1))),
        "lstm_hidden_size": draw(
            st.one_of(
                st.integers(1, 4), st.lists(st.integers(1, 4), min_size=1, max_size=2).map(tuple)
            )
        ),
        "value_fc_layer_params": draw(st.one_of(st.none(), S.fc_layer_params(1))),
        "activation": draw(st.sampled_from(["relu_", "tanh"])),
        "kernel_initializer": draw(S.initializers()),
        **_output(draw),
        "n": draw(st.integers(1, 3)),
    }


def _kwargs(impl: Impl, cfg: dict) -> dict:
    return alf_kwargs(impl, cfg, drop=("n", *SEQUENCE_KEYS))


def build_value(impl: Impl, cfg: dict) -> Any:
    return impl.alf.ValueNetwork(**_kwargs(impl, cfg))


def build_value_base(impl: Impl, cfg: dict) -> Any:
    kw = _kwargs(impl, cfg)
    spec, out = kw.pop("input_tensor_spec"), kw.pop("output_tensor_spec")
    return impl.alf.ValueNetworkBase(spec, out, impl.alf.EncodingNetwork, **kw)


def build_value_rnn(impl: Impl, cfg: dict) -> Any:
    return impl.alf.ValueRNNNetwork(**_kwargs(impl, cfg))


def build_parallel_value(impl: Impl, cfg: dict) -> Any:
    return impl.alf.ParallelValueNetwork(build_value(impl, cfg), cfg["n"])


#: ALF's default initialisers (xavier uniform, U(-0.03, 0.03) last) with replicas: the
#: init property checks it in every profile.
VALUE_EXAMPLE = {
    "input_tensor_spec": TensorSpec((12,)),
    "fc_layer_params": (6, 5),
    "activation": "relu_",
    "kernel_initializer": None,
    "n": 3,
}


_BAD = (
    BadConfig(
        "output_tensor_spec that is not a TensorSpec",
        lambda impl: impl.alf.ValueNetwork(alf_specs(impl, TensorSpec((3,))), (3,)),
        TypeError,
        "output_tensor_spec",
    ),
    BadConfig(
        "nested input without combiner",
        lambda impl: impl.alf.ValueNetwork(
            alf_specs(impl, (TensorSpec((3,)), TensorSpec((2,)))), fc_layer_params=(4,)
        ),
        ValueError,
        "combiner",
    ),
)

_PARALLEL_BAD = (
    BadConfig(
        "non-positive n",
        lambda impl: impl.alf.ParallelValueNetwork(
            impl.alf.ValueNetwork(alf_specs(impl, TensorSpec((3,)))), 0
        ),
        ValueError,
        "n",
    ),
)


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.ValueNetworkBase",
            AlfNetwork(parallel=Parallel.made_parallel(build_value_base)),
            lambda: value_configs(base=True),
            build_value_base,
            bad_configs=(
                BadConfig(
                    "encoding_network_ctor that is not callable",
                    lambda impl: impl.alf.ValueNetworkBase(
                        alf_specs(impl, TensorSpec((3,))), alf_specs(impl, TensorSpec(())), 3
                    ),
                    TypeError,
                    "encoding_network_ctor",
                ),
            ),
            examples=({**VALUE_EXAMPLE, "output_tensor_spec": TensorSpec(())},),
            config_ranges={"use_fc_bn": "flag"},
        ),
        Entry(
            "alf.ValueNetwork",
            AlfNetwork(parallel=Parallel.made_parallel(build_value)),
            value_configs,
            build_value,
            bad_configs=_BAD,
            examples=(VALUE_EXAMPLE,),
            bench=cases.value_bench(parallel=False),
            config_ranges={"use_fc_bn": "flag"},
        ),
        Entry(
            "alf.ValueRNNNetwork",
            AlfNetwork(
                parallel=Parallel.made_parallel(build_value_rnn), stateful=True, sequence=sequence
            ),
            value_rnn_configs,
            build_value_rnn,
            bench=cases.value_rnn_bench(),
            config_ranges={"lstm_hidden_size": "positive"},
        ),
        Entry(
            "alf.ParallelValueNetwork",
            AlfNetwork(
                outer=lambda cfg, batch: (batch, cfg["n"]),
                result_outer=lambda cfg, batch: (batch,),
                parallel=Parallel(build_parallel_value, build_value),
            ),
            value_configs,
            build_parallel_value,
            bad_configs=_PARALLEL_BAD,
            examples=(VALUE_EXAMPLE,),
            bench=cases.value_bench(parallel=True),
            config_ranges={"use_fc_bn": "flag", "n": "positive"},
        ),
    ]
