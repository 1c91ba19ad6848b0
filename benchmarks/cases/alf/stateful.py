"""Benchmark cases of the ALF stateful networks: TemporalPool's ``unroll`` over T=100 steps
in every mode, with and without episode starts, and NoisyFC's step."""

from __future__ import annotations

from properties.entry import Bench, BenchCase


def pool_bench() -> Bench:
    """T=100, B=256, d=64, pooling_size 4 in every mode (no parameters: forward only)."""
    base = {"input_size": 64, "stack_size": 4, "pooling_size": 4, "steps": 100}
    return Bench(
        tuple(
            BenchCase(
                f"{mode},T=100,B=256" + (",resets=10%" if rate else ""),
                {**base, "mode": mode, "reset_rate": rate},
                256,
                modes=("fwd",),
            )
            for mode in ("skip", "avg", "max")
            for rate in (0.0, 0.1)
        )
    )


def noisy_bench() -> Bench:
    return Bench(
        tuple(
            BenchCase(
                f"{d}->{d},B={b}",
                {
                    "input_size": d,
                    "output_size": d,
                    "std_init": 0.5,
                    "new_noise_prob": 0.01,
                    "activation": "relu",
                    "use_bn": False,
                    "use_ln": False,
                    "kernel_initializer": None,
                    "bias_init_value": 0.0,
                },
                b,
            )
            for d in (64, 256)
            for b in (1, 64, 1024)
        )
    )
