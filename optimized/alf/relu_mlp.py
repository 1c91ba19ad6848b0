"""``ReluMLP`` with closed-form Jacobians run as tall 2-D GEMMs, without autograd.

Same constructor, checks, parameters and state_dict as ``reference.alf.relu_mlp`` (this
class is its twin, ``optimized.twin``); only the arithmetic differs. With
``m_l = 1[h_l > 0]`` the ReLU masks of one forward pass and ``W_l`` the layer weights
(``[H_l, H_{l-1}]``, ``H_0 = D``):

    J = W_L · diag(m_h) · W_h ··· diag(m_1) · W_1.

* The masks are folded into the rows (or columns) of a weight once per sample, and every
  following product is one ``[B*k, H] @ W`` GEMM over all samples stacked, instead of a
  batch of small matrix products or one autograd pass per output (``vmap(jacrev)`` also
  pays a first GEMM against the identity basis: 1.2x the FLOPs for 64-256-256-64).
* The first pair ``(W_L ⊙ m_h) @ W_h`` can instead be ``m_h @ T`` with the weight-only
  ``T[a, (i, c)] = W_L[i, a] W_h[a, c]``: no per-sample masking pass, at the price of
  building ``T`` once per call; it is used when ``H_{h-1} <= B / 2``.
* ``compute_jac`` starts from whichever end is cheaper: the output side costs
  ``k * sum_l H_l H_{l-1}`` multiply-adds per sample, the input side
  ``D * (sum_{l>=2} H_l H_{l-1} + H_h k)``; ``output_partial_idx`` slices the rows of
  ``W_L`` first, so nothing outside the requested rows is ever formed.
* ``compute_jac_diag`` never forms ``J``: ``J_ii = sum_c A[i, c] W_1[c, i] m_1[c]`` with
  ``A = W_L diag(m_h) ··· W_2`` (the chain without its last, input-side GEMM), the last
  contraction a batched GEMV; with two hidden layers ``W_1^T`` is folded into ``T`` too,
  and for one hidden layer the diagonal is ``m_1 @ (W_2 ⊙ W_1^T)^T``, one
  ``[B, H] @ [H, D]`` product (``H``-fold less work than the full Jacobian).
* ``compute_jvp`` / ``compute_vjp`` are masked matrix-vector chains (a forward or a
  backward pass of the vectors), never the Jacobian times a vector.

The dense-FLOP floor of ``compute_jac_diag`` with two or more hidden layers: the middle
products ``W_L diag(m_h) W_h ··· W_2`` are needed in full (each output row meets every
hidden unit, and the masks differ per sample), so skipping the last GEMM saves
``D H_1 / (H_2 H_1 + D H_1)`` of the chain: 1.25x fewer FLOPs for 64-256-256-64, 2x for
64-64-64-64.
"""

from __future__ import annotations

from typing import Any

import torch

from optimized.twin import Twin
from reference.alf import relu_mlp as ref
from reference.alf.relu_mlp import Index, SimpleFC
from reference.specs import Nest

__all__ = ["ReluMLP", "SimpleFC"]

#: ``compute_jac``'s ``[B*k, H]`` intermediates stay under this size, larger batches run in
#: slices: above glibc's mmap threshold (at most 32 MB) every call pays for fresh pages.
#: Below it one tall GEMM per layer wins (64-256-256-64, B=256, 16 MiB intermediates, on
#: the 2-core VM: x1.10 of the reference unsliced, x0.86 in the 1 MiB slices used before).
_SLICE_BYTES = 16 << 20


