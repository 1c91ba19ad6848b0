"""Twins of the attention networks (``optimized.twin``).

* ``SocialAttentionNetwork``: the key and value projections of every entity as one GEMM,
  and all heads' ego-attention as one ``scaled_dot_product_attention`` call instead of a
  softmax per head.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from optimized.twin import Twin
from reference.alf import transformer_networks as ref
from reference.specs import Nest

__all__ = ["SocialAttentionNetwork"]


class SocialAttentionNetwork(Twin, ref.SocialAttentionNetwork):
    """Fused FC embeddings, one GEMM for keys and values, one fused attention kernel."""

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[torch.Tensor, Nest]:
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
