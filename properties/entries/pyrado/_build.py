"""Shared pieces of the Pyrado entries: plain-data configs and builds through ``impl`` only.

A config holds the observation and action dims (the spaces are boxes ``[-1, 1]``, built
with the candidate's own ``EnvSpec`` / ``BoxSpace`` by ``pyrado_specs``) and the
constructor's arguments as plain data: nonlinearities by name (``tanh``, ``sigmoid``,
``relu`` or None), dynamics functions by inventory name (``pd_cubic``), looked up in the
candidate so that its ADN recognises its own capacity-based functions.
"""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st

from properties.candidate import Impl
from properties.specs import pyrado_specs
from reference.specs import BoundedTensorSpec

#: Observation scales of the potential-based entries: 1, and large enough that the stimuli
#: drive potentials into their clamp at +-100.
OBS_SCALES = (1.0, 1000.0)

NONLINS = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}


def nonlin(name: str | None) -> Any:
    return None if name is None else NONLINS[name]


def env_spec(impl: Impl, cfg: dict) -> Any:
    obs = BoundedTensorSpec((cfg["obs_dim"],), torch.float32, -1.0, 1.0)
    act = BoundedTensorSpec((cfg["act_dim"],), torch.float32, -1.0, 1.0)
    return pyrado_specs(impl, obs, act)


def dims(draw: Any) -> dict:
    return {"obs_dim": draw(st.integers(1, 4)), "act_dim": draw(st.integers(1, 3))}


@st.composite
def rnn_configs(draw: Any, two_headed: bool = False) -> dict:
    cfg = dims(draw)
    cfg["hidden_size"] = draw(st.integers(1, 5))
    cfg["layers"] = draw(st.integers(1, 2))
    cfg["hidden_nonlin"] = draw(st.sampled_from(["tanh", "relu"]))
    if two_headed:
        cfg["head_1_size"] = draw(st.sampled_from([None, 1, 3]))
        cfg["head_2_size"] = draw(st.sampled_from([None, 2]))
        cfg["head_1_output_nonlin"] = draw(st.sampled_from([None, "tanh"]))
        cfg["head_2_output_nonlin"] = draw(st.sampled_from([None, "sigmoid"]))
    else:
        cfg["output_nonlin"] = draw(st.sampled_from([None, "tanh", "sigmoid"]))
    return cfg


def rnn_kwargs(impl: Impl, cfg: dict) -> dict:
    """The common constructor arguments of the one-headed RNN family (dropout 0: masks
    drawn in training mode differ between a cell loop and a fused kernel)."""
    return {
        "spec": env_spec(impl, cfg),
        "hidden_size": cfg["hidden_size"],
        "num_recurrent_layers": cfg["layers"],
        "output_nonlin": nonlin(cfg["output_nonlin"]),
    }


def two_headed_kwargs(impl: Impl, cfg: dict) -> dict:
    return {
        "spec": env_spec(impl, cfg),
        "shared_hidden_size": cfg["hidden_size"],
        "shared_num_recurrent_layers": cfg["layers"],
        "head_1_size": cfg["head_1_size"],
        "head_2_size": cfg["head_2_size"],
        "head_1_output_nonlin": nonlin(cfg["head_1_output_nonlin"]),
        "head_2_output_nonlin": nonlin(cfg["head_2_output_nonlin"]),
    }
