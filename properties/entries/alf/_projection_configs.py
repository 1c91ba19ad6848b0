"""Plain-data configs of the ALF projection networks (the strategies their entries draw
from, and the fixed examples ``init`` checks beside them)."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from hypothesis import strategies as st

from properties import strategies as S
from reference.specs import BoundedTensorSpec, TensorSpec

#: Names of the std / scale / concentration transforms (configs stay plain data).
TRANSFORMS = {"softplus": F.softplus, "exp": torch.exp}


def _bounded(draw: Any, dims: tuple[int, int] = (1, 4)) -> BoundedTensorSpec:
    d = draw(st.integers(*dims))
    lo = draw(st.floats(-3, 2, width=32))
    return BoundedTensorSpec((d,), torch.float32, lo, lo + draw(st.floats(0.5, 4, width=32)))


def _action(draw: Any, bounded: bool) -> TensorSpec:
    if bounded or draw(st.booleans()):
        return _bounded(draw)
    return TensorSpec((draw(st.integers(1, 4)),))


def _discrete(draw: Any) -> BoundedTensorSpec:
    shape = draw(st.sampled_from([(), (2,)]))
    return BoundedTensorSpec(shape, torch.int64, 0, draw(st.integers(1, 4)))


@st.composite
def action_specs_like(draw: Any, like: TensorSpec) -> TensorSpec:
    """Another action spec that a projection drawn with action spec ``like`` takes: an
    integer one for an integer ``like``, a bounded one for a bounded ``like`` (its
    squashing, scaling or support needs the bounds), else an unbounded one."""
    if not like.dtype.is_floating_point:
        return _discrete(draw)
    if isinstance(like, BoundedTensorSpec):
        return _bounded(draw)
    return TensorSpec((draw(st.integers(1, 4)),))


@st.composite
def normal_configs(draw: Any) -> dict:
    squash, scale = draw(st.booleans()), draw(st.booleans())
    return {
        "input_size": draw(S.sizes(1, 8)),
        "action_spec": _action(draw, squash or scale),
        "activation": draw(st.sampled_from(["identity", "tanh", "elu"])),
        "projection_output_init_gain": draw(st.sampled_from([0.3, 1.0])),
        "std_bias_initializer_value": draw(st.floats(-1, 1, width=32)),
        "squash_mean": squash,
        "state_dependent_std": draw(st.booleans()),
        "std_transform": draw(st.sampled_from(sorted(TRANSFORMS))),
        "scale_distribution": scale,
        "n": draw(st.integers(1, 3)),
    }


@st.composite
def stable_configs(draw: Any) -> dict:
    squash, scale = draw(st.booleans()), draw(st.booleans())
    init_std = draw(st.sampled_from([0.3, 1.0, 1.7]))
    return {
        "input_size": draw(S.sizes(1, 8)),
        "action_spec": _action(draw, squash or scale),
        "activation": draw(st.sampled_from(["identity", "tanh"])),
        "projection_output_init_gain": draw(st.sampled_from([1e-5, 0.3])),
        "squash_mean": squash,
        "state_dependent_std": draw(st.booleans()),
        "inverse_std_transform": draw(st.sampled_from(["exp", "softplus"])),
        "scale_distribution": scale,
        "init_std": init_std,
        "min_std": draw(st.sampled_from([0.0, 0.05])),
        "max_std": draw(st.sampled_from([None, 2.0 * init_std + 0.1])),
        "n": draw(st.integers(1, 3)),
    }


@st.composite
def cauchy_configs(draw: Any) -> dict:
    squash, scale = draw(st.booleans()), draw(st.booleans())
    return {
        "input_size": draw(S.sizes(1, 8)),
        "action_spec": _action(draw, squash or scale),
        "squash_median": squash,
        "scale_bias_initializer_value": draw(st.floats(-1, 1, width=32)),
        "state_dependent_scale": draw(st.booleans()),
        "scale_transform": draw(st.sampled_from(sorted(TRANSFORMS))),
        "scale_distribution": scale,
    }


@st.composite
def beta_configs(draw: Any) -> dict:
    return {
        "input_size": draw(S.sizes(1, 8)),
        "action_spec": _bounded(draw),
        "activation": draw(st.sampled_from(sorted(TRANSFORMS))),
        "min_concentration": draw(st.sampled_from([0.0, 0.5])),
        "projection_output_init_gain": draw(st.sampled_from([0.0, 0.3])),
        "bias_init_value": draw(st.sampled_from([0.2, 0.541324854612918, 1.5])),
        "grad_clip": draw(st.sampled_from([None, 0.01, 1.0])),
        "n": draw(st.integers(1, 3)),
    }


@st.composite
def truncated_configs(draw: Any) -> dict:
    return {
        "input_size": draw(S.sizes(1, 8)),
        "action_spec": _bounded(draw),
        "activation": draw(st.sampled_from(["identity", "tanh"])),
        "projection_output_init_gain": draw(st.sampled_from([0.3, 1.0])),
        "scale_bias_initializer_value": draw(st.floats(-1, 1, width=32)),
        "state_dependent_scale": draw(st.booleans()),
        "scale_transform": draw(st.sampled_from(sorted(TRANSFORMS))),
        "min_scale": draw(st.sampled_from([None, 0.05])),
        "max_scale": draw(st.sampled_from([None, 3.0])),
    }


@st.composite
def categorical_configs(draw: Any) -> dict:
    return {
        "input_size": draw(S.sizes(1, 8)),
        "action_spec": _discrete(draw),
        "logits_init_output_factor": draw(st.sampled_from([0.1, 1.0])),
        "n": draw(st.integers(1, 3)),
    }


@st.composite
def onehot_configs(draw: Any) -> dict:
    return {
        "input_size": draw(S.sizes(1, 8)),
        "action_spec": _discrete(draw),
        "logits_init_output_factor": draw(st.sampled_from([0.1, 1.0])),
        "mode": draw(S.variants("mode", ["st", "gumbel", "st-gumbel", "plain"])),
        "gumbel_temperature": draw(st.sampled_from([0.5, 1.0, 2.0])),
    }


@st.composite
def mixture_configs(draw: Any) -> dict:
    scale = draw(st.booleans())
    return {
        "input_size": draw(S.sizes(1, 8)),
        "action_spec": _bounded(draw) if scale else TensorSpec((draw(st.integers(1, 3)),)),
        "num_components": draw(st.integers(1, 3)),
        "component": draw(S.variants("component", ["normal", "stable"])),
        "scale_distribution": scale,
        "state_dependent_std": draw(st.booleans()),
    }


#: Fixed configs for ``init``: replicas, and a projection 8x wider in than out, so a fan-in
#: read off the wrong axis of a ``[n, out, in]`` weight moves its scale far off.
WIDE_BOX = BoundedTensorSpec((3,), torch.float32, -1.0, 1.0)
_WIDE = {"input_size": 24, "action_spec": WIDE_BOX, "n": 3}
_SQUASHED = {"squash_mean": True, "state_dependent_std": True, "scale_distribution": False}
FAN_IN_EXAMPLES: dict[str, tuple[dict, ...]] = {
    "NormalProjectionNetwork": (
        {
            **_WIDE,
            **_SQUASHED,
            "activation": "identity",
            "projection_output_init_gain": 1.0,
            "std_bias_initializer_value": 0.0,
            "std_transform": "softplus",
        },
    ),
    "StableNormalProjectionNetwork": (
        {
            **_WIDE,
            **_SQUASHED,
            "activation": "identity",
            "projection_output_init_gain": 0.3,
            "inverse_std_transform": "softplus",
            "init_std": 1.0,
            "min_std": 0.0,
            "max_std": None,
        },
    ),
    "BetaProjectionNetwork": (
        {
            **_WIDE,
            "activation": "softplus",
            "min_concentration": 0.0,
            "projection_output_init_gain": 0.3,
            "bias_init_value": 0.541324854612918,
            "grad_clip": None,
        },
    ),
    "CategoricalProjectionNetwork": (
        {
            **_WIDE,
            "action_spec": BoundedTensorSpec((), torch.int64, 0, 2),
            "logits_init_output_factor": 1.0,
        },
    ),
}
