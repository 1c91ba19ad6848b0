"""Benchmark cases of the ALF Q networks: the critic ensemble ``ParallelQNetwork`` (obs 32,
18 actions, fc (256, 256), n = 10) at B = 1 and 256 against the reference's loop over
replicas and ``torch.func`` vmap over the stacked replicas; ``QRNNNetwork.unroll`` over
T = 100 steps, B = 32, LSTM 256, with episode starts at 10% of steps, against the
reference's step loop."""

from __future__ import annotations

import torch

from benchmarks.cases.alf.recurrent import lstm_head_flops
from properties.entry import Bench, BenchCase, Target
from reference.specs import BoundedTensorSpec, TensorSpec

ACTIONS = BoundedTensorSpec((), torch.int64, 0, 17)

#: Issue 22: n=10 critic ensembles, >= 3x the reference's loop at B=256, >= 4x at B=1,
#: ahead of vmap over stacked module states at both.
ENSEMBLE_TARGETS = {
    256: (Target("fwd+bwd", 3.0), Target("fwd+bwd", 1.0, "vmap")),
    1: (Target("fwd+bwd", 4.0), Target("fwd+bwd", 1.0, "vmap")),
}


def parallel_q_bench() -> Bench:
    cfg = {
        "input_tensor_spec": TensorSpec((32,)),
        "action_spec": ACTIONS,
        "fc_layer_params": (256, 256),
        "n": 10,
    }
    return Bench(
        tuple(BenchCase(f"B={b},n=10", cfg, b, targets=ENSEMBLE_TARGETS[b]) for b in (1, 256))
    )


def qrnn_bench() -> Bench:
    """Issue 22: the unroll over T=100, B=32, LSTM 256, 10% resets, >= 1.8x the reference's
    step loop."""
    cfg = {
        "input_tensor_spec": TensorSpec((64,)),
        "action_spec": ACTIONS,
        "lstm_hidden_size": (256,),
        "steps": 100,
        "reset_rate": 0.1,
    }
    return Bench(
        (
            BenchCase(
                "T=100,B=32,resets=10%",
                cfg,
                32,
                modes=("fwd+bwd",),
                flops=lstm_head_flops(64, 18),
                targets=(Target("fwd+bwd", 1.8),),
            ),
        )
    )
