"""Benchmark cases of the ALF latent actor: a conditional RealNVP flow of 4 layers over a
squashed normal, at B = 16 and 256."""

from __future__ import annotations

import torch

from properties.entry import Bench, BenchCase
from reference.specs import BoundedTensorSpec, TensorSpec


def latent_bench() -> Bench:
    cfg = {
        "input_tensor_spec": TensorSpec((16,)),
        "action_spec": BoundedTensorSpec((6,), torch.float32, -1.0, 1.0),
        "conditional_flow": True,
        "scale_distribution": True,
        "flow": {"fc_layer_params": (64, 64), "num_layers": 4},
    }
    return Bench(tuple(BenchCase(f"B={b}", cfg, b) for b in (16, 256)))
