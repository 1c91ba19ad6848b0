"""twinnet's sequence API for stateful ALF networks: ``unroll``.

ALF calls a network one step at a time, ``output, state = net(x_t, state)``, and resets the
state of a batch row to its initial value (zeros of ``state_spec``) when that row starts an
episode (``StepType.FIRST``). twinnet adds one method to every stateful network:

    unroll(inputs [T, B, ...], state, first_step [T, B]) -> (outputs [T, B, ...], final_state)

where ``first_step[t, b]`` marks that row b starts an episode at step t: its state is reset
to zeros right before step t. :func:`step_unroll` is the definition, the literal loop over
the T steps; the reference networks use it as their ``unroll``. Every unroll, reference
and optimized, first runs :func:`check_sequence` (``first_step``, inputs and state checked
once against each other), and takes T = 0 (:func:`no_steps`) and B = 0.
"""

from __future__ import annotations

from typing import Any

import torch

from reference.specs import Nest, flatten, map_structure


def check_first_step(first_step: Any, what: str) -> tuple[int, int]:
    """Validate ``first_step`` (a ``[T, B]`` bool tensor, T >= 0); return ``(T, B)``."""
    if not isinstance(first_step, torch.Tensor) or first_step.dtype != torch.bool:
        got = first_step.dtype if isinstance(first_step, torch.Tensor) else type(first_step)
        raise TypeError(f"{what} first_step: expected a bool tensor [T, B], got {got}")
    if first_step.dim() != 2:
        raise ValueError(f"{what} first_step: expected shape [T, B], got {list(first_step.shape)}")
    return int(first_step.shape[0]), int(first_step.shape[1])


def check_time_major(inputs: Nest, steps: int, batch: int, what: str) -> None:
    """Every input leaf must start with the ``[T, B]`` dims of ``first_step``."""
    for x in flatten(inputs):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{what} inputs: expected tensors [T, B, ...], got {type(x).__name__}")
        if tuple(x.shape[:2]) != (steps, batch):
            raise ValueError(
                f"{what} inputs: expected leading dims [T, B] = [{steps}, {batch}] (those of "
                f"first_step), got shape {list(x.shape)}"
            )


def check_sequence(
    net: Any, inputs: Nest, state: Nest, first_step: Any, what: str | None = None
) -> tuple[int, int]:
    """The checks of one ``unroll`` call of network ``net``, once, before any step (contract
    item 8): ``first_step`` a bool ``[T, B]`` tensor, every input leaf time-major ``[T, B,
    ...]``, and ``state`` the network's state for ``B`` rows (``Network.check_state``: its
    structure, dtype and batch; a state of another batch is never broadcast over B by the
    resets). Every unroll, reference and optimized, starts here. Returns ``(T, B)``."""
    what = what or f"{net.name}.unroll"
    steps, batch = check_first_step(first_step, what)
    check_time_major(inputs, steps, batch, what)
    net.check_state(state, (batch,), inputs)
    return steps, batch


def reset_rows(state: Nest, first: torch.Tensor) -> Nest:
    """``state`` with the rows where ``first`` ([B] bool) is true set to zeros."""

    def one(s: torch.Tensor) -> torch.Tensor:
        mask = first.reshape(-1, *([1] * (s.dim() - 1)))
        return torch.where(mask, torch.zeros((), dtype=s.dtype, device=s.device), s)

    return map_structure(one, state)


def no_steps(step: Any, inputs: Nest, state: Nest, batch: int) -> Nest:
    """The outputs of an unroll of T = 0 steps, ``[0, B, ...]``: those of one step of
    network ``step`` on no rows (the ``[0, B, ...]`` inputs and the state cut to zero rows),
    so that they have the shapes and dtypes T > 0 steps would have. The final state of such
    an unroll is the state it was given."""
    x = map_structure(lambda v: v.reshape(0, *v.shape[2:]), inputs)
    y, _ = step(x, map_structure(lambda s: s[:0], state))
    return map_structure(lambda v: v.reshape(0, batch, *v.shape[1:]), y)


def stack_steps(outputs: list[Nest]) -> Nest:
    """A list of T per-step output nests as one nest of ``[T, ...]`` tensors."""
    return map_structure(lambda *ys: torch.stack(ys), *outputs)


def step_unroll(
    step: Any,
    inputs: Nest,
    state: Nest,
    first_step: torch.Tensor,
    what: str = "unroll",
) -> tuple[Nest, Nest]:
    """The definition of ``unroll`` for network ``step``: the call checked once
    (:func:`check_sequence`), then for t = 0 .. T-1 reset the rows of ``state`` that start
    an episode at t, then ``y_t, state = step(x_t, state)``; outputs stacked on dim 0
    (T = 0: :func:`no_steps`)."""
    steps, batch = check_sequence(step, inputs, state, first_step, what)
    if steps == 0:
        return no_steps(step, inputs, state, batch), state
    outputs = []
    for t in range(steps):
        state = reset_rows(state, first_step[t])
        x_t = map_structure(lambda x, t=t: x[t], inputs)
        y_t, state = step(x_t, state)
        outputs.append(y_t)
    return stack_steps(outputs), state


class StepUnroll:
    """``unroll`` as the literal step loop over ``self(x_t, state)`` (module doc)."""

    def unroll(self, inputs: Nest, state: Nest, first_step: torch.Tensor) -> tuple[Nest, Nest]:
        """``(outputs [T, B, ...], final state)`` of T steps from ``state``; a row's state is
        reset to zeros before each step where ``first_step`` ([T, B] bool) marks it."""
        return step_unroll(self, inputs, state, first_step, f"{type(self).__name__}.unroll")  # type: ignore[arg-type]
