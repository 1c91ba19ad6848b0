"""Twins of the stochastic actors (``optimized.twin``): the reference builds the encoder
and the projections; conversion swaps in the fused encoder (``addmm`` layers, fused LSTM
unroll, one ``bmm`` per layer for all replicas of the parallel form) and the fused
projections (two heads as one GEMM, closed-form distributions).

``ActorDistributionRNNNetwork.unroll`` runs the encoder's fused ``unroll`` (one LSTM kernel
across episode resets) instead of the reference's T encoder steps, then projects all
``T * B`` encodings at once, as the reference does.
"""

from __future__ import annotations

from typing import Any

import torch

from optimized.twin import Twin
from reference.alf import actor_distribution_networks as ref
from reference.specs import Nest, map_structure

__all__ = [
    "ActorDistributionNetwork",
    "ActorDistributionNetworkBase",
    "ActorDistributionRNNNetwork",
    "ParallelActorDistributionNetwork",
]


class ActorDistributionNetworkBase(Twin, ref.ActorDistributionNetworkBase):
    """The reference's routing over the converted encoder and projections."""


class ActorDistributionNetwork(Twin, ref.ActorDistributionNetwork):
    """The reference's routing over the fused ``EncodingNetwork`` and projections."""


class ActorDistributionRNNNetwork(Twin, ref.ActorDistributionRNNNetwork):
    """``unroll`` through the encoder's fused sequence kernel, projections once over all
    steps."""

    def unroll(self, inputs: Nest, state: Nest, first_step: torch.Tensor) -> tuple[Nest, Nest]:
        encoder: Any = self._encoding_net  # an LSTMEncodingNetwork: it has unroll
        encoded, state = encoder.unroll(inputs, state, first_step)
        e = encoded.reshape(-1, *encoded.shape[2:])
        return map_structure(lambda proj: proj(e)[0], self.projection_net), state


class ParallelActorDistributionNetwork(Twin, ref.ParallelActorDistributionNetwork):
    """The replica-major parallel encoder (one ``bmm`` per layer) and parallel projection."""
