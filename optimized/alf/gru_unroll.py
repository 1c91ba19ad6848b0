"""A GRU over a whole sequence with a hand-written backward (:func:`gru_unroll`).

CPU has no fused GRU kernel: ``torch.gru`` runs ~15 aten ops per step and records each for
autograd. Here a step is one GEMM of the recurrent shape plus 5 elementwise ops written in
place (nothing recorded), and its backward 4 ops plus one recurrent GEMM. The sequence
goes in chunks of steps whose gate tensors fit in cache (:data:`_CACHED`): per chunk, the
input projections of all its steps are one GEMM, the gate derivatives are computed at
once, and the weight gradients are one GEMM each (at B=1: all T steps in one chunk).
"""

from __future__ import annotations

from typing import Any

import torch

#: Bytes of gate tensors ([steps, B, 3H]) per chunk: small enough to stay in cache between
#: the batched GEMM that writes them and the steps that read them, and to be reused by the
#: allocator instead of freshly mapped (and page-faulted) on every call.
_CACHED = 2**20


def _chunks(steps: int, row_bytes: int) -> list[tuple[int, int]]:
    size = max(1, _CACHED // max(1, row_bytes))
    return [(t, min(t + size, steps)) for t in range(0, steps, size)]


class _GruUnroll(torch.autograd.Function):
    """``(xs [T, B, D], h0 [B, H], reset [T, B, 1] | None, W_ih, W_hh, b_ih, b_hh) -> ys
    [T, B, H]``; before step t the rows marked in ``reset[t]`` are replaced by zeros (by
    selection: a NaN/inf state does not survive its reset, as it would ``h * 0``)."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any,
        xs: torch.Tensor,
        h0: torch.Tensor,
        reset: torch.Tensor | None,
        w_ih: torch.Tensor,
        w_hh: torch.Tensor,
        b_ih: torch.Tensor,
        b_hh: torch.Tensor,
    ) -> torch.Tensor:
        steps, batch, dim = xs.shape
        size = w_hh.shape[1]
        record = any(ctx.needs_input_grad)
        reset_at: set[int] = set()
        if reset is not None:
            reset_at = set(torch.nonzero(reset.any(1)[:, 0]).flatten().tolist())
        chunks = _chunks(steps, batch * 3 * size * xs.element_size())
        ys = xs.new_empty(steps, batch, size)
        saved: list[tuple[torch.Tensor, torch.Tensor]] = []  # per chunk: r z n, W_hh h + b_hh
        gh = xs.new_empty(1, batch, 3 * size)
        w_hh_t, h = w_hh.t(), h0
        zero = xs.new_zeros(())
        for t0, t1 in chunks:  # per-step views are made per chunk (unbind): fewer aten calls
            k = t1 - t0
            gi = torch.addmm(b_ih, xs[t0:t1].reshape(-1, dim), w_ih.t()).view(k, batch, 3 * size)
            if record:
                gh = xs.new_empty(k, batch, 3 * size)
                saved.append((gi, gh))  # gi is overwritten by the gates r, z, n
            hh = gh if record else gh.expand(k, -1, -1)
            g_rz, g_r, g_z, g_n, a, a_rz, a_n, out = (
                v.unbind(0)
                for v in (
                    gi[..., : 2 * size],
                    gi[..., :size],
                    gi[..., size : 2 * size],
                    gi[..., 2 * size :],
                    hh,
                    hh[..., : 2 * size],
                    hh[..., 2 * size :],
                    ys[t0:t1],
                )
            )
            for j in range(k):
                if t0 + j in reset_at:
                    h = torch.where(reset[t0 + j], zero, h)  # type: ignore[index]
                torch.addmm(b_hh, h, w_hh_t, out=a[j])
                g_rz[j].add_(a_rz[j]).sigmoid_()
                n = g_n[j].addcmul_(g_r[j], a_n[j]).tanh_()
                h = torch.lerp(n, h, g_z[j], out=out[j])  # h' = n + z (h - n)
        ctx.chunks, ctx.saved = chunks, saved
        ctx.save_for_backward(xs, h0, reset, w_ih, w_hh, ys)
        return ys

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, dys: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        xs, h0, reset, w_ih, w_hh, ys = ctx.saved_tensors
        _, batch, dim = xs.shape
        size = w_hh.shape[1]
        grads = [torch.zeros_like(w) for w in (w_ih, w_hh)]
        bias_grads = [w_ih.new_zeros(3 * size) for _ in range(2)]
        dxs = torch.empty_like(xs) if ctx.needs_input_grad[0] else None
        dh = dys[-1].clone()
        for (t0, t1), (gates, gh) in zip(reversed(ctx.chunks), reversed(ctx.saved)):
            first = h0.unsqueeze(0) if t0 == 0 else ys[t0 - 1 : t0]
            hs = torch.cat([first, ys[t0 : t1 - 1]])  # the state each step starts from
            if reset is not None:
                hs = torch.where(reset[t0:t1], xs.new_zeros(()), hs)
                keep = (~reset).to(xs.dtype)  # the gradient of a selection: 0 where reset
            r, z, n = gates.split(size, dim=2)
            # d(pre-activations of r, z, n) = dh' * coef, d(W_hh h + b_hh) = dh' * coef_h
            c_n = (1 - z) * (1 - n * n)
            c_z = (hs - n) * z * (1 - z)
            c_r = c_n * gh[:, :, 2 * size :] * r * (1 - r)
            coef = torch.cat([c_r, c_z, c_n], 2).view(t1 - t0, batch, 3, size)
            coef_h = torch.cat([c_r, c_z, c_n * r], 2).view(t1 - t0, batch, 3, size)
            dgi, dgh = torch.empty_like(coef), torch.empty_like(coef)
            c_i, c_h, d_i, d_h, z_t = (v.unbind(0) for v in (coef, coef_h, dgi, dgh, z))
            d_hh = dgh.view(t1 - t0, batch, 3 * size).unbind(0)
            for t in range(t1 - 1, t0 - 1, -1):
                j, d3 = t - t0, dh.unsqueeze(1)
                torch.mul(c_i[j], d3, out=d_i[j])
                torch.mul(c_h[j], d3, out=d_h[j])
                if reset is None:
                    dh = torch.addcmul(dys[t - 1], dh, z_t[j]) if t else dh * z_t[j]
                    dh.addmm_(d_hh[j], w_hh)
                else:
                    dh = (dh * z_t[j]).addmm_(d_hh[j], w_hh).mul_(keep[t])
                    if t:
                        dh.add_(dys[t - 1])
            flat_i, flat_h = dgi.view(-1, 3 * size), dgh.view(-1, 3 * size)
            grads[0].addmm_(flat_i.t(), xs[t0:t1].reshape(-1, dim))
            grads[1].addmm_(flat_h.t(), hs.reshape(-1, size))
            bias_grads[0] += flat_i.sum(0)
            bias_grads[1] += flat_h.sum(0)
            if dxs is not None:
                torch.mm(flat_i, w_ih, out=dxs[t0:t1].view(-1, dim))
        return dxs, dh, None, *grads, *bias_grads


def gru_unroll(
    cell: torch.nn.GRUCell, xs: torch.Tensor, h0: torch.Tensor, first_step: torch.Tensor
) -> torch.Tensor:
    """The outputs ``[T, B, H]`` of ``cell`` over ``xs [T, B, D]`` from ``h0 [B, H]``, the
    state of row b set to zeros before step t where ``first_step[t, b]``."""
    reset = first_step.unsqueeze(2) if bool(first_step.any()) else None
    ys: torch.Tensor = _GruUnroll.apply(
        xs, h0, reset, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh
    )
    return ys
