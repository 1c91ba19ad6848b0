"""Autograd statements the flow and Jacobian properties compare against."""

from __future__ import annotations

from collections.abc import Callable

import torch

from reference.specs import Nest, map_structure


def row_jacobians(
    fn: Callable[[torch.Tensor], torch.Tensor], v: torch.Tensor, out: int | None = None
) -> torch.Tensor:
    """``[B, out, in]``: the Jacobian of every row of a row-wise map ``fn`` at ``v``
    ``[B, *shape]`` (``in`` the flattened input size; ``out`` the flattened output size,
    ``in`` unless given), by plain reverse-mode autograd.

    ``fn`` is called once, on ``out`` copies of ``v`` stacked on a new leading dim
    (``[out, B, *shape]``), and must map them row by row to ``[out, B, *out_shape]`` (a
    transform conditioned on a ``[B, ...]`` input takes such sample dims as they are).
    Copy ``i`` carries the cotangent ``e_i`` of the output, so one backward pass gives row
    ``i`` of every sample's Jacobian in copy ``i``: exactly what ``vmap(jacrev)`` computes,
    without vmap's per-operator overhead."""
    batch = v.shape[0]
    flat = v.detach().reshape(batch, -1)
    out = flat.shape[1] if out is None else out
    with torch.enable_grad():
        copies = flat.unsqueeze(0).repeat(out, 1, 1).requires_grad_(True)
        y = fn(copies.reshape(out, *v.shape)).reshape(out, batch, out)
        picked = torch.diagonal(y, dim1=0, dim2=2)  # [B, out]: output i of copy i
        (grad,) = torch.autograd.grad(picked.sum(), copies)
    return grad.permute(1, 0, 2)


def as_float64(nest: Nest) -> Nest:
    """The nest with its floating leaves in float64 (None stays None)."""
    if nest is None:
        return None
    return map_structure(lambda t: t.double() if t.is_floating_point() else t, nest)
