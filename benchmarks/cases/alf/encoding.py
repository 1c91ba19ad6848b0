"""Benchmark cases of the ALF encoding networks: the single and the parallel
EncodingNetwork, and the parallel ImageEncodingNetwork."""

from __future__ import annotations

from properties.entry import Bench, BenchCase, Target
from reference.specs import TensorSpec

#: Issue 10: ParallelEncodingNetwork n=16 at B=1, 4x the reference in both modes.
TARGETS = (Target("fwd", 4.0), Target("fwd+bwd", 4.0))


def encoding_bench(parallel: bool) -> Bench:
    """fc (256, 256) on 32 features at B = 1, 64, 1024; the parallel form with n = 1, 4, 16
    (n=16 at B=1: the target of issue 10, 4x the reference's loop over replicas)."""
    base = {
        "input_tensor_spec": TensorSpec((32,)),
        "fc_layer_params": (256, 256),
        "activation": "relu_",
    }
    ns = (1, 4, 16) if parallel else (None,)
    return Bench(
        tuple(
            BenchCase(
                f"B={b}" + (f",n={n}" if n else ""),
                {**base, **({"n": n} if n else {})},
                b,
                targets=TARGETS if (b, n) == (1, 16) else (),
            )
            for n in ns
            for b in (1, 64, 1024)
        )
    )


def image_bench() -> Bench:
    base = {
        "input_channels": 3,
        "input_size": (16, 16),
        "conv_layer_params": ((16, 3, 2), (32, 3, 2)),
        "same_padding": False,
        "activation": "relu_",
        "kernel_initializer": None,
        "flatten_output": True,
    }
    return Bench(
        tuple(
            BenchCase(f"B={b},n={n}", {**base, "n": n}, b)
            for n in (1, 4, 16)
            for b in (1, 64, 1024)
        )
    )
