"""``nan_isolation`` trials of a stateful kind's sequences (contract item 7).

A stateful kind (ALF networks with a state, Pyrado's recurrent policies) runs a ``[T, B]``
sequence with episode starts through its ``unroll`` twice: once on clean data, once with

* the state of some rows set to NaN or +-inf, each of these rows starting an episode at
  step 0 (the reset must throw the poisoned state away);
* one input of row ``b`` at step ``t0`` set to the same value, row ``b`` starting an
  episode at a later step ``s`` (the episode holding the poison ends there).

Every output outside row ``b``'s steps ``t0 .. s-1``, and the whole final state, must be
what the clean run gives. An unroll that resets by arithmetic (``h * (1 - first)``,
``0 * nan = nan``) fails; one that resets by selection (``torch.where``) passes.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from properties.kinds.base import Poisoned
from reference.specs import flatten, map_structure, pack_sequence_as, sample_nest

MAX_STEPS = 6
POISONS = (math.nan, math.inf, -math.inf)


def _int(generator: torch.Generator, low: int, high: int) -> int:
    """A uniform integer in ``[low, high)``."""
    return int(torch.randint(low, high, (1,), generator=generator))


def _rows(mask: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """``mask`` ([B] or [T, B]) shaped to broadcast over ``v``'s trailing dims."""
    return mask.reshape(*mask.shape, *([1] * (v.dim() - mask.dim())))


def sequence_trials(
    kind: Any, net: Any, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype
) -> list[Poisoned]:
    """The trial of the module doc for a kind with ``input_spec``, ``outer_dims``,
    ``initial_state`` and ``unroll(net, xs, state, first, cfg, seed)``; none for a network
    without floating state."""
    g = generator
    steps = _int(g, 2, MAX_STEPS + 1)
    xs = sample_nest(kind.input_spec(cfg), (steps, *kind.outer_dims(cfg, batch)), g, dtype)
    zeros = kind.initial_state(net, map_structure(lambda t: t[0], xs), cfg)
    if not any(v.is_floating_point() for v in flatten(zeros)):
        return []
    state = map_structure(
        lambda z: torch.randn(z.shape, generator=g, dtype=z.dtype) if z.is_floating_point() else z,
        zeros,
    )
    poison = POISONS[_int(g, 0, len(POISONS))]
    first = torch.rand(steps, batch, generator=g) < 0.3
    rows = torch.rand(batch, generator=g) < 0.5
    rows[_int(g, 0, batch)] = True
    first[0] |= rows
    b, s = _int(g, 0, batch), _int(g, 1, steps)
    t0 = _int(g, 0, s)
    first[s, b] = True
    seed = _int(g, 0, 2**31 - 1)

    bad_state = map_structure(
        lambda v: torch.where(_rows(rows, v), poison, v) if v.is_floating_point() else v, state
    )
    leaves = flatten(xs)
    floats = [i for i, v in enumerate(leaves) if v.is_floating_point()]
    bad_leaves = [v.clone() for v in leaves]
    for i in floats:
        bad_leaves[i][t0, b] = poison
    bad_xs = pack_sequence_as(xs, bad_leaves)
    kept = torch.ones(steps, batch, dtype=torch.bool)
    if floats:
        kept[t0:s, b] = False

    def run(poisoned: bool) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
        inputs, start = (bad_xs, bad_state) if poisoned else (xs, state)
        with torch.no_grad():
            ys, final = kind.unroll(net, inputs, start, first, cfg, seed)
        return [(y, kept) for y in flatten(ys)] + [(v, None) for v in flatten(final)]

    what = (
        f"T={steps} B={batch}, episode starts {first.int().T.tolist()}: the state of rows "
        f"{torch.nonzero(rows).flatten().tolist()} set to {poison} before their reset at step 0"
    )
    if floats:
        what += f"; row {b}'s input at step {t0} set to {poison}, its reset at step {s}"
    return [Poisoned(what, run)]
