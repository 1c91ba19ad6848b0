"""Twins of the attention networks (``optimized.twin``).

* ``SocialAttentionNetwork``: the key and value projections of every entity as one GEMM,
  and all heads' ego-attention as one ``scaled_dot_product_attention`` call instead of a
  softmax per head.
* ``TransformerNetwork``: its blocks are the fused ``TransformerBlock`` twins (one attention
  kernel for all heads) and its memories the ``FIFOMemory`` twins (a write is one ``cat``).
  ``unroll`` runs the input embedding and the prememory blocks, which do not depend on the
  state, once over all ``T * B`` rows of the sequence (large GEMMs and one attention call
  instead of T small ones); only the memory blocks step through time.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from optimized.alf.memory import FIFOMemory
from optimized.twin import Twin
from reference.alf import transformer_networks as ref
from reference.alf.unroll import check_sequence, no_steps, reset_rows, stack_steps
from reference.specs import Nest, map_structure

__all__ = ["SocialAttentionNetwork", "TransformerNetwork"]


class SocialAttentionNetwork(Twin, ref.SocialAttentionNetwork):
    """Fused FC embeddings, one GEMM for keys and values, one fused attention kernel."""

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[torch.Tensor, Nest]:  # type: ignore[override]
        x, _ = ref.PreprocessorNetwork.forward(self, inputs, state)
        e = self.embed(x)
        b, n, width = e.shape
        heads, d = self._num_of_heads, self._fea_dim_per_head
        w_kv = torch.cat([self._key_proj.weight, self._value_proj.weight], dim=0)
        kv = (e.reshape(b * n, width) @ w_kv.T).reshape(b, n, 2, heads, d)
        keys, values = kv.permute(2, 0, 3, 1, 4).unbind(0)
        query = (e[:, 0] @ self._query_proj.weight.T).reshape(b, heads, 1, d)
        out = F.scaled_dot_product_attention(query, keys, values)
        return out.reshape(b, width), state


class TransformerNetwork(Twin, ref.TransformerNetwork):
    """Fused blocks and memories; ``unroll`` folds the state-free part over time."""

    def fuse(self) -> None:
        # plain objects outside the module tree, holding no weights: their twins stand in
        self._memories = [FIFOMemory(m.dim, m.size) for m in self._memories]

    def unroll(self, inputs: Nest, state: Nest, first_step: torch.Tensor) -> tuple[Nest, Nest]:
        steps, batch = check_sequence(self, inputs, state, first_step)
        if steps == 0:
            return no_steps(self, inputs, state, batch), state
        flat = map_structure(lambda v: v.reshape(steps * batch, *v.shape[2:]), inputs)
        x = self.embeddings(flat)
        x = x.reshape(steps, batch, *x.shape[1:])
        if not self._memories:
            y = self.output(x.reshape(steps * batch, *x.shape[2:]))
            return y.reshape(steps, batch, *y.shape[1:]), state
        outputs = []
        for t in range(steps):
            state = reset_rows(state, first_step[t])
            x_t, state = self.memory_layers(x[t], state)
            outputs.append(self.output(x_t))
        return stack_steps(outputs), state
