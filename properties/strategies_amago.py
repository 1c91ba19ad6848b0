"""Hypothesis strategies for AMAGO's networks: head configs, gymnasium spaces, encoders.

Configs are plain data (sizes, names, tuples); spaces are built from them by
:func:`obs_space` / :func:`rl2_space`, so one config builds any implementation.
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
from hypothesis import strategies as st

from reference.amago.ff import NORMS

ENCODER_ACTIVATIONS = ("leaky_relu", "relu", "gelu")
STD_ACTIVATIONS = ("tanh_bounded_positive", "softplus_bounded_positive")
#: outer dims of a head's input besides the batch: none, or a length (AMAGO's [B, L, d])
INNER_BATCHES = ((), (2,))


def obs_space(shapes: dict[str, tuple[int, ...]], low: float = -1e3, high: float = 1e3) -> Any:
    """A gymnasium ``Dict`` of ``Box`` spaces with the given shapes."""
    return gym.spaces.Dict(
        {k: gym.spaces.Box(low, high, shape, dtype=np.float32) for k, shape in shapes.items()}
    )


def rl2_space(dim: int) -> Any:
    return gym.spaces.Box(-np.inf, np.inf, (dim,), dtype=np.float32)


def clip_ranges() -> st.SearchStrategy[tuple[float, float]]:
    return st.sampled_from([(-0.99, 0.99), (-0.999, 0.999), (-0.9, 0.95), (-1.0, 1.0)])


@st.composite
def tanh_gaussian_configs(draw: Any) -> dict:
    low = draw(st.sampled_from([math.exp(-5.0), 1e-3, 0.05]))
    return {
        "d_action": draw(st.integers(1, 4)),
        "std_low": low,
        "std_high": low * draw(st.sampled_from([10.0, 1000.0, math.exp(7.0)])),
        "std_activation": draw(st.sampled_from(STD_ACTIVATIONS)),
        "clip_actions_on_log_prob": draw(clip_ranges()),
        "inner_batch": draw(st.sampled_from(INNER_BATCHES)),
    }


@st.composite
def beta_configs(draw: Any) -> dict:
    def high(low: float) -> float | None:
        return draw(st.sampled_from([None, low + 5.0, low + 50.0]))

    alpha_low = draw(st.sampled_from([1.0001, 1.5, 0.5]))
    beta_low = draw(st.sampled_from([1.0001, 2.0]))
    return {
        "d_action": draw(st.integers(1, 4)),
        "alpha_low": alpha_low,
        "alpha_high": high(alpha_low),
        "beta_low": beta_low,
        "beta_high": high(beta_low),
        "clip_actions_on_log_prob": draw(clip_ranges()),
        "inner_batch": draw(st.sampled_from(INNER_BATCHES)),
    }


@st.composite
def gmm_configs(draw: Any) -> dict:
    low = draw(st.sampled_from([1e-4, 0.05]))
    activation = draw(st.sampled_from(STD_ACTIVATIONS))
    high = 3.0 if activation == "tanh_bounded_positive" else draw(st.sampled_from([None, 3.0]))
    return {
        "d_action": draw(st.integers(1, 3)),
        "gmm_modes": draw(st.integers(1, 4)),
        "std_low": low,
        "std_high": high,
        "std_activation": activation,
        "inner_batch": draw(st.sampled_from(INNER_BATCHES)),
    }


@st.composite
def discrete_configs(draw: Any) -> dict:
    low = draw(st.sampled_from([0.0, 0.001, 0.05]))
    return {
        "d_action": draw(st.integers(2, 6)),
        "clip_prob_low": low,
        "clip_prob_high": draw(st.sampled_from([0.99, 0.999, 1.0])),
        "inner_batch": draw(st.sampled_from(INNER_BATCHES)),
    }


@st.composite
def discrete_like_continuous_configs(draw: Any) -> dict:
    cfg = draw(discrete_configs())
    cfg["gumbel_softmax_temperature"] = draw(st.sampled_from([0.5, 1.0, 0.1]))
    return cfg


@st.composite
def plain_head_configs(draw: Any) -> dict:
    """Configs of heads with only ``d_action`` (Multibinary, the PolicyOutput base)."""
    return {
        "d_action": draw(st.integers(1, 5)),
        "inner_batch": draw(st.sampled_from(INNER_BATCHES)),
    }


@st.composite
def bounded_function_configs(draw: Any, needs_high: bool) -> dict:
    low = draw(st.sampled_from([math.exp(-5.0), 1e-4, 0.5, 1.0001]))
    high = (
        None
        if not needs_high and draw(st.booleans())
        else low * draw(st.sampled_from([2.0, 100.0, math.exp(7.0)]))
    )
    return {"d": draw(st.integers(1, 6)), "low": low, "high": high, "scale": 3.0}


def _obs_shapes(draw: Any) -> dict[str, tuple[int, ...]]:
    keys = draw(st.lists(st.sampled_from("abcdef"), min_size=1, max_size=3, unique=True))
    shapes = [(), (1,), (3,), (5,), (2, 3)]
    return {k: draw(st.sampled_from(shapes)) for k in keys}


@st.composite
def ff_encoder_configs(draw: Any) -> dict:
    shapes = _obs_shapes(draw)
    keys = sorted(shapes)
    specify = None
    if len(keys) > 1 and draw(st.booleans()):
        specify = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=len(keys), unique=True))
    return {
        "obs_shapes": shapes,
        "rl2_dim": draw(st.integers(1, 4)),
        "n_layers": draw(st.integers(1, 3)),
        "d_hidden": draw(st.integers(1, 16)),
        "d_output": draw(st.integers(1, 12)),
        "norm": draw(st.sampled_from(NORMS)),
        "activation": draw(st.sampled_from(ENCODER_ACTIVATIONS)),
        "hide_rl2s": draw(st.booleans()),
        "normalize_inputs": draw(st.booleans()),
        "specify_obs_keys": specify,
        "length": draw(st.integers(1, 4)),
    }


def cnn_min_size(kernels: tuple[int, ...], strides: tuple[int, ...]) -> int:
    """The smallest image side for which every unpadded conv output is non-empty."""
    size = 1
    for k, s in reversed(list(zip(kernels, strides))):
        size = (size - 1) * s + k
    return size


@st.composite
def cnn_encoder_configs(draw: Any) -> dict:
    kernels = (draw(st.sampled_from([3, 4])), draw(st.sampled_from([2, 3])), 2)
    strides = (2, draw(st.sampled_from([1, 2])), 1)
    side = cnn_min_size(kernels, strides) + draw(st.integers(0, 3))
    aug = draw(st.booleans())
    width = side if aug or draw(st.booleans()) else side + draw(st.integers(1, 2))
    channels = draw(st.integers(1, 3))
    channels_first = draw(st.booleans())
    key = draw(st.sampled_from(["observation", "pixels"]))
    img = (channels, side, width) if channels_first else (side, width, channels)
    shapes: dict[str, tuple[int, ...]] = {key: img}
    if draw(st.booleans()):
        shapes["state"] = (2,)  # another key the encoder must ignore
    out_norm = draw(st.sampled_from(NORMS))
    # Training-mode batch norm over a few timesteps of a tiny CNN whose only input is the
    # image can have a batch variance near its epsilon: ill-conditioned, the float32
    # reference itself then misses the parity tolerance against float64. The rl2 features
    # keep the batch variance healthy.
    hide_rl2s = draw(st.booleans()) and out_norm != "batch"
    return {
        "obs_shapes": shapes,
        "rl2_dim": draw(st.integers(1, 4)),
        "cnn": {
            "channels": tuple(draw(st.integers(1, 4)) for _ in range(3)),
            "kernels": kernels,
            "strides": strides,
        },
        "channels_first": channels_first,
        "img_features": draw(st.integers(1, 8)),
        "rl2_features": draw(st.integers(1, 4)),
        "d_output": draw(st.integers(1, 8)),
        "out_norm": out_norm,
        "activation": draw(st.sampled_from(ENCODER_ACTIVATIONS)),
        "hide_rl2s": hide_rl2s,
        "drqv2_aug": aug,
        "aug_pct_of_batch": draw(st.sampled_from([0.0, 0.25, 0.75, 1.0])),
        "obs_key": key,
        "length": draw(st.integers(1, 3)),
    }


@st.composite
def tstep_base_configs(draw: Any) -> dict:
    return {
        "obs_shapes": _obs_shapes(draw),
        "rl2_dim": draw(st.integers(1, 4)),
        "d_output": draw(st.integers(1, 8)),
        "length": draw(st.integers(1, 4)),
    }
