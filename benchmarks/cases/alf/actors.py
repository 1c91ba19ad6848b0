"""Benchmark cases of the ALF actors (issue 22): the deterministic actor and the SAC-style
distribution actor (observation 17, fc (256, 256), 6 bounded actions; the distribution
actor's step is rsample + log_prob of a state-dependent-std normal squashed by tanh into the
bounds), and the RNN actors' ``unroll`` over T = 100 steps at B = 32 with an LSTM of 256 and
episode starts at 10% of steps (the reference: its step loop)."""

from __future__ import annotations

import torch

from benchmarks.cases.alf.recurrent import lstm_head_flops
from properties.entry import Bench, BenchCase, Target
from reference.specs import BoundedTensorSpec, TensorSpec

OBS = TensorSpec((17,))
BOX = BoundedTensorSpec((6,), torch.float32, -1.0, 1.0)
SAC_PROJECTION = {
    "projection": "normal",
    "projection_cfg": {
        "action_spec": BOX,
        "squash_mean": False,
        "state_dependent_std": True,
        "scale_distribution": True,
        "std_transform": "softplus",
        "activation": "identity",
        "projection_output_init_gain": 0.3,
        "std_bias_initializer_value": 0.0,
    },
}
SEQUENCE = {"steps": 100, "reset_rate": 0.1}


def actor_bench() -> Bench:
    cfg = {"input_tensor_spec": OBS, "action_spec": BOX, "fc_layer_params": (256, 256)}
    return Bench(tuple(BenchCase(f"B={b}", cfg, b) for b in (1, 256)))


def actor_rnn_bench() -> Bench:
    cfg = {"input_tensor_spec": OBS, "action_spec": BOX, "lstm_hidden_size": 256, **SEQUENCE}
    return Bench(
        (
            BenchCase(
                "T=100,B=32,resets=10%",
                cfg,
                32,
                modes=("fwd+bwd",),
                flops=lstm_head_flops(17, 6),
                targets=(Target("fwd+bwd", 1.8),),
            ),
        )
    )


def sac_bench() -> Bench:
    """The SAC actor at B = 256 (target: 1.5x the reference, rsample + log_prob) and B = 1."""
    cfg = {"input_tensor_spec": OBS, "fc_layer_params": (256, 256), **SAC_PROJECTION}
    return Bench(
        tuple(
            BenchCase(
                f"B={b}",
                cfg,
                b,
                targets=(Target("fwd+bwd", 1.5, rng_draw=(b, 6)),) if b == 256 else (),
            )
            for b in (1, 256)
        )
    )


def actor_distribution_rnn_bench() -> Bench:
    """The RNN distribution actor's unroll (target: 1.8x the reference's step loop)."""
    cfg = {"input_tensor_spec": OBS, "lstm_hidden_size": 256, **SAC_PROJECTION, **SEQUENCE}
    return Bench(
        (
            BenchCase(
                "T=100,B=32,resets=10%",
                cfg,
                32,
                modes=("fwd+bwd",),
                flops=lstm_head_flops(17, 12),  # the mean and std heads
                targets=(Target("fwd+bwd", 1.8, rng_draw=(3200, 6)),),
            ),
        )
    )
