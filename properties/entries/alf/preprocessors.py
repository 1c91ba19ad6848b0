"""Catalog entries of ``alf.networks.preprocessor_networks`` and ``preprocessors``:
PreprocessorNetwork, EmbeddingPreprocessor."""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st

from properties import strategies as S
from properties.candidate import Impl
from properties.entries.alf._build import alf_kwargs
from properties.entry import BadConfig, Entry
from properties.kinds.alf_network import AlfNetwork, Parallel
from properties.specs import alf_specs
from reference.specs import TensorSpec


@st.composite
def preprocessor_configs(draw: Any) -> dict:
    spec, pres = draw(S.nested_inputs())
    return {
        "input_tensor_spec": spec,
        "input_preprocessors": pres,
        "preprocessing_combiner": "concat",
        "n": draw(st.integers(1, 3)),
    }


def build_preprocessor_network(impl: Impl, cfg: dict) -> Any:
    return impl.alf.PreprocessorNetwork(**alf_kwargs(impl, cfg))


@st.composite
def embedding_configs(draw: Any) -> dict:
    cfg: dict[str, Any] = {"embedding_dim": draw(S.sizes(1, 8)), "n": draw(st.integers(1, 3))}
    if draw(st.booleans()):
        cfg["input_tensor_spec"] = draw(S.discrete_specs())
    else:
        cfg["input_tensor_spec"] = draw(S.vector_specs())
        cfg["fc_layer_params"] = draw(S.fc_layer_params(2))
        cfg["activation"] = draw(S.activations())
        cfg["last_activation"] = draw(S.activations())
    return cfg


def build_embedding(impl: Impl, cfg: dict) -> Any:
    return impl.alf.EmbeddingPreprocessor(**alf_kwargs(impl, cfg))


def naive_parallel(build: Any) -> Parallel:
    """The parallel form of a network replicated by the default ``make_parallel(n)``."""
    return Parallel.made_parallel(build)


_BAD = (
    BadConfig(
        "nested preprocessed input without combiner",
        lambda impl: impl.alf.PreprocessorNetwork(
            alf_specs(impl, (TensorSpec((2,)), TensorSpec((3,))))
        ),
        ValueError,
        "combiner",
    ),
    BadConfig(
        "embedding of an unbounded discrete spec",
        lambda impl: impl.alf.EmbeddingPreprocessor(
            alf_specs(impl, TensorSpec((), torch.int64)), 3
        ),
        TypeError,
        "BoundedTensorSpec",
    ),
)


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.PreprocessorNetwork",
            AlfNetwork(parallel=naive_parallel(build_preprocessor_network)),
            preprocessor_configs,
            build_preprocessor_network,
            bad_configs=_BAD[:1],
            examples=(
                {
                    "input_tensor_spec": (TensorSpec((24,)), TensorSpec((5,))),
                    "input_preprocessors": ("fc:6", None),
                    "preprocessing_combiner": "concat",
                    "n": 2,
                },
            ),
        ),
        Entry(
            "alf.EmbeddingPreprocessor",
            AlfNetwork(parallel=naive_parallel(build_embedding)),
            embedding_configs,
            build_embedding,
            bad_configs=_BAD[1:],
            examples=(
                {
                    "input_tensor_spec": TensorSpec((6,)),
                    "embedding_dim": 4,
                    "fc_layer_params": (5,),
                    "activation": "relu_",
                    "last_activation": "identity",
                    "n": 2,
                },
            ),
        ),
    ]
