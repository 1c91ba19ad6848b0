"""Catalog entries of ``alf.networks.dynamics_networks``: DynamicsNetwork and
ParallelDynamicsNetwork. The kind compares the deterministic mode (``prob=False``); the
probabilistic mode is the law ``prob_mode`` (``properties/models/alf/dynamics_networks.py``)."""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st

from benchmarks.cases.alf import dynamics_networks as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entries.alf._build import alf_kwargs
from properties.entry import BadConfig, Entry
from properties.kinds.alf_network import AlfNetwork, Parallel
from properties.models.alf.dynamics_networks import prob_mode
from properties.specs import alf_specs
from reference.specs import BoundedTensorSpec, TensorSpec


@st.composite
def dynamics_configs(draw: Any) -> dict:
    """(observation, action) vector specs (the action bounded or not), the next-observation
    spec, joint FC layers and a replica count ``n``."""
    action = draw(S.vector_specs(1, 4))
    if draw(st.booleans()):  # bounds in halves: exact in float32, as every ALF spec keeps them
        lo = draw(st.integers(-6, 4)) / 2
        hi = lo + draw(st.integers(1, 6)) / 2
        action = BoundedTensorSpec(action.shape, torch.float32, lo, hi)
    return {
        "input_tensor_spec": (draw(S.vector_specs(1, 8)), action),
        "output_tensor_spec": draw(S.vector_specs(1, 6)),
        "joint_fc_layer_params": draw(st.one_of(st.none(), S.fc_layer_params(max_layers=2))),
        "activation": draw(st.sampled_from(["relu_", "tanh", "elu"])),
        "kernel_initializer": draw(S.initializers()),
        "prob": False,  # drawn nothing: here for bad_input's out-of-range flags
        "n": draw(st.integers(1, 3)),
    }


def build_dynamics(impl: Impl, cfg: dict) -> Any:
    return impl.alf.DynamicsNetwork(**alf_kwargs(impl, cfg))


def parallel_dynamics(impl: Impl, cfg: dict) -> Any:
    return build_dynamics(impl, cfg).make_parallel(cfg["n"])


def build_parallel_dynamics(impl: Impl, cfg: dict) -> Any:
    return impl.alf.ParallelDynamicsNetwork(build_dynamics(impl, cfg), cfg["n"])


#: The default initializer (variance scaling with gain 1/2 on the fan-in) on a layer four
#: times wider in than out, with replicas: ``init`` checks it in every profile.
FAN_IN_EXAMPLE = {
    "input_tensor_spec": (TensorSpec((20,)), TensorSpec((4,))),
    "output_tensor_spec": TensorSpec((3,)),
    "joint_fc_layer_params": (6,),
    "activation": "relu_",
    "kernel_initializer": None,
    "n": 3,
}


_BAD = (
    BadConfig(
        "two action specs",
        lambda impl: impl.alf.DynamicsNetwork(
            alf_specs(impl, (TensorSpec((3,)), (TensorSpec((2,)), TensorSpec((1,))))),
            alf_specs(impl, TensorSpec((3,))),
        ),
        ValueError,
        "action",
    ),
)

_PARALLEL_BAD = (
    BadConfig(
        "non-positive n",
        lambda impl: impl.alf.ParallelDynamicsNetwork(
            impl.alf.DynamicsNetwork(
                alf_specs(impl, (TensorSpec((3,)), BoundedTensorSpec((2,), torch.float32, -1, 1))),
                alf_specs(impl, TensorSpec((3,))),
            ),
            0,
        ),
        ValueError,
        "n",
    ),
)


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.DynamicsNetwork",
            AlfNetwork(parallel=Parallel(parallel_dynamics, build_dynamics)),
            dynamics_configs,
            build_dynamics,
            bad_configs=_BAD,
            examples=(FAN_IN_EXAMPLE,),
            laws={"prob_mode": prob_mode(build_dynamics, parallel=False)},
            config_ranges={"prob": "flag"},
        ),
        Entry(
            "alf.ParallelDynamicsNetwork",
            AlfNetwork(
                outer=lambda cfg, batch: (batch, cfg["n"]),
                result_outer=lambda cfg, batch: (batch,),
                parallel=Parallel(build_parallel_dynamics, build_dynamics),
            ),
            dynamics_configs,
            build_parallel_dynamics,
            bad_configs=_PARALLEL_BAD,
            examples=(FAN_IN_EXAMPLE,),
            laws={"prob_mode": prob_mode(build_parallel_dynamics, parallel=True)},
            bench=cases.parallel_dynamics_bench(),
            config_ranges={"prob": "flag", "n": "positive"},
        ),
    ]
