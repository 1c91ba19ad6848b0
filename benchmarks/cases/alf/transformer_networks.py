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


def transformer_bench() -> Bench:
    """d_model 64, 4 heads, 2 prememory + 2 memory layers (one central memory of 32
    slots), 16 input embeddings, at B = 64: one step (target 2x), and ``unroll`` over
    T = 64 with resets at 10% of steps (target 3x the reference's step loop)."""
    cfg = {
        "input_tensor_spec": TensorSpec((16, 64)),
        "num_prememory_layers": 2,
        "num_attention_heads": 4,
        "memory_size": 32,
        "num_memory_layers": 2,
    }
    seq = {**cfg, "steps": 64, "reset_rate": 0.1}
    return Bench(
        (
            BenchCase("step,B=64", cfg, 64, targets=(Target("fwd+bwd", 2.0),)),
            BenchCase(
                "T=64,B=64,resets=10%",
                seq,
                64,
                modes=("fwd+bwd",),
                targets=(Target("fwd+bwd", 3.0),),
            ),
        )
    )
