"""Gymnasium spaces of AMAGO's timestep encoders, built from plain data.

A config holds observation shapes and the rl2 size; every implementation gets its spaces
from these two helpers (AMAGO's constructors take gymnasium spaces, the spec's public API).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np

#: The bounds of every observation ``Box`` (the encoders never read them).
OBS_LOW, OBS_HIGH = -1e3, 1e3


def obs_space(shapes: Mapping[str, tuple[int, ...]]) -> Any:
    """A ``gymnasium.spaces.Dict`` of float32 ``Box`` spaces with the given shapes."""
    return gym.spaces.Dict(
        {
            k: gym.spaces.Box(OBS_LOW, OBS_HIGH, shape, dtype=np.float32)
            for k, shape in shapes.items()
        }
    )


def rl2_space(dim: int) -> Any:
    """The previous-action-and-reward features: an unbounded float32 ``Box`` of ``dim``."""
    return gym.spaces.Box(-np.inf, np.inf, (dim,), dtype=np.float32)
