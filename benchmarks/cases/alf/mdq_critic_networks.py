"""Benchmark cases of the MDQ critic: the advantage-form forward (2 critics, obs 17,
action_dim 6, 15 bins, every sub-net (256,), B = 256) against the reference."""

from __future__ import annotations

import torch

from properties.entry import Bench, BenchCase, Target
from reference.specs import BoundedTensorSpec, TensorSpec


def mdq_bench() -> Bench:
    """Issue 22: MdqCriticNetwork forward, 2 replicas, action_dim 6, B=256: >= 2x."""
    cfg = {
        "input_tensor_spec": (
            TensorSpec((17,)),
            BoundedTensorSpec((6,), torch.float32, -1.0, 1.0),
        ),
        "num_critic_replicas": 2,
        "obs_encoding_layer_params": (256,),
        "pre_encoding_layer_params": (256,),
        "mid_encoding_layer_params": (256,),
        "post_encoding_layer_params": (256,),
        "free_form_fc_layer_params": (256, 256),
        "activation": "relu_",
    }
    return Bench(
        (
            BenchCase(
                "B=256,n=2,D=6", cfg, 256, targets=(Target("fwd", 2.0), Target("fwd+bwd", 2.0))
            ),
        )
    )
