"""Benchmark cases of the ALF dynamics networks: the ensemble ``ParallelDynamicsNetwork``
(obs 17, action 6, joint fc (256, 256), next observation 17, n = 7) at B = 1 and 256,
against the reference's loop over replicas and ``torch.func`` vmap over the stacked
replicas."""

from __future__ import annotations

from benchmarks.cases.alf.q_networks import ENSEMBLE_TARGETS
from properties.entry import Bench, BenchCase
from reference.specs import TensorSpec


def parallel_dynamics_bench() -> Bench:
    """Issue 22: n=7 ensembles, >= 3x the reference at B=256, >= 4x at B=1, ahead of vmap."""
    cfg = {
        "input_tensor_spec": (TensorSpec((17,)), TensorSpec((6,))),
        "output_tensor_spec": TensorSpec((17,)),
        "joint_fc_layer_params": (256, 256),
        "n": 7,
    }
    return Bench(
        tuple(BenchCase(f"B={b},n=7", cfg, b, targets=ENSEMBLE_TARGETS[b]) for b in (1, 256))
    )
