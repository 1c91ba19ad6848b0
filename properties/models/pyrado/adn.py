"""Independent statements of the Pyrado ADN potential dynamics, in numpy, written from
upstream's code (``dp/dt`` per dynamics), for the ``oracle`` law their entries declare."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def dynamics_oracle(name: str) -> Callable[[dict, np.ndarray], np.ndarray]:
    """``dp/dt`` of upstream's code for dynamics ``name``, in numpy (the entries' module doc)."""

    def oracle(cfg: dict, x: np.ndarray) -> np.ndarray:
        p, s, h = x[:, 0], x[:, 1], x[:, 2]
        tau, kappa, c = cfg["tau"], cfg["kappa"], cfg["capacity"]
        d = h - p
        rhs = {
            "pd_linear": s + d,
            "pd_cubic": s + d + kappa * d**3,
            "pd_capacity_21": s - d * (1 - d**2 / c**2),
            "pd_capacity_21_abs": s - d * (1 - np.abs(d) / c),
            "pd_capacity_32": s + d * (1 - d**2 / c**2) * (1 - 4 * d**2 / c**2),
            "pd_capacity_32_abs": s + d * (1 - np.abs(d) / c) * (1 - 2 * np.abs(d) / c),
        }[name]
        return rhs / tau

    return oracle
