"""Twins of the Q networks (``optimized.twin``): the reference's constructors and state_dict.

Their encoders and last layers convert to the fused ones (``addmm`` FCs; the parallel
encoder and last layer as one batched GEMM per layer for all n replicas). What the twins
add is ``unroll``: the encoder over the whole ``[T, B, ...]`` sequence through its own
fused unroll (``torch.lstm`` across episode resets for ``QRNNNetwork``), then the last
layer once on ``[T*B, d]`` instead of T times on ``[B, d]``.
"""

from __future__ import annotations

from typing import Any

import torch

from optimized.alf.unroll import fold_time, unroll_member
from optimized.twin import Twin
from reference.alf import q_networks as ref
from reference.specs import Nest

__all__ = ["ParallelQNetwork", "QNetwork", "QNetworkBase", "QRNNNetwork"]


class _FusedUnroll:
    """``unroll``: the encoder's own unroll, then the last layer folded over time."""

    _encoding_net: Any
    _final_layer: Any

    def unroll(self, inputs: Nest, state: Nest, first_step: torch.Tensor) -> tuple[Nest, Nest]:
        """The encoder over the whole sequence, the last layer as one GEMM on ``[T*B, d]``."""
        encoded, state = unroll_member(self._encoding_net, inputs, state, first_step)
        return fold_time(self._final_layer, encoded), state


class QNetworkBase(_FusedUnroll, Twin, ref.QNetworkBase):
    """Fused encoder and last layer; ``unroll`` through the encoder's fused sequence path."""


class QNetwork(_FusedUnroll, Twin, ref.QNetwork):
    """Fused encoder and last layer; its parallel form is one batched GEMM per layer."""


class QRNNNetwork(_FusedUnroll, Twin, ref.QRNNNetwork):
    """``unroll`` through the LSTM encoder's fused ``torch.lstm`` path across resets."""


class ParallelQNetwork(_FusedUnroll, Twin, ref.ParallelQNetwork):
    """All n replicas as one batched GEMM per layer (converted ``ParallelFC`` stacks)."""