class ReluMLP(Twin, ref.ReluMLP):
    """``reference.alf.ReluMLP`` with its Jacobians as fused, batched GEMM chains."""

    # -- forward and masks ---------------------------------------------------------------
    @staticmethod
    def _relu_mask(pre: torch.Tensor) -> torch.Tensor:
        """``1[h > 0]`` in ``h``'s dtype: the ReLU derivative, 0 at exactly 0."""
        return (pre > 0).to(pre.dtype)

    def _forward_masks(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Outputs and masks of ``[B, D]`` with one ``addmm`` per layer (bias fused into the
        GEMM, no per-layer module call); the layers record ``hidden_neurons`` as in the
        reference."""
        masks = []
        z = x
        layers = self._layers()
        for fc in layers[:-1]:
            pre = torch.addmm(fc.bias, z, fc.weight.t())
            fc._hidden_neurons = pre
            masks.append(self._relu_mask(pre))
            z = torch.relu(pre)
        last = layers[-1]
        y = torch.addmm(last.bias, z, last.weight.t())
        last._hidden_neurons = y
        return y, masks

    def _weights(self) -> list[torch.Tensor]:
        return [fc.weight for fc in self._layers()]

    # -- closed forms --------------------------------------------------------------------
    def _top_fold(
        self, top: torch.Tensor, masks: list[torch.Tensor], extra: torch.Tensor | None
    ) -> torch.Tensor | None:
        """The weight-only ``T[a, (i, c)] = top[i, a] W_h[a, c] extra[i, c]`` (``[H_h,
        k H_{h-1}]``) when it pays, else None: with it, ``(top ⊙ m_h) @ W_h`` for a sample
        is ``m_h @ T``, one GEMM row with no per-sample masking pass. It pays when
        ``H_{h-1} <= B / 2`` (building T costs ``k H_h H_{h-1}``, the masked copies it saves
        ``B k H_h``; a tie goes to the masked copies, whose tall GEMM MKL runs faster)."""
        batch = masks[-1].shape[0]
        w_h = self._weights()[len(self._hidden_layers) - 1]  # [H_h, H_{h-1}]
        (k, size_h), size_prev = top.shape, w_h.shape[1]
        if 2 * size_prev > batch:
            return None
        fold = top.t().contiguous()[:, :, None] * w_h[:, None, :]  # [H_h, k, H_{h-1}]
        if extra is not None:
            fold.mul_(extra)
        return fold.view(size_h, k * size_prev)

    def _top_pair(
        self,
        top: torch.Tensor,
        m_h: torch.Tensor,
        fold: torch.Tensor | None,
        extra: torch.Tensor | None,
    ) -> torch.Tensor:
        """``(top ⊙ m_h) @ W_h`` (times ``extra[i, c]``) for every sample, stacked as
        ``[B*k, H_{h-1}]``: one GEMM, by the fold or by the masked rows of ``top``."""
        w_h = self._weights()[len(self._hidden_layers) - 1]
        (k, size_h), size_prev = top.shape, w_h.shape[1]
        if fold is not None:
            return torch.mm(m_h, fold).view(-1, size_prev)
        a = torch.mm((top * m_h[:, None, :]).view(-1, size_h), w_h)
        if extra is not None:
            a.view(-1, k, size_prev).mul_(extra)
        return a

    def _jac_chain(
        self, masks: list[torch.Tensor], idx: list[int] | None, batch: int
    ) -> torch.Tensor:
        """``J[idx]`` as ``[B, k, D]``: masks folded into one end, then one tall GEMM per
        layer for all samples at once, from the cheaper end. Batches whose ``[B*k, H]``
        intermediates exceed ``_SLICE_BYTES`` run in slices that do not."""
        weights = self._weights()
        top = weights[-1] if idx is None else weights[-1][idx]  # [k, H_h]
        k, d = top.shape[0], self._input_size
        if not masks:
            return top.expand(batch, k, d).clone()
        sizes = [d, *self._hidden_layers]  # H_0 .. H_h
        rows = max(1, _SLICE_BYTES // (k * max(sizes) * top.element_size()))
        if batch > rows:
            return torch.cat(
                [
                    self._jac_chain([m[s : s + rows] for m in masks], idx, min(rows, batch - s))
                    for s in range(0, batch, rows)
                ]
            )
        h = len(masks)
        from_output = k * sum(sizes[i] * sizes[i - 1] for i in range(1, h + 1))
        from_input = d * (sum(sizes[i] * sizes[i - 1] for i in range(2, h + 1)) + sizes[h] * k)
        if from_output <= from_input:
            # rows of J for every sample stacked, [B*k, H_l], walking down to the input
            a = self._top_pair(top, masks[-1], self._top_fold(top, masks, None), None)
            for i in range(h - 1, 0, -1):
                a.view(batch, k, sizes[i]).mul_(masks[i - 1][:, None, :])
                a = torch.mm(a, weights[i - 1])  # [B*k, H_{i-1}]
            return a.view(batch, k, d)
        # columns of J (rows of J^T) for every sample stacked, [B*D, H_l], walking up
        p = (weights[0].t().contiguous() * masks[0][:, None, :]).view(batch * d, sizes[1])
        for i in range(2, h + 1):
            p = torch.mm(p, weights[i - 1].t())  # [B*D, H_i]
            p.view(batch, d, sizes[i]).mul_(masks[i - 1][:, None, :])
        p = torch.mm(p, top.t())  # [B*D, k]
        return p.view(batch, d, k).transpose(1, 2).contiguous()

    def _diag_chain(self, masks: list[torch.Tensor], batch: int) -> torch.Tensor:
        """``diag J`` as ``[B, D]`` without forming ``J``: the chain stops one GEMM short and
        the last contraction is a masked row-wise dot (see the module docstring)."""
        weights = self._weights()
        d = self._input_size
        if not masks:
            return torch.diagonal(weights[0]).expand(batch, d).clone()
        w1t = weights[0].t().contiguous()  # [D, H_1]: W_1[c, i] at [i, c]
        if len(masks) == 1:
            # J_ii = sum_a W_2[i, a] m[a] W_1[a, i]: [B, H] @ [H, D]
            return torch.mm(masks[0], (weights[1] * w1t).t())
        sizes = [d, *self._hidden_layers]
        h = len(masks)
        extra = w1t if h == 2 else None
        fold = self._top_fold(weights[-1], masks, extra)
        a = self._top_pair(weights[-1], masks[-1], fold, extra)  # [B*D, H_{h-1}]
        for i in range(h - 1, 1, -1):
            a.view(batch, d, sizes[i]).mul_(masks[i - 1][:, None, :])
            a = torch.mm(a, weights[i - 1])  # [B*D, H_{i-1}]
        a3 = a.view(batch, d, sizes[1])
        if h > 2:
            a3.mul_(w1t)
        # J_ii = sum_c A[i, c] W_1[c, i] m_1[c]: a batched GEMV with A^T as the transposed
        # operand (MKL's fast layout for it: 2x the plain [B, D, H] @ [B, H, 1] on this CPU)
        return torch.bmm(masks[0][:, None, :], a3.transpose(1, 2))[:, 0, :]

    # -- public API ----------------------------------------------------------------------
    def forward(
        self,
        inputs: torch.Tensor,
        state: Nest = (),
        requires_jac: bool = False,
        requires_jac_diag: bool = False,
    ) -> tuple[Any, Nest]:
        """As the reference; the Jacobian (or its diagonal) reuses this pass's masks."""
        x, unbatched = self._batched(inputs)
        if requires_jac_diag and not requires_jac:
            self._check_square("forward(requires_jac_diag=True)")
        y, masks = self._forward_masks(x)
        result: Any = y
        if requires_jac:
            result = (y, self._jac_chain(masks, None, x.shape[0]))
        elif requires_jac_diag:
            result = (y, self._diag_chain(masks, x.shape[0]))
        if unbatched:
            result = tuple(t[0] for t in result) if isinstance(result, tuple) else y[0]
        return result, state

    def compute_jac(
        self, inputs: torch.Tensor, output_partial_idx: Index | None = None
    ) -> torch.Tensor:
        """As the reference: tall GEMMs from the cheaper end, requested rows only."""
        x, unbatched = self._batched(inputs)
        idx = self._check_idx(output_partial_idx)
        _, masks = self._forward_masks(x)
        jac = self._jac_chain(masks, idx, x.shape[0])
        return jac[0] if unbatched else jac

    def compute_jac_diag(self, inputs: torch.Tensor) -> torch.Tensor:
        """As the reference, one GEMM short of the full chain (n-fold less for one hidden
        layer)."""
        x, unbatched = self._batched(inputs)
        self._check_square("compute_jac_diag")
        _, masks = self._forward_masks(x)
        diag = self._diag_chain(masks, x.shape[0])
        return diag[0] if unbatched else diag

    def compute_jvp(
        self, inputs: torch.Tensor, vec: torch.Tensor, output_partial_idx: Index | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """As the reference: ``v`` pushed forward through the masked layers, one ``[B, H]``
        GEMM per layer (``k * D`` times less work than forming ``J``)."""
        x, unbatched = self._batched(inputs)
        self._check_vec(vec, (self._input_size,), x, unbatched, "compute_jvp vec")
        idx = self._check_idx(output_partial_idx)
        y, masks = self._forward_masks(x)
        weights = self._weights()
        u = vec.unsqueeze(0) if unbatched else vec
        for w, m in zip(weights[:-1], masks):
            u = torch.mm(u, w.t()).mul_(m)
        top = weights[-1] if idx is None else weights[-1][idx]
        jvp = torch.mm(u, top.t())
        return (jvp[0], y[0]) if unbatched else (jvp, y)

    def compute_vjp(
        self, inputs: torch.Tensor, vec: torch.Tensor, output_partial_idx: Index | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """As the reference: ``u`` pulled back through the masked layers, one ``[B, H]``
        GEMM per layer (``k * D`` times less work than forming ``J``)."""
        x, unbatched = self._batched(inputs)
        idx = self._check_idx(output_partial_idx)
        sizes = (self._output_size,) if idx is None else (len(idx), self._output_size)
        self._check_vec(vec, sizes, x, unbatched, "compute_vjp vec")
        y, masks = self._forward_masks(x)
        weights = self._weights()
        u = vec.unsqueeze(0) if unbatched else vec
        if idx is not None and u.shape[-1] == self._output_size:
            u = u[:, idx]
        top = weights[-1] if idx is None else weights[-1][idx]
        g = torch.mm(u, top)  # [B, H_h]
        for w, m in zip(reversed(weights[:-1]), reversed(masks)):
            g = torch.mm(g.mul_(m), w)
        return (g[0], y[0]) if unbatched else (g, y)
