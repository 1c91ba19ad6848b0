"""Twin of ``reference.alf.transformer_block.TransformerBlock`` (``optimized.twin``).

All heads at once instead of a softmax per head, with the projections of a self-attention
as one GEMM. On CUDA the attention is one ``scaled_dot_product_attention`` call (the fused
flash / memory-efficient kernels), the absolute positional term riding inside it: with
``q' = [q + u, q + w]``, ``k' = [k, P]`` and ``v' = [v, P]`` the kernel's
``q' k'^T / sqrt(d_k)`` is the block's logit and its ``a v'`` is ``[a v, a P]``, the
attention result with the positional read-out appended. On the CPU the same attention runs
as batched GEMMs over all heads (:func:`attention_gemms`: at these sizes the fused CPU
kernel's buffers and the per-row copies of ``P`` cost more than the logits); a test holds the
two forms equal. The relative encoding (a ``P`` per query row) runs as batched einsums.
Memory rows projected once (:meth:`TransformerBlock.key_values`) can be attended to again
without projecting them again (:meth:`TransformerBlock.attend`).
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

    def key_values(self, rows: torch.Tensor) -> torch.Tensor:
        """``[k | v]`` ``[B, N, heads * (d_k + d_v)]``: the normalised memory rows projected,
        one GEMM for both, kept side by side (one tensor to concatenate, shift and reset
        where memory rows move, instead of two); row-wise, so rows projected once can be
        reused."""
        return self._norm1(rows) @ torch.cat([self._k_proj, self._v_proj], dim=1)

    def queries(self, x: torch.Tensor) -> torch.Tensor:
        """``q`` ``[B, M, heads * d_k]`` of query rows ``x``."""
        return self._norm1(x) @ self._q_proj

    def attend(
        self, x: torch.Tensor, kv: torch.Tensor, q: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The block's output for query rows ``x`` ``[B, M, d_model]`` over memory rows
        already projected by :meth:`key_values` (and ``x`` by :meth:`queries`, where given;
        unchecked: the caller built them)."""
        k, v = kv.split([self._num_heads * self._d_k, self._num_heads * self._d_v], dim=-1)
        return self._block(x, self.queries(x) if q is None else q, k, v, None)

    def forward(
        self,
        memory: torch.Tensor,
        query: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        memory, x, squeeze = self.check(memory, query, mask)
        heads, d_k, d_v = self._num_heads, self._d_k, self._d_v
        if query is None:
            qkv = self._norm1(x) @ torch.cat([self._q_proj, self._k_proj, self._v_proj], dim=1)
            q, k, v = qkv.split([heads * d_k, heads * d_k, heads * d_v], dim=-1)
        else:
            q = self._norm1(x) @ self._q_proj
            k, v = self.key_values(memory).split([heads * d_k, heads * d_v], dim=-1)
        z = self._block(x, q, k, v, mask)
        return z.squeeze(1) if squeeze else z

    def _block(
        self,
        x: torch.Tensor,
        q: torch.Tensor,
        k: torch.Tensor,
        v: torch.Tensor,
        mask: torch.Tensor | None,
    ) -> torch.Tensor:
        """Attention of the projected queries over ``k``/``v``, then the residual MLP."""
        b, n, m = k.shape[0], k.shape[1], x.shape[1]
        heads, d_k, d_v, d_model = self._num_heads, self._d_k, self._d_v, self._d_model
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
        q_w = None if qp_bias is None else q + qp_bias.unsqueeze(1)
        read_pos = self._add_positional_encoding
        pos: torch.Tensor | None = None
        if table is not None:  # relative: a P per query row, which only the GEMM form takes
            pos = self.relative_positions(n, m) if self._relative else table[:n]
        fused = q.is_cuda and not self._relative
        attention = attention_kernel if fused else attention_gemms
        out = attention(q + qk_bias, q_w, k, v, pos, self._attention_scale, allowed, read_pos)
        if mask is not None:
            out = torch.where(empty.unsqueeze(1), 0.0, out)
        attended = self._dropout(out.transpose(1, 2).reshape(b * m, heads * self._d_a))
        y = torch.addmm(x.reshape(b * m, d_model), attended, self._o_proj)
        return (y + self._mlp(self._norm2(y))).reshape(b, m, d_model)


def attention_kernel(
    q_u: torch.Tensor,
    q_w: torch.Tensor | None,
    k: torch.Tensor,
    v: torch.Tensor,
    pos: torch.Tensor | None,
    scale: float,
    allowed: torch.Tensor | None,
    read_pos: bool,
) -> torch.Tensor:
    """``softmax(s (q_u k^T + q_w P^T)) [v, P]`` as one ``scaled_dot_product_attention``
    call (flash / memory-efficient kernels on CUDA), ``P`` folded in as extra feature
    columns (module doc). ``q`` ``[B, H, M, d_k]``, ``k`` ``[B, H, N, d_k]``, ``P``
    ``[N, d_k]``; without ``P`` plain attention."""
    if pos is None or q_w is None:
        return F.scaled_dot_product_attention(q_u, k, v, attn_mask=allowed, scale=scale)
    b, heads, n, d_k = k.shape
    wide = pos.expand(b, heads, n, d_k)
    return F.scaled_dot_product_attention(
        torch.cat([q_u, q_w], dim=-1),
        torch.cat([k, wide], dim=-1),
        torch.cat([v, wide], dim=-1) if read_pos else v,
        attn_mask=allowed,
        scale=scale,
    )


def attention_gemms(
    q_u: torch.Tensor,
    q_w: torch.Tensor | None,
    k: torch.Tensor,
    v: torch.Tensor,
    pos: torch.Tensor | None,
    scale: float,
    allowed: torch.Tensor | None,
    read_pos: bool,
) -> torch.Tensor:
    """The same as :func:`attention_kernel` by batched GEMMs over all heads: on the CPU,
    where the fused kernel pays for buffers and the folded form copies ``P`` per batch row
    and head, ``P`` enters as one ``[B H M, d_k] x [d_k, N]`` GEMM instead. ``P`` may also
    be relative, ``[M, N, d_k]`` (a table per query row), which the kernel cannot take."""
    relative = pos is not None and pos.dim() == 3
    logits = q_u @ k.transpose(-1, -2)
    if pos is not None and q_w is not None:
        logits = logits + (torch.einsum("bhmd,mnd->bhmn", q_w, pos) if relative else q_w @ pos.T)
    logits = logits * scale
    if allowed is not None:
        logits = logits.masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(logits, dim=-1)
    out = weights @ v
    if read_pos and pos is not None:
        read = torch.einsum("bhmn,mnd->bhmd", weights, pos) if relative else weights @ pos
        out = torch.cat([out, read], dim=-1)
    return out
