"""Catalog entries of ``alf.networks.transformer_networks``: SocialAttentionNetwork and
TransformerNetwork.

SocialAttentionNetwork configs draw the entities (``[N, d]``, or two feature groups of the
same entities joined by a concat combiner), one or two FC embedding layers whose last size
is a multiple of the head count, the heads, the activation, the initializer and batch norm.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from benchmarks.cases.alf import transformer_networks as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entries.alf._build import alf_kwargs
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


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.SocialAttentionNetwork",
            AlfNetwork(),
            social_configs,
            build_social,
            left_out={"parallel": _NO_PARALLEL.format("SocialAttentionNetwork")},
            bad_configs=_BAD_SOCIAL,
            bench=cases.social_bench(),
            laws={"ego_attention": models.EGO_ATTENTION},
        ),
    ]
