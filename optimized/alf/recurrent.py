"""Recurrent cells whose ``unroll`` is one fused RNN kernel call.

* ``GRUCell`` / ``LSTMCell``: a step is torch's fused cell kernel (``nn.GRUCell`` /
  ``nn.LSTMCell``, one kernel for all gates) instead of the reference's gate-by-gate math.
  ``unroll`` runs the whole sequence through ``torch.gru`` / ``torch.lstm`` (oneDNN on CPU,
  cuDNN on CUDA) with the cell's own weights, always as one call: a reset inside the
  sequence becomes an inserted step whose flag input drives the gates to an exact zero
  state (``fused_unroll``), so resets need neither a loop over time nor a split batch.
  Except a GRU on the CPU, which has no fused GRU kernel (``torch.gru`` records ~15 aten
  ops per step): there ``gru_unroll`` (a hand-written backward, the input projections and
  weight gradients batched over cache-sized chunks of steps).
* ``make_parallel(n)`` of a cell: the reference's ``NaiveParallelNetwork`` of n copies,
  converted to ``ParallelCell`` (its subclass: same state_dict ``_networks.<i>._cell.*``,
  same replicas). On a GPU the
  n replicas' gates are one batched GEMM (``baddbmm``) per step instead of n kernel
  launches each, and the unroll projects the inputs of all T steps at once. On the CPU,
  where a launch costs nothing but stacking the replicas' 2n weight matrices on every call
  copies more bytes than the GEMMs then read, each replica runs its own fused kernel on
  its slice (a step: ``nn.LSTMCell``/``nn.GRUCell``; an unroll: the cell's own fused one),
  inputs and state checked once for all n.
* ``LSTMEncodingNetwork``: the reference's members, converted, under the optimized
  ``Sequential``'s member-wise unroll: the encoding layers run once on ``[T*B, ...]`` and
  each LSTM cell as one fused call.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from optimized.alf.containers import _Sequential
from optimized.alf.gru_unroll import gru_unroll
from optimized.alf.lanes import pack, read_steps
from optimized.alf.routing import InputCheck, StateCheck
from optimized.twin import Twin
from reference.alf import recurrent as ref
from reference.alf.network import NaiveParallelNetwork, Network, replicate_input
from reference.alf.unroll import check_sequence, no_steps, reset_rows, stack_steps

__all__ = ["GRUCell", "LSTMCell", "LSTMEncodingNetwork"]

Rnn = Callable[..., tuple[torch.Tensor, ...]]


def _flagged_weights(cell: nn.RNNCellBase, lstm: bool) -> list[torch.Tensor]:
    """The cell's weights with two more input columns, flags that steer the gates to values
    that are exact in floating point (the sigmoid of a huge pre-activation is exactly 1 or
    0):

    * *zero*: the step's new state is exactly 0, a reset (LSTM: input and forget gates 0, so
      ``c' = 0`` and ``h' = o * tanh(0) = 0``; GRU: reset and update gates 0 and the new-gate
      bias cancelled, so ``h' = tanh(0) = 0``);
    * *hold*: the step keeps the cell state (LSTM: forget 1, input 0, so ``c' = c``; GRU:
      update gate 1, so ``h' = h``).
    """
    w, b = cell.weight_ih, cell.bias_ih
    h = cell.hidden_size
    big = min(1e9, torch.finfo(w.dtype).max ** 0.5)
    zero = torch.zeros(w.shape[0], 1, dtype=w.dtype, device=w.device)
    hold = torch.zeros(w.shape[0], 1, dtype=w.dtype, device=w.device)
    if lstm:  # gates i, f, g, o
        zero[: 2 * h] = -big
        hold[:h], hold[h : 2 * h] = -big, big
        cols = [zero, hold]
    else:  # gates r, z, n
        zero[: 2 * h] = -big
        hold[h : 2 * h] = big
        cols = [torch.cat([zero[: 2 * h], -b[2 * h :].unsqueeze(1)]), hold]
    return [torch.cat([w, *cols], dim=1), cell.weight_hh, b, cell.bias_hh]


def fused_unroll(
    rnn: Rnn,
    cell: nn.RNNCellBase,
    xs: torch.Tensor,
    hidden: list[torch.Tensor],
    first_step: torch.Tensor,
    training: bool,
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """``rnn`` (``torch.lstm`` / ``torch.gru``) over ``xs [T, B, D]`` from ``hidden`` (each
    ``[B, H]``), rows reset where ``first_step`` marks them: ``(ys [T, B, H], final)``.

    Always one fused call. Rows reset at step 0 start from zeros. A reset of row b at a
    later step t becomes one extra *zero* step inserted before t (``_flagged_weights``:
    its new state is exactly 0); the episodes between resets are packed into the B lanes
    of the call (``optimized.alf.lanes``: lane b starts with row b's first episode and ends
    with its last, the episodes between go where the lanes stay shortest), and each lane
    is padded at the end with *hold* steps that keep its state. Outputs are read back at
    every step's place; the final ``h`` is the last output, the final LSTM ``c`` the held
    state after the call.

    A zero step resets by arithmetic (``c' = 0 * c``), so a NaN/inf state before it would
    survive as NaN. A NaN in a row's state stays there to the end (no later step or zero
    step clears it), so it shows in the final state; only then the sequence is run again
    by :func:`segment_unroll`, which resets by selection (contract item 7). The check
    reads the ``[B, H]`` final state only.
    """
    lstm = len(hidden) == 2
    h0 = [h.unsqueeze(0) for h in reset_rows(hidden, first_step[0])]
    later = first_step.clone()
    later[0] = False
    if not bool(later.any()) or xs.shape[1] == 0:
        params = [cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh]
        out = rnn(xs, tuple(h0) if lstm else h0[0], params, True, 1, 0.0, training, False, False)
        return out[0], [h[0] for h in out[1:]]
    steps, batch = first_step.shape
    lanes = pack(later)
    length, features = lanes.length, xs.shape[2]
    flags = xs.new_zeros(length * batch, 2)
    flags[lanes.zero, 0] = 1.0
    flags[:, 1] = lanes.hold.reshape(-1).to(xs.dtype)
    placed = xs.new_zeros(length * batch, features)
    placed = placed.index_copy(0, lanes.where, xs.reshape(steps * batch, features))
    flagged = torch.cat([placed, flags], 1).view(length, batch, features + 2)
    params = _flagged_weights(cell, lstm)
    out = rnn(flagged, tuple(h0) if lstm else h0[0], params, True, 1, 0.0, training, False, False)
    ys = read_steps(out[0].reshape(length * batch, -1), lanes).view(steps, batch, -1)
    final = [ys[-1], out[2][0]] if lstm else [ys[-1]]
    if not all(math.isfinite(float(v.detach().sum())) for v in final):  # NaN/inf survive a sum
        return segment_unroll(rnn, cell, xs, hidden, first_step, training)
    return ys, final


def segment_unroll(
    rnn: Rnn,
    cell: nn.RNNCellBase,
    xs: torch.Tensor,
    hidden: list[torch.Tensor],
    first_step: torch.Tensor,
    training: bool,
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """What :func:`fused_unroll` computes, as one fused call per stretch of steps between
    the steps where some row resets, the reset rows replaced by zeros (``torch.where``) in
    between: exact for a NaN/inf state, at one call per reset step."""
    lstm = len(hidden) == 2
    params = [cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh]
    steps = first_step.shape[0]
    cuts = [0, *(torch.nonzero(first_step[1:].any(1)).flatten() + 1).tolist(), steps]
    ys, state = [], list(hidden)
    for a, e in itertools.pairwise(cuts):
        h0 = [h.unsqueeze(0) for h in reset_rows(state, first_step[a])]
        start = tuple(h0) if lstm else h0[0]
        out = rnn(xs[a:e], start, params, True, 1, 0.0, training, False, False)
        ys.append(out[0])
        state = [h[0] for h in out[1:]]
    return torch.cat(ys), state


def _check_sequence(net: Network, xs: Any, state: Any, first_step: Any) -> int:
    """The shared sequence checks (``check_sequence``) and the inputs' spec; returns T."""
    steps, _ = check_sequence(net, xs, state, first_step)
    net.check_inputs(xs, outer_rank=2)
    return steps


def _lstm_gates(gates: torch.Tensor, h: torch.Tensor, c: torch.Tensor) -> tuple[Any, Any]:
    i, f, g, o = gates.chunk(4, dim=-1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def _gru_gates(gi: torch.Tensor, gh: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    x_r, x_z, x_n = gi.chunk(3, dim=-1)
    h_r, h_z, h_n = gh.chunk(3, dim=-1)
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    return (1 - z) * n + z * h


class ParallelCell(NaiveParallelNetwork):
    """n replicas of a GRU or LSTM cell as batched GEMMs (module doc). Inputs ``[B, n, D]``
    or ``[B, D]`` (shared), state ``[B, n, H]`` (LSTM: ``(h, c)``).

    Not a twin of ``NaiveParallelNetwork`` (which replicates any network): a cell's
    ``make_parallel`` converts the naive form it builds to this class (:func:`parallel_cell`).
    """

    @property
    def _lstm(self) -> bool:
        return isinstance(self._networks[0], ref.LSTMCell)

    def _weights(self) -> list[torch.Tensor]:
        """``W_ih [n, D, G]``, ``b_ih [n, 1, G]``, ``W_hh [n, H, G]``, ``b_hh [n, 1, G]``."""
        cells: list[Any] = [net._cell for net in self._networks]
        return [
            torch.stack([c.weight_ih for c in cells]).transpose(1, 2),
            torch.stack([c.bias_ih for c in cells]).unsqueeze(1),
            torch.stack([c.weight_hh for c in cells]).transpose(1, 2),
            torch.stack([c.bias_hh for c in cells]).unsqueeze(1),
        ]

    def _step(self, gi: torch.Tensor, state: Any, w: list[torch.Tensor]) -> tuple[Any, Any]:
        """One step from input projections ``gi [n, B, G]`` and a state in ``[n, B, H]``."""
        if self._lstm:
            h, c = state
            h, c = _lstm_gates(gi + torch.baddbmm(w[3], h, w[2]), h, c)
            return h, (h, c)
        h = _gru_gates(gi, torch.baddbmm(w[3], state, w[2]), state)
        return h, h

    def _replica_state(self, state: Any, i: int) -> Any:
        return (state[0][:, i], state[1][:, i]) if self._lstm else state[:, i]

    def _stacked(self, results: list[tuple[torch.Tensor, Any]], dim: int) -> tuple[Any, Any]:
        """Per-replica ``(output, state)`` pairs as one: outputs stacked on ``dim``, states
        (``[B, H]`` leaves) on dim 1."""
        out = torch.stack([y for y, _ in results], dim)
        if self._lstm:
            return out, tuple(torch.stack([s[k] for _, s in results], 1) for k in (0, 1))
        return out, torch.stack([s for _, s in results], 1)

    def forward(self, inputs: Any, state: Any) -> tuple[Any, Any]:  # type: ignore[override]
        x = replicate_input(
            self._input_tensor_spec, inputs, self._n, f"{self.name} input", self.float_dtype()
        )
        self.check_state(state, x.shape[:1], x)
        if x.device.type == "cpu":
            return self.step_per_replica(x, state)
        return self.step_batched(x, state)

    def step_per_replica(self, x: torch.Tensor, state: Any) -> tuple[Any, Any]:
        """A step of checked ``[B, n, D]`` inputs, each replica's fused cell on its slice
        (the CPU path, module doc)."""
        results = []
        for i, net in enumerate(self._networks):
            cell: Any = net._cell
            s = self._replica_state(state, i)
            if self._lstm:
                h, c = cell(x[:, i], s)
                results.append((h, (h, c)))
            else:
                h = cell(x[:, i], s)
                results.append((h, h))
        return self._stacked(results, 1)

    def step_batched(self, x: torch.Tensor, state: Any) -> tuple[Any, Any]:
        """A step of checked ``[B, n, D]`` inputs as batched GEMMs over the replicas (the
        GPU path, module doc)."""
        w = self._weights()
        gi = torch.baddbmm(w[1], x.transpose(0, 1), w[0])
        s = [t.transpose(0, 1) for t in state] if self._lstm else state.transpose(0, 1)
        h, s = self._step(gi, s, w)
        s = tuple(t.transpose(0, 1) for t in s) if self._lstm else s.transpose(0, 1)
        return h.transpose(0, 1), s

    def unroll(self, inputs: Any, state: Any, first_step: torch.Tensor) -> tuple[Any, Any]:
        """Each replica's own fused unroll on the CPU; on a GPU all T input projections in
        one batched GEMM, then the recurrent one per step (module doc)."""
        steps, batch = check_sequence(self, inputs, state, first_step)
        if steps == 0:
            return no_steps(self, inputs, state, batch), state
        x = inputs.reshape(steps * batch, *inputs.shape[2:])
        x = replicate_input(
            self._input_tensor_spec, x, self._n, f"{self.name} input", self.float_dtype()
        )  # [T*B, n, D]
        xs = x.reshape(steps, batch, self._n, -1)
        if x.device.type == "cpu":
            return self.unroll_per_replica(xs, state, first_step)
        return self.unroll_batched(xs, state, first_step)

    def unroll_per_replica(self, xs: torch.Tensor, state: Any, first: torch.Tensor) -> Any:
        """``[T, B, n, D]`` checked inputs through each replica's own fused unroll."""
        nets: list[Any] = list(self._networks)
        results = [
            net.unroll(xs[:, :, i], self._replica_state(state, i), first)
            for i, net in enumerate(nets)
        ]
        return self._stacked(results, 2)

    def unroll_batched(self, xs: torch.Tensor, state: Any, first: torch.Tensor) -> Any:
        """``[T, B, n, D]`` checked inputs: one batched GEMM for all input projections,
        then the recurrent batched GEMM per step."""
        steps, batch = first.shape
        x = xs.reshape(steps * batch, self._n, -1)
        w = self._weights()
        gi = torch.baddbmm(w[1], x.transpose(0, 1), w[0]).reshape(self._n, steps, batch, -1)
        s: Any = [t.transpose(0, 1) for t in state] if self._lstm else state.transpose(0, 1)
        outputs = []
        for t in range(steps):
            s = _reset_nb(s, first[t])
            h, s = self._step(gi[:, t], s, w)
            outputs.append(h.transpose(0, 1))
        s = tuple(v.transpose(0, 1) for v in s) if self._lstm else s.transpose(0, 1)
        return stack_steps(outputs), s


def parallel_cell(naive: Network) -> ParallelCell:
    """The cells' ``NaiveParallelNetwork`` as a ``ParallelCell`` (in place: same modules)."""
    assert isinstance(naive, NaiveParallelNetwork)
    naive.__class__ = ParallelCell
    return naive  # type: ignore[return-value]


def _reset_nb(state: Any, first: torch.Tensor) -> Any:
    """Rows ``first`` ([B]) of a replica-major state (``[n, B, H]`` leaves) set to zeros."""
    mask = first.reshape(1, -1, 1)
    if isinstance(state, (tuple, list)):
        return tuple(torch.where(mask, torch.zeros((), dtype=v.dtype), v) for v in state)
    return torch.where(mask, torch.zeros((), dtype=state.dtype), state)


class GRUCell(Twin, ref.GRUCell):
    """Torch's fused GRU cell kernel per step; the whole sequence as one fused unroll."""

    def fuse(self) -> None:
        self._check, self._state_check = InputCheck(self), StateCheck(self)

    def forward(self, input: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, Any]:
        """The fused cell kernel after the compiled input and state checks."""
        self._check(input)
        self._state_check(state, input)
        h = self._cell(input, state)
        return h, h

    def unroll(
        self, inputs: torch.Tensor, state: torch.Tensor, first_step: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The whole sequence as one fused ``torch.gru`` call, on the CPU ``gru_unroll``
        (module doc)."""
        if _check_sequence(self, inputs, state, first_step) == 0:
            return no_steps(self, inputs, state, first_step.shape[1]), state
        if inputs.device.type == "cpu":
            ys = gru_unroll(self._cell, inputs, state, first_step)
            return ys, ys[-1]
        ys, (h,) = fused_unroll(torch.gru, self._cell, inputs, [state], first_step, self.training)
        return ys, h

    def make_parallel(self, n: int) -> Network:
        """n replicas as batched GEMMs (``ParallelCell``)."""
        return parallel_cell(super().make_parallel(n))


class LSTMCell(Twin, ref.LSTMCell):
    """Torch's fused LSTM cell kernel per step; the whole sequence as one ``torch.lstm``."""

    def fuse(self) -> None:
        self._check, self._state_check = InputCheck(self), StateCheck(self)

    def forward(self, input: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        """The fused cell kernel after the compiled input and state checks."""
        self._check(input)
        self._state_check(state, input)
        h, c = self._cell(input, tuple(state))
        return h, (h, c)

    def unroll(
        self, inputs: torch.Tensor, state: Any, first_step: torch.Tensor
    ) -> tuple[torch.Tensor, Any]:
        """The whole sequence as one fused ``torch.lstm`` call (module doc)."""
        if _check_sequence(self, inputs, state, first_step) == 0:
            return no_steps(self, inputs, state, first_step.shape[1]), state
        ys, (h, c) = fused_unroll(
            torch.lstm, self._cell, inputs, list(state), first_step, self.training
        )
        return ys, (h, c)

    def make_parallel(self, n: int) -> Network:
        """n replicas as batched GEMMs (``ParallelCell``)."""
        return parallel_cell(super().make_parallel(n))


class LSTMEncodingNetwork(_Sequential, ref.LSTMEncodingNetwork):
    """The reference's members, converted, under the optimized ``Sequential``'s member-wise
    unroll (module doc)."""
