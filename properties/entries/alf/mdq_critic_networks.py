"""Catalog entry of ``alf.networks.mdq_critic_networks``: MdqCriticNetwork.

The kind calls the advantage form, ``net(inputs, state=state, alpha=ALPHA,
free_form=False)``; the free form and ``get_action`` are checked by the entry's laws
(``properties/models/alf/mdq_critic_networks.py``), with the advantage form against an
independent per-dimension loop."""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st

from benchmarks.cases.alf import mdq_critic_networks as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entries.alf._build import alf_kwargs
from properties.entry import BadConfig, Entry
from properties.kinds.alf_network import AlfNetwork
from properties.models.alf import mdq_critic_networks as model
from properties.specs import alf_specs
from reference.specs import BoundedTensorSpec, TensorSpec

#: The temperature of every call (not 1, so that a missing or misplaced alpha shows).
ALPHA = 0.7


def _layers() -> Any:
    return st.one_of(st.none(), S.fc_layer_params(max_layers=2))


@st.composite
def mdq_configs(draw: Any) -> dict:
    """Observation and bounded action specs (bounds in halves, exact in float32), the
    replica count and every sub-net's layers."""
    lo = draw(st.integers(-4, 2)) / 2
    hi = lo + draw(st.integers(1, 6)) / 2
    action = BoundedTensorSpec((draw(st.integers(1, 3)),), torch.float32, lo, hi)
    return {
        "input_tensor_spec": (draw(S.vector_specs(1, 6)), action),
        "num_critic_replicas": draw(st.integers(1, 3)),
        "obs_encoding_layer_params": draw(_layers()),
        "pre_encoding_layer_params": draw(_layers()),
        "mid_encoding_layer_params": draw(_layers()),
        "post_encoding_layer_params": draw(_layers()),
        "free_form_fc_layer_params": draw(S.fc_layer_params(max_layers=2)),
        "activation": draw(st.sampled_from(["relu_", "tanh", "elu"])),
        "kernel_initializer": draw(S.initializers()),
    }


def build_mdq(impl: Impl, cfg: dict) -> Any:
    return impl.alf.MdqCriticNetwork(**alf_kwargs(impl, cfg))


_SPEC = (TensorSpec((3,)), BoundedTensorSpec((2,), torch.float32, -1.0, 1.0))
_BAD = (
    BadConfig(
        "no free-form layers",
        lambda impl: impl.alf.MdqCriticNetwork(alf_specs(impl, _SPEC)),
        ValueError,
        "free_form_fc_layer_params",
    ),
    BadConfig(
        "two action specs",
        lambda impl: impl.alf.MdqCriticNetwork(
            alf_specs(impl, (_SPEC[0], (_SPEC[1], _SPEC[1]))), free_form_fc_layer_params=(4,)
        ),
        ValueError,
        "action",
    ),
)


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.MdqCriticNetwork",
            AlfNetwork(call_keywords={"alpha": ALPHA, "free_form": False}),
            mdq_configs,
            build_mdq,
            left_out={
                "parallel": "its critics are replicas inside it (num_critic_replicas); the "
                "spec gives it no make_parallel of its own"
            },
            bad_configs=_BAD,
            laws=model.laws(ALPHA),
            bench=cases.mdq_bench(),
            config_ranges={"num_critic_replicas": "positive"},
        ),
    ]
