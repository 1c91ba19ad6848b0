"""Catalog entries of ``alf.networks.transformer_networks``: SocialAttentionNetwork and
TransformerNetwork.

SocialAttentionNetwork configs draw the entities (``[N, d]``, or two feature groups of the
same entities joined by a concat combiner), one or two FC embedding layers whose last size
is a multiple of the head count, the heads, the activation, the initializer and batch norm.

TransformerNetwork configs draw the input ``[input_size, d_model]`` (d_model a multiple of
the head count), the prememory and memory layers, and the memory form: none, one central
memory or one per memory layer (with ``memory_size >= core_size``), core size, core
embedding, ``return_core_only`` and ``d_ff``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from benchmarks.cases.alf import transformer_networks as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entries.alf._build import alf_kwargs
from properties.entries.alf.recurrent import SEQUENCE_KEYS, sequence
from properties.entry import BadConfig, Entry
from properties.kinds.alf_network import AlfNetwork
from properties.models.alf import transformer_networks as models
from properties.specs import alf_specs
from reference.specs import TensorSpec

_NO_PARALLEL = "the spec gives {} no make_parallel of its own"


# -- SocialAttentionNetwork ----------------------------------------------------------------
@st.composite
def social_configs(draw: Any) -> dict:
    entities = draw(st.integers(1, 5))
    heads = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(1, 4), max_size=1))
    last = heads * draw(st.integers(1, 3))
    form = draw(S.variants("form", ["single", "nested"]))
    cfg: dict[str, Any] = {}
    if form == "single":
        cfg["input_tensor_spec"] = TensorSpec((entities, draw(st.integers(1, 4))))
    else:
        sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=2))
        cfg["input_tensor_spec"] = tuple(TensorSpec((entities, d)) for d in sizes)
        cfg["preprocessing_combiner"] = "concat"
    cfg.update(
        {
            "fc_layer_params": (*hidden, last),
            "activation": draw(st.sampled_from(["relu_", "tanh", "elu"])),
            "kernel_initializer": draw(S.initializers()),
            "use_fc_bn": draw(st.booleans()),
            "num_of_heads": heads,
        }
    )
    return cfg


def build_social(impl: Impl, cfg: dict) -> Any:
    return impl.alf.SocialAttentionNetwork(**alf_kwargs(impl, cfg))


def _entities(impl: Impl, n: int, d: int) -> Any:
    return alf_specs(impl, TensorSpec((n, d)))


_BAD_SOCIAL = (
    BadConfig(
        "last embedding size not divisible by the heads",
        lambda impl: impl.alf.SocialAttentionNetwork(
            _entities(impl, 3, 2), fc_layer_params=(5,), num_of_heads=2
        ),
        ValueError,
        "num_of_heads",
    ),
    BadConfig(
        "entities given as a flat vector",
        lambda impl: impl.alf.SocialAttentionNetwork(
            alf_specs(impl, TensorSpec((6,))), fc_layer_params=(4,)
        ),
        ValueError,
        "entity_num",
    ),
)


# -- TransformerNetwork --------------------------------------------------------------------
@st.composite
def transformer_configs(draw: Any) -> dict:
    heads = draw(st.integers(1, 2))
    # LayerNorm over d_model features: over 1 or 2 every row maps to a constant or to +-1
    # up to its eps, and float32 gradients are rounding noise in any implementation
    d_model = draw(st.sampled_from([3, 4] if heads == 1 else [4, 6]))
    memory = draw(S.variants("memory", ["none", "centralized", "separate"]))
    core_size = draw(st.integers(1, 2))
    use_core = draw(st.booleans())
    input_size = draw(st.integers(core_size if not use_core else 1, 3))
    cfg: dict[str, Any] = {
        "input_tensor_spec": TensorSpec((input_size, d_model)),
        "num_prememory_layers": draw(st.integers(0 if memory != "none" else 1, 2)),
        "num_attention_heads": heads,
        "d_ff": draw(st.sampled_from([None, 3])),
        "core_size": core_size,
        "use_core_embedding": use_core,
        "return_core_only": draw(st.booleans()),
    }
    if memory != "none":
        cfg["memory_size"] = draw(st.integers(core_size, 4))
        cfg["num_memory_layers"] = draw(st.integers(1, 2))
        cfg["centralized_memory"] = memory == "centralized"
    return cfg


def build_transformer(impl: Impl, cfg: dict) -> Any:
    return impl.alf.TransformerNetwork(**alf_kwargs(impl, cfg, drop=SEQUENCE_KEYS))


_BAD_TRANSFORMER = (
    BadConfig(
        "memory layers without a memory",
        lambda impl: impl.alf.TransformerNetwork(
            _entities(impl, 3, 4), 1, 2, memory_size=0, num_memory_layers=1
        ),
        ValueError,
        "memory_size",
    ),
    BadConfig(
        "a flat input instead of [input_size, d_model] embeddings",
        lambda impl: impl.alf.TransformerNetwork(alf_specs(impl, TensorSpec((8,))), 1, 2),
        ValueError,
        "input_size, d_model",
    ),
)


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.SocialAttentionNetwork",
            AlfNetwork(),
            social_configs,
            build_social,
            left_out={"parallel": _NO_PARALLEL.format("SocialAttentionNetwork")},
            bad_configs=_BAD_SOCIAL,
            config_ranges={"num_of_heads": "positive", "use_fc_bn": "flag"},
            bench=cases.social_bench(),
            laws={"ego_attention": models.EGO_ATTENTION},
        ),
        Entry(
            "alf.TransformerNetwork",
            AlfNetwork(stateful=True, sequence=sequence),
            transformer_configs,
            build_transformer,
            left_out={"parallel": _NO_PARALLEL.format("TransformerNetwork")},
            bad_configs=_BAD_TRANSFORMER,
            config_ranges={
                "num_prememory_layers": "nonnegative",
                "num_memory_layers": "nonnegative",
                "memory_size": "nonnegative",
                "core_size": "positive",
                "use_core_embedding": "flag",
                "return_core_only": "flag",
            },
            bench=cases.transformer_bench(),
            laws={"core_memory": models.CORE_MEMORY},
        ),
    ]
