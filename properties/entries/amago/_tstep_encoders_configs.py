"""Plain-data configs of AMAGO's timestep encoders (the strategies their entries in
``tstep_encoders.py`` draw from): observation shapes, the rl2 size, the sequence length
``length`` of inputs, and the constructor's keyword arguments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from reference.amago.ff import NORMS

ACTIVATIONS = ("leaky_relu", "relu", "gelu")


def _obs_shapes(draw: Any) -> dict[str, tuple[int, ...]]:
    keys = draw(st.lists(st.sampled_from("abcdef"), min_size=1, max_size=3, unique=True))
    shapes = [(), (1,), (3,), (5,), (2, 3)]
    return {k: draw(st.sampled_from(shapes)) for k in keys}


@st.composite
def base_configs(draw: Any) -> dict:
    return {
        "obs_shapes": _obs_shapes(draw),
        "rl2_dim": draw(st.integers(1, 4)),
        "d_output": draw(st.integers(1, 8)),
        "length": draw(st.integers(1, 4)),
    }


@st.composite
def ff_configs(draw: Any) -> dict:
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
        "activation": draw(st.sampled_from(ACTIVATIONS)),
        "hide_rl2s": draw(st.booleans()),
        "normalize_inputs": draw(st.booleans()),
        "specify_obs_keys": specify,
        "length": draw(st.integers(1, 4)),
    }


def cnn_min_size(kernels: Sequence[int], strides: Sequence[int]) -> int:
    """The smallest image side for which every unpadded conv output is non-empty."""
    size = 1
    for k, s in reversed(list(zip(kernels, strides))):
        size = (size - 1) * s + k
    return size


@st.composite
def cnn_configs(draw: Any) -> dict:
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
        "activation": draw(st.sampled_from(ACTIVATIONS)),
        "hide_rl2s": hide_rl2s,
        "drqv2_aug": aug,
        "aug_pct_of_batch": draw(st.sampled_from([0.0, 0.25, 0.75, 1.0])),
        "obs_key": key,
        "length": draw(st.integers(1, 3)),
    }
