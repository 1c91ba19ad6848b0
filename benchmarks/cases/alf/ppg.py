"""Benchmark cases of ``alf.algorithms.ppg``: the dual and the shared-encoder
DisjointPolicyValueNetwork, and the auxiliary-phase loss (its whole loss, and its value
targets alone on a long sequence)."""

from __future__ import annotations

import torch

from properties.entry import Bench, BenchCase
from reference.specs import BoundedTensorSpec, TensorSpec


def network_bench() -> Bench:
    cfg = {
        "observation_spec": TensorSpec((64,)),
        "action_spec": BoundedTensorSpec((8,), torch.float32, -1.0, 1.0),
        "fc_layer_params": (256, 256),
        "activation": "relu_",
        "is_sharing_encoder": False,
    }
    shared = {**cfg, "is_sharing_encoder": True}
    return Bench(
        (
            BenchCase("dual,B=1024", cfg, 1024),
            BenchCase("dual,B=64", cfg, 64),
            BenchCase("shared,B=1024", shared, 1024),
        )
    )


def loss_bench() -> Bench:
    base = {
        "D": None,
        "reward_weights": False,
        "gamma": 0.99,
        "td_lambda": 0.95,
        "policy_kl_loss_weight": 1.0,
    }
    aux = {**base, "T": 128, "features": 64, "policy": {"kind": "normal", "d": 6}}
    targets = {**base, "T": 256, "features": 1, "policy": {"kind": "normal", "d": 1}}
    return Bench(
        (
            BenchCase("T=128,B=32,normal", aux, 32),
            BenchCase("targets T=256,B=64", {**targets, "targets_only": True}, 64, ("fwd",)),
        )
    )
