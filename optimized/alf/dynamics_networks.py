"""Twins of the dynamics networks (``optimized.twin``): the reference's constructors and
state_dict. The encoder and projection convert to the fused ones (``addmm`` FCs; all n
replicas as one batched GEMM per layer). The parallel twin concatenates a shared
``[B, ...]`` observation and action once, ``[B, d]``, and lets the first parallel layer
broadcast it, where the reference concatenates the n expanded copies ``[B, n, d]``.
"""

from __future__ import annotations

from typing import Any

import torch

from optimized.twin import Twin
from reference.alf import dynamics_networks as ref
from reference.alf.network import replicate_input
from reference.specs import Nest, check_nest, flatten

__all__ = ["DynamicsNetwork", "ParallelDynamicsNetwork"]


class DynamicsNetwork(Twin, ref.DynamicsNetwork):
    """Fused encoder and projection; its parallel form is one batched GEMM per layer."""


class ParallelDynamicsNetwork(Twin, ref.ParallelDynamicsNetwork):
    """A shared input concatenated once, not per replica (module doc)."""

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[Any, Nest]:
        what, dtype = f"{self.name} input", self.float_dtype()
        outer = check_nest(self._input_tensor_spec, inputs, (1, 2), dtype, what)
        if len(outer) == 2 and outer[1] != self._n:  # the reference's error
            replicate_input(self._input_tensor_spec, inputs, self._n, what, dtype)
        observation, action = inputs
        out, _ = self._joint_encoder(torch.cat([observation, flatten(action)[0]], dim=-1))
        if self._projection_net is not None:
            out, _ = self._projection_net(out)
        return out, state
