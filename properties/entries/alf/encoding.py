"""Catalog entries of ``alf.networks.encoding_networks``: EncodingNetwork,
ParallelEncodingNetwork, ImageEncodingNetwork."""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st

from benchmarks.cases.alf import encoding as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entries.alf._build import alf_kwargs
from properties.entry import BadConfig, Entry
from properties.kinds.alf_network import AlfNetwork, Parallel
from properties.specs import alf_specs
from reference.specs import TensorSpec


@st.composite
def encoding_configs(draw: Any, allow_preprocessors: bool = True, with_n: bool = True) -> dict:
    """Configs of EncodingNetwork: flat, image or nested input, FC stack, last layer,
    batch norm, output reshape, and a replica count ``n``."""
    cfg: dict[str, Any] = {
        "activation": draw(S.activations()),
        "kernel_initializer": draw(S.initializers()),
    }
    kind = draw(S.variants("input", ["flat", "image", "nested"]))
    if kind == "nested" and not allow_preprocessors:
        kind = "flat"
    if kind == "flat":
        cfg["input_tensor_spec"] = draw(S.vector_specs())
    elif kind == "image":
        spec, convs, _ = draw(S.image_and_convs(allow_same_padding=False))
        cfg["input_tensor_spec"], cfg["conv_layer_params"] = spec, convs
    else:
        spec, pres = draw(S.nested_inputs())
        cfg["input_tensor_spec"], cfg["input_preprocessors"] = spec, pres
        cfg["preprocessing_combiner"] = "concat"
    cfg["fc_layer_params"] = draw(S.fc_layer_params())
    cfg["use_fc_bn"] = draw(st.booleans()) and bool(cfg["fc_layer_params"])
    if draw(st.booleans()):
        cfg["last_layer_size"] = draw(S.sizes(1, 8))
        cfg["last_activation"] = draw(S.activations())
        cfg["last_kernel_initializer"] = draw(S.initializers())
        cfg["last_use_fc_bn"] = draw(st.booleans())
        if draw(st.booleans()):
            size = cfg["last_layer_size"]
            split = draw(st.sampled_from([d for d in range(1, size + 1) if size % d == 0]))
            cfg["output_tensor_spec"] = TensorSpec((split, size // split))
    if with_n:
        cfg["n"] = draw(st.integers(1, 4))
    return cfg


def build_encoding(impl: Impl, cfg: dict) -> Any:
    return impl.alf.EncodingNetwork(**alf_kwargs(impl, cfg))


def parallel_encoding(impl: Impl, cfg: dict) -> Any:
    return build_encoding(impl, cfg).make_parallel(cfg["n"], allow_non_parallel_input=True)


def build_parallel_encoding(impl: Impl, cfg: dict) -> Any:
    kw = alf_kwargs(impl, cfg)
    spec = kw.pop("input_tensor_spec")
    return impl.alf.ParallelEncodingNetwork(spec, cfg["n"], **kw)


#: A config whose initializer depends on the fan-in of every layer (ALF's default variance
#: scaling), with replicas: the init property checks it in every profile. Its first layer is
#: four times wider in than out, so a fan-in read off the wrong axis halves the scale.
FAN_IN_EXAMPLE = {
    "input_tensor_spec": TensorSpec((24,)),
    "fc_layer_params": (6, 5),
    "activation": "relu_",
    "kernel_initializer": None,
    "n": 3,
}


_ENCODING_BAD = (
    BadConfig(
        "last_activation without last_layer_size",
        lambda impl: impl.alf.EncodingNetwork(
            alf_specs(impl, TensorSpec((3,))), fc_layer_params=(4,), last_activation=torch.tanh
        ),
        ValueError,
        "last_layer_size",
    ),
    BadConfig(
        "nested input without combiner",
        lambda impl: impl.alf.EncodingNetwork(
            alf_specs(impl, (TensorSpec((3,)), TensorSpec((2,)))), fc_layer_params=(4,)
        ),
        ValueError,
        "combiner",
    ),
    BadConfig(
        "conv params for a flat input",
        lambda impl: impl.alf.EncodingNetwork(
            alf_specs(impl, TensorSpec((12,))), conv_layer_params=((4, 3, 1),)
        ),
        ValueError,
        "conv_layer_params",
    ),
    BadConfig(
        "non-positive FC size",
        lambda impl: impl.alf.EncodingNetwork(
            alf_specs(impl, TensorSpec((3,))), fc_layer_params=(4, 0)
        ),
        ValueError,
        "fc_layer_params",
    ),
    BadConfig(
        "output_tensor_spec of the wrong size",
        lambda impl: impl.alf.EncodingNetwork(
            alf_specs(impl, TensorSpec((3,))),
            alf_specs(impl, TensorSpec((2, 3))),
            fc_layer_params=(5,),
        ),
        ValueError,
        "output_tensor_spec",
    ),
)

_PARALLEL_ENCODING_BAD = (
    BadConfig(
        "input_preprocessors given",
        lambda impl: impl.alf.ParallelEncodingNetwork(
            alf_specs(impl, TensorSpec((3,))), 2, input_preprocessors=torch.nn.Identity()
        ),
        ValueError,
        "input_preprocessors",
    ),
    BadConfig(
        "non-positive n",
        lambda impl: impl.alf.ParallelEncodingNetwork(
            alf_specs(impl, TensorSpec((3,))), 0, fc_layer_params=(4,)
        ),
        ValueError,
        "n",
    ),
)


@st.composite
def image_configs(draw: Any) -> dict:
    spec, convs, same = draw(S.image_and_convs())
    return {
        "input_channels": spec.shape[0],
        "input_size": spec.shape[1:],
        "conv_layer_params": convs,
        "same_padding": same,
        "activation": draw(S.activations()),
        "kernel_initializer": draw(S.initializers()),
        "flatten_output": draw(st.booleans()),
        "n": draw(st.integers(1, 4)),
    }


def image_spec(cfg: dict) -> TensorSpec:
    return TensorSpec((cfg["input_channels"], *cfg["input_size"]))


def build_image(impl: Impl, cfg: dict) -> Any:
    return impl.alf.ImageEncodingNetwork(**alf_kwargs(impl, cfg))


#: The encoding networks' flags (Entry.config_ranges).
_ENCODING_RANGES = {"use_fc_bn": "flag", "last_use_fc_bn": "flag"}


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.EncodingNetwork",
            AlfNetwork(parallel=Parallel(parallel_encoding, build_encoding)),
            encoding_configs,
            build_encoding,
            bad_configs=_ENCODING_BAD,
            config_ranges=_ENCODING_RANGES,
            examples=(FAN_IN_EXAMPLE,),
            bench=cases.encoding_bench(parallel=False),
        ),
        Entry(
            "alf.ParallelEncodingNetwork",
            AlfNetwork(
                outer=lambda cfg, batch: (batch, cfg["n"]),
                result_outer=lambda cfg, batch: (batch,),
                parallel=Parallel(build_parallel_encoding, build_encoding),
            ),
            lambda: encoding_configs(allow_preprocessors=False),
            build_parallel_encoding,
            bad_configs=_PARALLEL_ENCODING_BAD,
            config_ranges=_ENCODING_RANGES,
            examples=(FAN_IN_EXAMPLE,),
            bench=cases.encoding_bench(parallel=True),
        ),
        Entry(
            "alf.ImageEncodingNetwork",
            AlfNetwork(
                spec=image_spec,
                parallel=Parallel.made_parallel(build_image, shared_input=False),
            ),
            image_configs,
            build_image,
            config_ranges={"same_padding": "flag", "flatten_output": "flag"},
            examples=(
                {
                    "input_channels": 2,
                    "input_size": (6, 5),
                    "conv_layer_params": ((4, 3, 1), (3, 2, 2)),
                    "same_padding": False,
                    "activation": "relu_",
                    "kernel_initializer": None,
                    "flatten_output": True,
                    "n": 3,
                },
            ),
            bench=cases.image_bench(),
        ),
    ]
