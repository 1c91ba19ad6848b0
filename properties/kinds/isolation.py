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

A second trial differentiates: the gradients of the sum of every output and final state
with respect to the parameters and the floating inputs (those of ``Kind.unroll_grads``),
with only the state poisoned (the
rows that reset at step 0), must be the clean run's. A selection in the forward whose
backward still multiplies a zero gradient by the poisoned state (``0 * nan``) fails. (An
input poisoned before a later reset is left out there: the steps before that reset take
part in the backward with zero gradients of NaN activations, in any implementation.)
"""

from __future__ import annotations

import math
from typing import Any

import torch

from properties.kinds.base import Poisoned, parameters_of
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
    state_only = what
    if floats:
        what += f"; row {b}'s input at step {t0} set to {poison}, its reset at step {s}"

    def gradients(poisoned: bool) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
        """The gradients of the module doc's second trial."""
        with_inputs = "inputs" in kind.unroll_grads
        inputs = pack_sequence_as(
            xs, [v.clone().requires_grad_(with_inputs and v.is_floating_point()) for v in leaves]
        )
        wrt = [v for v in flatten(inputs) if v.requires_grad]
        if "parameters" in kind.unroll_grads:
            wrt += [p for _, p in parameters_of(net) if p.requires_grad]
        with torch.enable_grad():
            ys, final = kind.unroll(net, inputs, bad_state if poisoned else state, first, cfg, seed)
            total = [v.sum() for v in flatten((ys, final)) if v.is_floating_point()]
            loss = torch.stack(total).sum() if total else None
            if loss is None or not loss.requires_grad or not wrt:
                return []
            grads = torch.autograd.grad(loss, wrt, allow_unused=True)
        return [(torch.zeros_like(w) if g is None else g, None) for w, g in zip(wrt, grads)]

    return [Poisoned(what, run), Poisoned(f"gradients: {state_only}", gradients)]
