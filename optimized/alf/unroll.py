"""Sequence helpers of the optimized unrolls: container members over a whole sequence.

* :func:`fold_time`: a stateless module on ``[T, B, ...]`` runs once on ``[T*B, ...]``
  instead of T times on ``[B, ...]`` (one large GEMM instead of T small ones).
* :func:`unroll_member`: a container member over the whole sequence: its own ``unroll``,
  :func:`fold_time` when it has no state, the step loop otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from reference.alf.network import Network
from reference.alf.unroll import step_unroll
from reference.specs import Nest, flatten, map_structure


def fold_time(fn: Callable[[Nest], Nest], xs: Nest) -> Nest:
    """``fn`` (stateless, batch-wise) on ``[T, B, ...]`` inputs as one call on ``[T*B, ...]``."""
    steps, batch = flatten(xs)[0].shape[:2]
    y = fn(map_structure(lambda x: x.reshape(steps * batch, *x.shape[2:]), xs))
    return map_structure(lambda v: v.reshape(steps, batch, *v.shape[1:]), y)


def unroll_member(
    member: Any, xs: Nest, state: Nest, first_step: torch.Tensor
) -> tuple[Nest, Nest]:
    """One container member over a whole sequence (module doc)."""
    if isinstance(member, Network):
        if flatten(member.state_spec):
            own = getattr(member, "unroll", None)
            if callable(own):
                return own(xs, state, first_step)
            return step_unroll(member, xs, state, first_step)
        return fold_time(lambda x: member(x)[0], xs), state
    return fold_time(member, xs), ()
