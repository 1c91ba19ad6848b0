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

from optimized.alf.routing import InputCheck
from optimized.twin import Twin
from reference.alf import actor_distribution_networks as ref
from reference.specs import Nest, map_structure

__all__ = [
    "ActorDistributionNetwork",
    "ActorDistributionNetworkBase",
    "ActorDistributionRNNNetwork",
    "ParallelActorDistributionNetwork",
]


class _CheckedForward:
    """The reference's step with the observation checked by the compiled check (a few
    attribute reads, not the reference's nest walk and parameter scan for the dtype)."""

    _encoding_net: Any
    projection_net: Any

    def fuse(self) -> None:
        self._check = InputCheck(self)  # type: ignore[arg-type]

    def forward(self, observation: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        """``pi_k = projection_k(encoder(o))`` for every action leaf k."""
        self._check(observation)
        encoding, state = self._encoding_net(observation, state)
        return map_structure(lambda proj: proj(encoding)[0], self.projection_net), state


class ActorDistributionNetworkBase(_CheckedForward, Twin, ref.ActorDistributionNetworkBase):
    """The reference's routing over the converted encoder and projections."""


class ActorDistributionNetwork(_CheckedForward, Twin, ref.ActorDistributionNetwork):
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
