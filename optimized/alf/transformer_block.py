"""Twin of ``reference.alf.transformer_block.TransformerBlock`` (``optimized.twin``).

All heads in one ``scaled_dot_product_attention`` call (the fused flash / memory-efficient
kernels, on CPU and CUDA) instead of a softmax per head, with the projections of a
self-attention as one GEMM. The absolute positional term rides inside that call: with
``q' = [q + u, q + w]``, ``k' = [k, P]`` and ``v' = [v, P]`` the kernel's
``q' k'^T / sqrt(d_k)`` is the block's logit and its ``a v'`` is ``[a v, a P]``, the
attention result with the positional read-out appended. The relative encoding (a ``P``
per query row) runs as batched einsums over all heads.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from optimized.twin import Twin
from reference.alf import transformer_block as ref

__all__ = ["TransformerBlock"]


class TransformerBlock(Twin, ref.TransformerBlock):
    """All heads in one fused attention kernel; positional terms folded into it (module doc)."""

    def relative_positions(self, n: int, m: int) -> torch.Tensor:
        """``[M, N, d_k]``, ``P[i, j] = E[N - 1 + i - j]`` by one gather."""
        table = self._positional_encoding
        assert table is not None
        cut = self._memory_size - n
        middle = table[cut : table.shape[0] - cut]
        rows = torch.arange(m, device=table.device).unsqueeze(1)
        index = n - 1 + rows - torch.arange(n, device=table.device)
        return middle[index]

    def forward(
        self,
        memory: torch.Tensor,
        query: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        memory, x, squeeze = self.check(memory, query, mask)
        b, n, m = memory.shape[0], memory.shape[1], x.shape[1]
        heads, d_k, d_v, d_model = self._num_heads, self._d_k, self._d_v, self._d_model
        h_x = self._norm1(x)
        if query is None:
            qkv = h_x @ torch.cat([self._q_proj, self._k_proj, self._v_proj], dim=1)
            q, k, v = qkv.split([heads * d_k, heads * d_k, heads * d_v], dim=-1)
        else:
            q = h_x @ self._q_proj
            kv = self._norm1(memory) @ torch.cat([self._k_proj, self._v_proj], dim=1)
            k, v = kv.split([heads * d_k, heads * d_v], dim=-1)
        q = q.reshape(b, m, heads, d_k).transpose(1, 2)
        k = k.reshape(b, n, heads, d_k).transpose(1, 2)
        v = v.reshape(b, n, heads, d_v).transpose(1, 2)
        allowed = None
        if mask is not None:
            mask = mask.unsqueeze(1) if mask.dim() == 2 else mask
            empty = mask.all(-1, keepdim=True)  # rows that attend to nothing: zeroed below
            allowed = (~mask | empty).unsqueeze(1)
        qk_bias = self._qk_bias.unsqueeze(1)
        table, qp_bias = self._positional_encoding, self._qp_bias
        if table is None or qp_bias is None:
            out = F.scaled_dot_product_attention(
                q + qk_bias, k, v, attn_mask=allowed, scale=self._attention_scale
            )
        elif not self._relative:
            pos = table[:n].expand(b, heads, n, d_k)
            values = torch.cat([v, pos], dim=-1) if self._add_positional_encoding else v
            out = F.scaled_dot_product_attention(
                torch.cat([q + qk_bias, q + qp_bias.unsqueeze(1)], dim=-1),
                torch.cat([k, pos], dim=-1),
                values,
                attn_mask=allowed,
                scale=self._attention_scale,
            )
        else:
            pos = self.relative_positions(n, m)
            logits = (q + qk_bias) @ k.transpose(-1, -2)
            logits = logits + torch.einsum("bhmd,mnd->bhmn", q + qp_bias.unsqueeze(1), pos)
            logits = logits * self._attention_scale
            if allowed is not None:
                logits = logits.masked_fill(~allowed, float("-inf"))
            weights = torch.softmax(logits, dim=-1)
            out = weights @ v
            if self._add_positional_encoding:
                out = torch.cat([out, torch.einsum("bhmn,mnd->bhmd", weights, pos)], dim=-1)
        if mask is not None:
            out = torch.where(empty.unsqueeze(1), 0.0, out)
        attended = self._dropout(out.transpose(1, 2).reshape(b * m, heads * self._d_a))
        y = torch.addmm(x.reshape(b * m, d_model), attended, self._o_proj)
        z = (y + self._mlp(self._norm2(y))).reshape(b, m, d_model)
        return z.squeeze(1) if squeeze else z
