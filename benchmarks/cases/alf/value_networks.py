"""Benchmark cases of the ALF value networks: the value ensemble
(``ParallelValueNetwork``), and ``ValueRNNNetwork``'s whole-sequence ``unroll`` over
T = 100, B = 32, LSTM 256 with resets at 10% of steps (issue 22: 1.8x the reference's step
loop, through the fused LSTM path of ``LSTMEncodingNetwork``)."""

from __future__ import annotations

from benchmarks.cases.alf.critic_networks import fc_lstm_flops
from properties.entry import Bench, BenchCase, Target
from reference.specs import TensorSpec

OBS = TensorSpec((17,))


def value_bench(parallel: bool) -> Bench:
    """fc (256, 256) on 17 features at B = 1, 256; the ensemble with n = 10."""
    base = {"input_tensor_spec": OBS, "fc_layer_params": (256, 256)}
    extra = {"n": 10} if parallel else {}
    label = ",n=10" if parallel else ""
    return Bench(tuple(BenchCase(f"B={b}{label}", {**base, **extra}, b) for b in (1, 256)))


def value_rnn_bench() -> Bench:
    """``unroll`` of fc (256,) -> LSTM 256 over T = 100 at B = 32, resets at 10%."""
    cfg = {
        "input_tensor_spec": OBS,
        "fc_layer_params": (256,),
        "lstm_hidden_size": 256,
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
                flops=fc_lstm_flops(OBS.shape[0], 256, 100, 32),
                targets=(Target("fwd+bwd", 1.8),),
            ),
        )
    )
