"""Benchmark cases of the ALF critics: the critic ensemble ``CriticNetwork(...).
make_parallel(n)`` as SAC, TD3 and REDQ keep it, and ``CriticRNNNetwork``'s whole-sequence
``unroll``.

Issue 22's targets: the ensemble (obs 17, action 6, joint fc (256, 256), n = 10) 4x the
reference's loop over replicas at B = 1 (acting), 3x at B = 256 (training), and ahead of
``torch.func`` vmap over the stacked replica states at both; the recurrent critic over
T = 100, B = 32, LSTM 256 with resets at 10% of steps 1.8x the reference's step loop.
"""

from __future__ import annotations

import torch

from benchmarks.cases.alf.recurrent import rnn_flops
from properties.entry import Bench, BenchCase, Target
from reference.specs import BoundedTensorSpec, TensorSpec

OBS, ACTION = TensorSpec((17,)), BoundedTensorSpec((6,), torch.float32, -1.0, 1.0)


def critic_bench() -> Bench:
    """The single critic at B = 1, 256; the ensemble (n = 2, 10) at B = 1, 256, with the
    targets on n = 10."""
    base = {"input_tensor_spec": (OBS, ACTION), "joint_fc_layer_params": (256, 256)}
    cases = [BenchCase(f"B={b}", base, b) for b in (1, 256)]
    for n in (2, 10):
        for b, speedup in ((1, 4.0), (256, 3.0)):
            # forward + backward, as the issue measures a training step
            targets = (
                (Target("fwd+bwd", speedup), Target("fwd+bwd", 1.0, "vmap")) if n == 10 else ()
            )
            cases.append(BenchCase(f"B={b},n={n}", {**base, "n": n}, b, targets=targets))
    return Bench(tuple(cases))


def fc_lstm_flops(features: int, hidden: int, steps: int, batch: int) -> dict[str, int]:
    """GEMM FLOPs of ``features -> fc(hidden) -> LSTM(hidden) -> fc(1)`` over a sequence: the
    LSTM's (:func:`rnn_flops`) plus, in the backward, its input gradient into the fc layer
    ``2 T B H G``, and the two fc layers' forward, weight gradients and (the last layer's
    only: the inputs need none) input gradient. Fused LSTM kernels are invisible to
    ``FlopCounterMode``, so the cases credit these (they equal the step loop's count)."""
    lstm = rnn_flops(4, hidden, hidden, steps, batch)
    rows = steps * batch
    fc = 2 * rows * (features * hidden + hidden)
    return {
        "fwd": lstm["fwd"] + fc,
        "fwd+bwd": lstm["fwd+bwd"]
        + 2 * rows * hidden * 4 * hidden
        + 3 * fc
        - 2 * rows * features * hidden,
    }


def critic_rnn_bench() -> Bench:
    """``unroll`` over T = 100 at B = 32 with one LSTM of 256 after a joint fc (256,), with
    resets at 10% of steps; target 1.8x the reference's step loop (fwd+bwd)."""
    cfg = {
        "input_tensor_spec": (OBS, ACTION),
        "joint_fc_layer_params": (256,),
        "lstm_hidden_size": 256,
        "steps": 100,
        "reset_rate": 0.1,
    }
    flops = fc_lstm_flops(OBS.shape[0] + ACTION.shape[0], 256, 100, 32)
    return Bench(
        (
            BenchCase(
                "T=100,B=32,resets=10%",
                cfg,
                32,
                modes=("fwd+bwd",),
                flops=flops,
                targets=(Target("fwd+bwd", 1.8),),
            ),
        )
    )
