"""Catalog entry of ``alf.networks.action_encoder``: SimpleActionEncoder."""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st

from properties import strategies as S
from properties.candidate import Impl
from properties.entries.alf.preprocessors import naive_parallel
from properties.entry import BadConfig, Entry
from properties.kinds.alf_network import AlfNetwork
from properties.specs import alf_specs
from reference.specs import BoundedTensorSpec, Nest, TensorSpec


@st.composite
def action_configs(draw: Any) -> dict:
    leaves = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            lo = draw(st.integers(0, 2))
            shape = draw(st.sampled_from([(), (2,)]))
            leaves.append(BoundedTensorSpec(shape, torch.int64, lo, lo + draw(st.integers(0, 4))))
        else:
            leaves.append(draw(S.bounded_vector_specs()))
    spec: Nest = (
        leaves[0]
        if len(leaves) == 1
        else (dict(zip("xyz", leaves)) if draw(st.booleans()) else tuple(leaves))
    )
    return {"action_spec": spec, "n": draw(st.integers(1, 3))}


def build_action_encoder(impl: Impl, cfg: dict) -> Any:
    return impl.alf.SimpleActionEncoder(alf_specs(impl, cfg["action_spec"]))


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.SimpleActionEncoder",
            AlfNetwork(
                spec=lambda cfg: cfg["action_spec"],
                parallel=naive_parallel(build_action_encoder),
            ),
            action_configs,
            build_action_encoder,
            left_out={"init": "parameterless: there are no initial weights"},
            bad_configs=(
                BadConfig(
                    "an unbounded action spec",
                    lambda impl: impl.alf.SimpleActionEncoder(alf_specs(impl, TensorSpec((2,)))),
                    TypeError,
                    "BoundedTensorSpec",
                ),
            ),
        ),
    ]
