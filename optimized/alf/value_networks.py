"""Twins of the value networks (``optimized.twin``): the encoder the reference builds is
converted to its fused twin (fused FC layers; batched-GEMM replicas for
``ParallelValueNetwork``), and ``unroll`` hands the whole ``[T, B, ...]`` sequence to the
encoder's own fused ``unroll`` (one LSTM kernel across episode resets for
``ValueRNNNetwork``) instead of the reference's T calls. State_dicts are the reference's."""

from __future__ import annotations

import torch

from optimized.alf.unroll import unroll_member
from optimized.twin import Twin
from reference.alf import value_networks as ref
from reference.alf.unroll import check_sequence
from reference.specs import Nest

__all__ = ["ParallelValueNetwork", "ValueNetwork", "ValueNetworkBase", "ValueRNNNetwork"]


def _unroll_reshaped(
    net: ref.ValueNetworkBase | ref.ParallelValueNetwork,
    inputs: Nest,
    state: Nest,
    first_step: torch.Tensor,
) -> tuple[torch.Tensor, Nest]:
    """The encoder over the whole sequence, its output reshaped to ``[T, B, *output]``."""
    steps, batch = check_sequence(net, inputs, state, first_step)
    value, state = unroll_member(net._encoding_net, inputs, state, first_step)
    return value.reshape(steps, batch, *net._value_shape), state


class ValueNetworkBase(Twin, ref.ValueNetworkBase):
    """The fused encoder; ``unroll`` through the encoder's own fused unroll."""

    def unroll(
        self, inputs: Nest, state: Nest, first_step: torch.Tensor
    ) -> tuple[torch.Tensor, Nest]:
        """The whole sequence through the encoder's fused unroll (module doc)."""
        return _unroll_reshaped(self, inputs, state, first_step)


class ValueNetwork(Twin, ref.ValueNetwork):
    """The fused ``EncodingNetwork``; its ensemble is one batched GEMM per layer."""


class ValueRNNNetwork(Twin, ref.ValueRNNNetwork):
    """``unroll`` through the fused ``LSTMEncodingNetwork`` unroll (one LSTM kernel across
    episode resets) instead of T steps."""

    def unroll(
        self, inputs: Nest, state: Nest, first_step: torch.Tensor
    ) -> tuple[torch.Tensor, Nest]:
        """The whole sequence through the encoder's fused unroll (module doc)."""
        return _unroll_reshaped(self, inputs, state, first_step)


class ParallelValueNetwork(Twin, ref.ParallelValueNetwork):
    """The replicas as batched GEMMs per layer; ``unroll`` through the parallel encoder's
    own unroll."""

    def unroll(
        self, inputs: Nest, state: Nest, first_step: torch.Tensor
    ) -> tuple[torch.Tensor, Nest]:
        """The whole sequence through the parallel encoder's unroll (module doc)."""
        return _unroll_reshaped(self, inputs, state, first_step)
