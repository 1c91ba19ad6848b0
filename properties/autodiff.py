"""Autograd statements the flow and Jacobian properties compare against."""

from __future__ import annotations

from collections.abc import Callable

import torch

from reference.specs import Nest, map_structure


def row_jacobians(fn: Callable[[torch.Tensor], torch.Tensor], v: torch.Tensor) -> torch.Tensor:
    """``[B, out, in]``: the Jacobian of every row of a row-wise map ``fn`` at ``v``
    ``[B, *shape]``, from ``torch.func.jacrev``. Rows are independent, so the Jacobian of
    the summed rows w.r.t. all of ``v`` holds every row's block (one jacrev, ``out``
    backward passes, instead of one per row)."""
    flat = v.detach().reshape(v.shape[0], -1)
    rows = v.shape[0]
    jac = torch.func.jacrev(lambda u: fn(u.reshape(v.shape)).reshape(rows, -1).sum(0))(flat)
    return jac.permute(1, 0, 2)


def as_float64(nest: Nest) -> Nest:
    """The nest with its floating leaves in float64 (None stays None)."""
    if nest is None:
        return None
    return map_structure(lambda t: t.double() if t.is_floating_point() else t, nest)
