"""Benchmark cases of the ALF flows: RealNVP's forward with its log-det and its inverse, with
the FLOPs the math needs credited (the reference's forward + log-det runs the networks
twice)."""

from __future__ import annotations

import itertools

from properties.entry import Bench, BenchCase
from reference.specs import TensorSpec


def realnvp_flops(d: int, fc: tuple[int, ...], num_layers: int, batch: int) -> dict[str, int]:
    """FLOPs a RealNVP map needs, forward or inverse with its log-det: one pass of every
    layer's scale and translation networks (2 per multiply-add; backward twice the
    forward). The reference's forward + log-det runs the networks twice."""
    sizes = [d, *fc, d]
    pair = 2 * sum(a * b for a, b in itertools.pairwise(sizes))
    fwd = 2 * batch * pair * num_layers
    return {"fwd": fwd, "fwd+bwd": 3 * fwd}


def realnvp_bench() -> Bench:
    base = {
        "input_tensor_spec": TensorSpec((16,)),
        "fc_layer_params": (128, 128),
        "num_layers": 4,
        "activation": "tanh",
    }
    return Bench(
        tuple(
            BenchCase(
                f"{op},B={b}", {**base, "op": op}, b, flops=realnvp_flops(16, (128, 128), 4, b)
            )
            for op in ("fwd_logdet", "inverse")
            for b in (64, 1024)
        )
    )
