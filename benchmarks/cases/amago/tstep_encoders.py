"""Benchmark cases of AMAGO's timestep encoders: default-sized encoders on one step of one
trajectory and on a training batch."""

from __future__ import annotations

from properties.entry import Bench, BenchCase

CONFIGS = {
    "FFTstepEncoder": {"obs_shapes": {"observation": (64,)}, "rl2_dim": 7},
    "CNNTstepEncoder": {
        "obs_shapes": {"observation": (84, 84, 3)},
        "rl2_dim": 7,
        "obs_key": "observation",
    },
}


def bench(name: str) -> Bench:
    """The cases of ``amago.<name>``."""
    cfg = CONFIGS[name]
    return Bench(
        tuple(
            BenchCase(f"B*L={b * n}(B={b},L={n})", {**cfg, "length": n}, b)
            for b, n in ((1, 1), (32, 8))
        )
    )
