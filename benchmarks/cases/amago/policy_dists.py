"""Benchmark cases of AMAGO's policy heads: TanhGaussian's forward + rsample + log_prob at
B*L = 4096 (64x64), d = 6, with its target of issue 10 (2x the reference)."""

from __future__ import annotations

import math

from properties.entry import Bench, BenchCase, Target

TANH_GAUSSIAN = {
    "d_action": 6,
    "std_low": math.exp(-5.0),
    "std_high": math.exp(2.0),
    "std_activation": "tanh_bounded_positive",
    "clip_actions_on_log_prob": (-0.99, 0.99),
    "inner_batch": (),
}

BENCHES = {
    "TanhGaussian": Bench(
        (
            BenchCase(
                "B*L=4096,d=6",
                TANH_GAUSSIAN,
                4096,
                # its random-number draw ([B*L, d] normals) is a floor of its own
                targets=(Target("fwd", 2.0, rng_draw=(4096, 6)),),
            ),
        )
    ),
}


def bench(name: str) -> Bench:
    """The cases of ``amago.<name>`` (none for most heads)."""
    return BENCHES.get(name, Bench())
