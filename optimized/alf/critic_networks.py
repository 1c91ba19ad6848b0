"""Twins of the critic networks (``optimized.twin``): the reference builds the encoders and
the joint stack, and conversion swaps their layers for the fused ones. A critic ensemble
(``make_parallel(n)``) thus runs every layer of the n critics, both encoders included, as
one batched GEMM in the replica-major layout (``ParallelSequential``), where the reference
loops over the replicas layer by layer; ``CriticRNNNetwork.unroll`` is the optimized
``LSTMEncodingNetwork``'s (one fused LSTM kernel across episode resets). State_dicts are
the reference's (upstream's)."""

from __future__ import annotations

from optimized.alf.recurrent import LSTMEncodingNetwork
from optimized.twin import Twin
from reference.alf import critic_networks as ref

__all__ = ["CriticNetwork", "CriticRNNNetwork"]


class CriticNetwork(Twin, ref.CriticNetwork):
    """Fused FC layers; the ensemble runs all replicas per layer as one batched GEMM."""


class CriticRNNNetwork(LSTMEncodingNetwork, ref.CriticRNNNetwork):
    """The recurrent critic under the optimized ``LSTMEncodingNetwork``'s member-wise
    ``unroll`` (fused LSTM across resets) and fused step."""
