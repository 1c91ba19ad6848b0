"""Optimized twins of ``reference.alf.ppg`` (``optimized.twin``; module docs say what each
one fuses): ``DisjointPolicyValueNetwork`` (the dual encoders' first GEMM shared),
``PPGAuxPhaseLoss`` (log-depth GAE scan, closed-form KLs) and ``PPGAuxAlgorithm`` (the
auxiliary phase without per-step network calls). The records and ``ppg_network_forward``
are the reference's objects: they only carry and route tensors."""

from optimized.alf.ppg.algorithm import PPGAuxAlgorithm
from optimized.alf.ppg.loss import PPGAuxPhaseLoss
from optimized.alf.ppg.network import DisjointPolicyValueNetwork
from reference.alf.ppg import (
    PPGAuxOptions,
    PPGAuxPhaseLossInfo,
    PPGRolloutInfo,
    PPGTrainInfo,
    ppg_network_forward,
)

__all__ = [
    "DisjointPolicyValueNetwork",
    "PPGAuxAlgorithm",
    "PPGAuxOptions",
    "PPGAuxPhaseLoss",
    "PPGAuxPhaseLossInfo",
    "PPGRolloutInfo",
    "PPGTrainInfo",
    "ppg_network_forward",
]
