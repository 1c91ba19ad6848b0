"""Benchmark cases of ALF's attention networks.

Issue 23's targets (CPU, float32, forward + backward): ``SocialAttentionNetwork`` over 16
entities at B = 256 1.5x the reference (whose attention is a softmax per head);
``TransformerNetwork`` (d_model 64, 4 heads, 2 prememory + 2 memory layers, memory_size
32, 16 input embeddings) at B = 64 2x the reference per step, and its ``unroll`` over
T = 64 with episode resets 3x the reference's step loop.
"""

from __future__ import annotations

from properties.entry import Bench, BenchCase, Target
from reference.specs import TensorSpec


def social_bench() -> Bench:
    """16 entities of 16 features, embeddings fc (64, 64), 4 heads, at B = 256."""
    cfg = {
        "input_tensor_spec": TensorSpec((16, 16)),
        "fc_layer_params": (64, 64),
        "num_of_heads": 4,
    }
    return Bench((BenchCase("N=16,B=256", cfg, 256, targets=(Target("fwd+bwd", 1.5),)),))
