"""Twins of the deterministic actors (``optimized.twin``): the reference builds the
encoder and the action layers; conversion gives the fused encoder (``addmm`` layers, fused
LSTM unroll).

Each action leaf is one ``addmm`` and one ``addcmul`` (``m + r * squash(.)`` in a single
kernel, the bounds cached per dtype and device instead of rebuilt every call), and
``ActorRNNNetwork.unroll`` runs the encoder's fused ``unroll`` over the whole sequence and
the action layers once on the ``[T * B, D]`` encodings instead of T times.
"""

from __future__ import annotations

from typing import Any

import torch

from optimized.alf.unroll import fold_time
from optimized.twin import Twin
from reference.alf import actor_networks as ref
from reference.specs import Nest, pack_sequence_as

__all__ = ["ActorNetwork", "ActorNetworkBase", "ActorRNNNetwork"]


class ActorNetworkBase(Twin, ref.ActorNetworkBase):
    """Fused action heads: ``addmm`` then ``addcmul`` per leaf with cached bounds."""

    def fuse(self) -> None:
        self._bound_cache: dict = {}

    def _bounds_as(self, like: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        key = (like.dtype, like.device)
        bounds = self._bound_cache.get(key)
        if bounds is None:
            bounds = [
                (
                    torch.as_tensor(m, dtype=like.dtype, device=like.device),
                    torch.as_tensor(r, dtype=like.dtype, device=like.device),
                )
                for m, r in self._bounds
            ]
            self._bound_cache[key] = bounds
        return bounds

    def _actions(self, encoded: torch.Tensor) -> Nest:
        actions = [
            torch.addcmul(m, r, self._squashing_func(layer(encoded)))
            for layer, (m, r) in zip(self._action_layers, self._bounds_as(encoded))
        ]
        return pack_sequence_as(self._action_spec, actions)

    def forward(self, observation: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        self.check_inputs(observation)  # in the dtype of the whole network
        encoded, state = self._encoding_net(observation, state)
        return self._actions(encoded), state


class ActorNetwork(ActorNetworkBase, ref.ActorNetwork):
    """The fused heads over the converted ``EncodingNetwork``."""


class ActorRNNNetwork(ActorNetworkBase, ref.ActorRNNNetwork):
    """The fused heads over the converted ``LSTMEncodingNetwork``; ``unroll`` through its
    fused sequence kernel, heads once over all steps."""

    def unroll(self, inputs: Nest, state: Nest, first_step: torch.Tensor) -> tuple[Nest, Nest]:
        encoder: Any = self._encoding_net  # an LSTMEncodingNetwork: it has unroll
        encoded, state = encoder.unroll(inputs, state, first_step)
        return fold_time(self._actions, encoded), state
