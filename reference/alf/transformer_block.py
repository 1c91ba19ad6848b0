"""ALF's ``TransformerBlock`` (``alf.layers``): the building block of the transformer networks.

A pre-LayerNorm residual block (Xiong et al. 2020) over a query ``x`` attending to a memory
``m`` (``m = x`` for self-attention)::

    q_h = LN1(x) Wq_h,  k_h = LN1(m) Wk_h,  v_h = LN1(m) Wv_h          (head h = 1..H)
    s_h = ((q_h + u_h) k_h^T + (q_h + w_h) P^T) / sqrt(d_k)            (Transformer-XL biases)
    a_h = softmax(s_h) over the memory slots, masked slots excluded
    r_h = [a_h v_h, a_h P]   (a_h P only with ``add_positional_encoding``)
    y   = x + [r_1 .. r_H] Wo
    z   = y + MLP(LN2(y)),   MLP = FC(d_model, d_ff, activation) -> FC(d_ff, d_model)

``P`` is the learnable positional encoding: ``'abs'``, one row per memory position
(``P[j]`` for slot j, the first N rows when the memory is shorter than ``memory_size``);
``'rel'``, one row per offset, ``P[i, j] = E[N - 1 + i - j]`` of the ``2 N - 1`` middle rows
``E`` of the table; ``'none'``, no ``P`` term (and no ``w``). Without
``scale_attention_score`` the ``1 / sqrt(d_k)`` factor is 1.

Parameter names and shapes are upstream's: ``_q_proj``, ``_k_proj`` ``[d_model, H d_k]``,
``_v_proj`` ``[d_model, H d_v]``, ``_o_proj`` ``[H d_a, d_model]`` (``d_a = d_v (+ d_k)``),
``_positional_encoding`` ``[L, d_k]``, ``_qp_bias`` (w) and ``_qk_bias`` (u) ``[H, d_k]``,
``_mlp.<i>`` (FC layers, with ``Dropout`` between them when ``dropout > 0``), ``_norm1``,
``_norm2``. Initialisation as upstream: Xavier-uniform projections, zero biases, the
positional table uniform on [-0.1, 0.1], the MLP by ALF's FC default.

A query row whose every memory slot is masked attends to nothing: its attention result is
zero (upstream's softmax over all ``-inf`` gives NaN there; contract item 7).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from reference.alf.layers import FC, Identity, check_activation


def _positive(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"TransformerBlock {what}: expected a positive int, got {value!r}")
    return value


class TransformerBlock(nn.Module):
    """Multi-head attention then a position-wise MLP, each a pre-LN residual (module doc)."""

    def __init__(
        self,
        d_model: int,
        num_heads: int,
        memory_size: int,
        d_k: int | None = None,
        d_v: int | None = None,
        d_ff: int | None = None,
        dropout: float = 0.0,
        activation: Callable = torch.relu_,
        positional_encoding: str = "abs",
        add_positional_encoding: bool = True,
        scale_attention_score: bool = True,
    ):
        super().__init__()
        _positive(d_model, "d_model")
        _positive(num_heads, "num_heads")
        _positive(memory_size, "memory_size")
        d_k = d_model // num_heads if d_k is None else d_k
        d_v = d_model // num_heads if d_v is None else d_v
        d_ff = 4 * d_model if d_ff is None else d_ff
        _positive(d_k, "d_k (d_model // num_heads by default)")
        _positive(d_v, "d_v (d_model // num_heads by default)")
        _positive(d_ff, "d_ff")
        if positional_encoding not in ("none", "abs", "rel"):
            raise ValueError(
                "TransformerBlock positional_encoding: expected 'none', 'abs' or 'rel', got "
                f"{positional_encoding!r}"
            )
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"TransformerBlock dropout: expected a ratio in [0, 1), got {dropout}")
        check_activation(activation, "TransformerBlock activation")
        if positional_encoding == "none":
            add_positional_encoding = False
        d_a = d_v + d_k if add_positional_encoding else d_v
        self._q_proj = nn.Parameter(torch.empty(d_model, num_heads * d_k))
        self._k_proj = nn.Parameter(torch.empty(d_model, num_heads * d_k))
        self._v_proj = nn.Parameter(torch.empty(d_model, num_heads * d_v))
        self._o_proj = nn.Parameter(torch.empty(num_heads * d_a, d_model))
        self._d_model, self._d_k, self._d_v, self._d_a = d_model, d_k, d_v, d_a
        self._num_heads = num_heads
        self._memory_size = memory_size
        self._relative = positional_encoding == "rel"
        self._add_positional_encoding = add_positional_encoding
        self._attention_scale = d_k**-0.5 if scale_attention_score else 1.0
        mlp: list[nn.Module] = [FC(d_model, d_ff, activation)]
        if dropout > 0:
            mlp.append(nn.Dropout(dropout))
        mlp.append(FC(d_ff, d_model))
        if dropout > 0:
            mlp.append(nn.Dropout(dropout))
        self._dropout: nn.Module = nn.Dropout(dropout) if dropout > 0 else Identity()
        self._mlp = nn.Sequential(*mlp)
        self._norm1 = nn.LayerNorm(d_model)
        self._norm2 = nn.LayerNorm(d_model)
        rows = 2 * memory_size - 1 if self._relative else memory_size
        self._positional_encoding: nn.Parameter | None = None
        self._qp_bias: nn.Parameter | None = None
        if positional_encoding != "none":
            self._positional_encoding = nn.Parameter(torch.empty(rows, d_k))
            self._qp_bias = nn.Parameter(torch.empty(num_heads, d_k))
        self._qk_bias = nn.Parameter(torch.empty(num_heads, d_k))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for w in (self._q_proj, self._k_proj, self._v_proj, self._o_proj):
            nn.init.xavier_uniform_(w)
        nn.init.zeros_(self._qk_bias)
        if self._positional_encoding is not None and self._qp_bias is not None:
            nn.init.uniform_(self._positional_encoding, -0.1, 0.1)
            nn.init.zeros_(self._qp_bias)
        for layer in self._mlp:
            reset = getattr(layer, "reset_parameters", None)
            if callable(reset):
                reset()

    @property
    def memory_size(self) -> int:
        return self._memory_size

    def check(
        self, memory: torch.Tensor, query: torch.Tensor | None, mask: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor, bool]:
        """Validate the call (contract item 6); return ``(memory, query [B, M, d], squeeze)``."""
        d = self._d_model
        for what, t in (("memory", memory), ("query", query)):
            if t is None:
                continue
            if not isinstance(t, torch.Tensor) or not t.dtype.is_floating_point:
                raise TypeError(f"TransformerBlock {what}: expected a floating tensor, got {t!r}")
            if t.dtype != self._q_proj.dtype:
                raise TypeError(
                    f"TransformerBlock {what}: expected dtype {self._q_proj.dtype} (the "
                    f"parameters'), got {t.dtype}"
                )
        if memory.dim() != 3 or memory.shape[2] != d:
            raise ValueError(
                f"TransformerBlock memory: expected [B, N, {d}], got {list(memory.shape)}"
            )
        squeeze = query is not None and query.dim() == 2
        q = memory if query is None else (query.unsqueeze(1) if squeeze else query)
        if q.dim() != 3 or q.shape[2] != d or q.shape[0] != memory.shape[0]:
            raise ValueError(
                f"TransformerBlock query: expected [{memory.shape[0]}, {d}] or "
                f"[{memory.shape[0]}, M, {d}], got {list(q.shape)}"
            )
        n, m = memory.shape[1], q.shape[1]
        if n > self._memory_size or m > self._memory_size:
            raise ValueError(
                f"TransformerBlock: expected memory and query lengths <= memory_size "
                f"{self._memory_size}, got N={n}, M={m}"
            )
        if self._relative and m > n:
            raise ValueError(
                f"TransformerBlock: relative positional encoding needs M <= N, got M={m}, N={n}"
            )
        if mask is not None:
            shapes = ([q.shape[0], n], [q.shape[0], m, n])
            if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
                raise TypeError(f"TransformerBlock mask: expected a bool tensor, got {mask!r}")
            if list(mask.shape) not in shapes:
                raise ValueError(
                    f"TransformerBlock mask: expected shape {shapes[0]} or {shapes[1]}, got "
                    f"{list(mask.shape)}"
                )
        return memory, q, squeeze

    def positions(self, n: int, m: int) -> torch.Tensor | None:
        """``P``: ``[N, d_k]`` ('abs') or ``[M, N, d_k]`` with ``P[i, j] = E[N - 1 + i - j]``
        ('rel'), or None ('none')."""
        table = self._positional_encoding
        if table is None:
            return None
        cut = self._memory_size - n
        if not self._relative:
            return table[:n]
        middle = table[cut : table.shape[0] - cut]
        rows = [torch.stack([middle[n - 1 + i - j] for j in range(n)]) for i in range(m)]
        return torch.stack(rows)

    def forward(
        self,
        memory: torch.Tensor,
        query: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``z`` for ``query`` ``[B, d_model]`` or ``[B, M, d_model]`` (None: ``memory``)
        attending to ``memory`` ``[B, N, d_model]``; ``mask`` ``[B, N]`` or ``[B, M, N]``,
        True where a slot is NOT used. Returns the query's shape."""
        memory, x, squeeze = self.check(memory, query, mask)
        n, m = memory.shape[1], x.shape[1]
        h_x = self._norm1(x)
        h_m = h_x if query is None else self._norm1(memory)
        pos = self.positions(n, m)
        if mask is not None and mask.dim() == 2:
            mask = mask.unsqueeze(1).expand(-1, m, -1)
        d_k, d_v = self._d_k, self._d_v
        results = []
        for h in range(self._num_heads):
            q = h_x @ self._q_proj[:, h * d_k : (h + 1) * d_k]
            k = h_m @ self._k_proj[:, h * d_k : (h + 1) * d_k]
            v = h_m @ self._v_proj[:, h * d_v : (h + 1) * d_v]
            logits = (q + self._qk_bias[h]) @ k.transpose(1, 2)
            if pos is not None and self._qp_bias is not None:
                qp = q + self._qp_bias[h]
                if self._relative:  # [B, M, N]: row i against P[i]
                    logits = logits + torch.einsum("bmd,mnd->bmn", qp, pos)
                else:
                    logits = logits + qp @ pos.T
            logits = logits * self._attention_scale
            if mask is not None:
                logits = logits.masked_fill(mask, -math.inf)
            weights = torch.softmax(logits, dim=-1)
            if mask is not None:  # a row with every slot masked attends to nothing
                weights = torch.where(mask.all(-1, keepdim=True), 0.0, weights)
            parts = [weights @ v]
            if self._add_positional_encoding and pos is not None:
                if self._relative:
                    parts.append(torch.einsum("bmn,mnd->bmd", weights, pos))
                else:
                    parts.append(weights @ pos)
            results.append(torch.cat(parts, dim=-1))
        attended = self._dropout(torch.cat(results, dim=-1))
        y = x + attended @ self._o_proj
        z = y + self._mlp(self._norm2(y).reshape(-1, self._d_model)).reshape(y.shape)
        return z.squeeze(1) if squeeze else z
