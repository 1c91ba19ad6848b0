"""Pyrado's box space and environment specification, as small classes of ours.

Upstream: ``pyrado/spaces/box.py`` and ``pyrado/utils/data_types.py``. Policies read only
``spec.obs_space.flat_dim`` / ``spec.act_space.flat_dim`` (and ``sample_uniform()`` for
``script()``), so a candidate may pass its own classes with the same fields.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np


class BoxSpace:
    """A box ``[bound_lo, bound_up]`` of real vectors (or arrays).

    ``BoxSpace(lo, up)`` takes array-like bounds of one shape; ``BoxSpace(lo, up, shape)``
    broadcasts scalar bounds to ``shape``. ``flat_dim`` is the number of elements.
    """

    def __init__(self, bound_lo: Any, bound_up: Any, shape: Any = None, labels: Any = None):
        if shape is not None:
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            self.bound_lo = np.ones(shape) * np.asarray(bound_lo, dtype=np.float64)
            self.bound_up = np.ones(shape) * np.asarray(bound_up, dtype=np.float64)
        else:
            self.bound_lo = np.atleast_1d(np.asarray(bound_lo, dtype=np.float64))
            self.bound_up = np.atleast_1d(np.asarray(bound_up, dtype=np.float64))
        if self.bound_lo.shape != self.bound_up.shape:
            raise ValueError(
                f"BoxSpace: expected bounds of one shape, got {self.bound_lo.shape} and "
                f"{self.bound_up.shape}"
            )
        if np.any(self.bound_lo > self.bound_up):
            raise ValueError(
                f"BoxSpace: expected bound_lo <= bound_up, got {self.bound_lo} > {self.bound_up}"
            )
        self.labels = labels

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.bound_lo.shape)

    @property
    def flat_dim(self) -> int:
        return int(np.prod(self.shape))

    def sample_uniform(self) -> np.ndarray:
        """A point drawn uniformly from the box (infinite bounds clipped to +-1e6)."""
        lo = np.clip(self.bound_lo, -1e6, 1e6)
        up = np.clip(self.bound_up, -1e6, 1e6)
        return np.random.uniform(lo, up)

    def __repr__(self) -> str:
        return f"BoxSpace(bound_lo={self.bound_lo.tolist()}, bound_up={self.bound_up.tolist()})"


class EnvSpec(NamedTuple):
    """The observation, action and (optional) state space of an environment."""

    obs_space: Any
    act_space: Any
    state_space: Any = None


def check_env_spec(spec: Any, owner: str) -> None:
    """Raise ``TypeError`` unless ``spec`` has the fields a policy reads (any class)."""
    for field in ("obs_space", "act_space"):
        space = getattr(spec, field, None)
        if not isinstance(getattr(space, "flat_dim", None), (int, np.integer)):
            raise TypeError(
                f"{owner}: expected an EnvSpec whose {field} has an integer flat_dim, got {spec!r}"
            )
