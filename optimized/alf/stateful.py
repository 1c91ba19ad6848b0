"""Twins of the stateful layers (``optimized.twin``) with tensor-op unrolls.

* ``Delay``: ``unroll`` is one shifted view of ``[register; inputs]`` masked at episode
  starts (``y_t = x_{t-d}`` unless a reset lies in between) instead of T register shifts.
* ``OUProcess``: the increments are drawn step by step exactly as the reference draws them
  (same generator order), then the AR(1) recursion is solved in closed form,
  ``x_t = sum_{s in episode, s <= t} a^{t-s} u_s + a^{t+1} x_0`` (the last term only before
  a row's first reset, selected rather than multiplied by 0), as one masked ``[T, T]``
  decay product instead of T updates.
* ``NoisyFC``: the clean and the noisy affine maps as two fused ``addmm`` and one
  ``addcmul`` (the reference: GEMM, add, GEMM, add, multiply, add); fresh noise is drawn
  for the rows that take it only (the reference draws every row's and selects), the same
  law from another stream (contract item 5).

* ``TemporalPool`` without pooling (``pooling_size == 1``): ``unroll`` is one gather of
  the ``stack_size`` windows of ``[state; inputs]``, masked at episode starts, instead of T
  concatenations.
* ``TemporalPool`` with pooling (``p > 1``): 70 to 150 dispatched tensor ops at p = 4,
  whatever T, instead of T steps of 18 to 29. The step counter of every step is a count
  since the row's last reset (``cummax``); the pools of avg / max run the reference's very
  update, one window position at a time over all windows of all rows laid out
  ``[p, W, B, ...]`` (bit-identical to the step loop, where prefix sums would not be); each
  step's stack is one ``index_select`` of the last ``stack_size`` updated pools (an update
  count per step, ``cumsum``), events before a reset reading a zero row.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from optimized.twin import Twin
from reference.alf import stateful as ref
from reference.alf.common import is_eval
from reference.alf.stateful import standard_normal
from reference.alf.unroll import check_sequence, no_steps
from reference.specs import Nest, flatten, pack_sequence_as

__all__ = ["Delay", "NoisyFC", "OUProcess", "TemporalPool"]


def last_reset(first_step: torch.Tensor) -> torch.Tensor:
    """``[T, B]``: the latest step ``<= t`` where the row started an episode (-1 if none)."""
    steps = first_step.shape[0]
    t = torch.arange(steps, device=first_step.device).unsqueeze(1)
    marked = torch.where(first_step, t, torch.full_like(t, -1))
    return torch.cummax(marked, dim=0).values


def _expand(mask: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return mask.reshape(*mask.shape, *([1] * (like.dim() - mask.dim())))


def step_counts(k0: torch.Tensor, first_step: torch.Tensor, p: int) -> torch.Tensor:
    """``[T, B]``: the counter ``k + 1`` of every step of ``TemporalPool``'s window loop: the
    steps since the row's last reset (mod p) + 1, or before any reset, continuing the
    incoming ``k0`` (the first step adds 1 to ``k0`` as it came, later ones count mod p)."""
    steps = first_step.shape[0]
    reset = last_reset(first_step)
    t = torch.arange(steps, device=first_step.device).unsqueeze(1)
    carried = (k0 % p + t) % p + 1
    carried[0] = k0 + 1
    return torch.where(reset >= 0, (t - reset) % p + 1, carried)


def shift_in(
    seq: torch.Tensor,
    depth: int,
    value_of: torch.Tensor,
    update: torch.Tensor,
    first_step: torch.Tensor,
) -> torch.Tensor:
    """``[T, B, S, ...]``: the stack after every step of a shift register of ``S = depth``
    slots (oldest first) that takes in step t's value where ``update[t]``, reset to zeros at
    episode starts. ``seq`` ([S + N + 1, B, ...]) holds the incoming register, the N values
    (step t's at ``S + value_of[t]``) and a zero row. Slot i of step t holds event
    ``n_t - S + i`` (``n_t``: the updates up to t; events < 0 are the incoming register);
    events before the row's last reset read the zero row."""
    steps, batch = update.shape
    device = update.device
    row = torch.arange(batch, device=device).unsqueeze(1)
    done = torch.cumsum(update, 0)  # updates up to and including t
    reset = last_reset(first_step)
    before = (done - update.long()).gather(0, reset.clamp(min=0))  # updates before the reset
    taken = torch.zeros(steps + 1, batch, dtype=torch.long, device=device)  # event -> value
    taken.scatter_(0, torch.where(update, done - 1, steps), value_of)
    event = done.unsqueeze(2) - depth + torch.arange(depth, device=device)  # [T, B, S]
    source = torch.where(event >= 0, depth + taken[event.clamp(min=0), row], depth + event)
    keep = (reset < 0).unsqueeze(2) | (event >= before.unsqueeze(2))
    source = torch.where(keep, source, len(seq) - 1)
    return take(seq, source, row)


def take(seq: torch.Tensor, step: torch.Tensor, row: torch.Tensor) -> torch.Tensor:
    """``seq[step, row]`` for ``seq`` [N, B, ...] as one ``index_select`` of whole rows of
    the flattened ``[N * B, ...]`` (torch's advanced indexing is several times slower)."""
    n, batch = seq.shape[:2]
    index = step * batch + row
    flat = seq.reshape(n * batch, *seq.shape[2:]).index_select(0, index.reshape(-1))
    return flat.reshape(*index.shape, *seq.shape[2:])


class Delay(Twin, ref.Delay):
    """``unroll`` as one masked shift of ``[register; inputs]`` instead of T shifts."""

    def unroll(self, inputs: Nest, state: Nest, first_step: torch.Tensor) -> tuple[Nest, Nest]:
        """All T outputs as one masked shift (module doc)."""
        steps, batch = check_sequence(self, inputs, state, first_step)
        self.check_inputs(inputs, outer_rank=2)
        d = self._delay
        if d == 0:
            return inputs, ()
        if steps == 0:
            return no_steps(self, inputs, state, batch), state
        register = [state] if d == 1 else list(state)
        reset = last_reset(first_step)
        t = torch.arange(steps + d, device=first_step.device)
        source = (t - d).unsqueeze(1)
        keep_out = (reset < 0) | (source[:steps] >= reset)
        keep_final = (reset[-1] < 0) | (source[steps:] >= reset[-1])

        def shifted(*leaves: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            *olds, xs = leaves
            seq = torch.cat([torch.stack(olds), xs])
            zero = torch.zeros((), dtype=seq.dtype, device=seq.device)
            out = torch.where(_expand(keep_out, seq), seq[:steps], zero)
            final = torch.where(_expand(keep_final, seq), seq[steps:], zero)
            return out, final

        pairs = [shifted(*leaves) for leaves in zip(*map(flatten, register), flatten(inputs))]
        outputs = pack_sequence_as(inputs, [p[0] for p in pairs])
        finals = [pack_sequence_as(inputs, [p[1][k] for p in pairs]) for k in range(d)]
        return outputs, (finals[0] if d == 1 else tuple(finals))


class TemporalPool(Twin, ref.TemporalPool):
    """``unroll`` as masked gathers over all windows instead of T steps (module doc)."""

    def unroll(self, inputs: Any, state: Nest, first_step: torch.Tensor) -> tuple[Any, Nest]:
        """Every step's stack as one masked gather; with pooling, after the window pools
        computed one window position at a time (module doc)."""
        steps, batch = check_sequence(self, inputs, state, first_step)
        self.check_inputs(inputs, outer_rank=2)
        if steps == 0:
            return no_steps(self, inputs, state, batch), state
        if self._pooling_size > 1:
            self.check_counter(state[2])
            return self._pooled_unroll(inputs, state, first_step)
        depth = state.shape[1] + 1
        seq = torch.cat([state.transpose(0, 1), inputs])  # [depth - 1 + T, B, ...]
        t = torch.arange(steps, device=inputs.device)
        window = t.unsqueeze(1) + torch.arange(depth, device=inputs.device)  # [T, depth]
        reset = last_reset(first_step)  # [T, B]
        source = (window - (depth - 1)).unsqueeze(2)  # [T, depth, 1]
        keep = (reset.unsqueeze(1) < 0) | (source >= reset.unsqueeze(1))  # [T, depth, B]
        stacks = seq[window]  # [T, depth, B, ...]
        zero = torch.zeros((), dtype=seq.dtype, device=seq.device)
        stacks = torch.where(_expand(keep, stacks), stacks, zero).transpose(1, 2)
        return stacks, stacks[-1][:, 1:]

    def _pooled_unroll(
        self, x: torch.Tensor, state: Nest, first_step: torch.Tensor
    ) -> tuple[torch.Tensor, Nest]:
        stack, pool, k0 = state
        p = self._pooling_size
        count = step_counts(k0, first_step, p)  # the reference's ``k + 1`` of every step
        k = count % p
        update = k == (1 if self._mode == "skip" else 0)
        depth = stack.shape[1]
        if self._mode == "skip":
            t = torch.arange(x.shape[0], device=x.device).unsqueeze(1)
            values, value_of = [x], t.expand(first_step.shape)
        else:
            values, value_of = self._window_pools(x, pool, count)
        zero = x.new_zeros(1, *x.shape[1:])
        seq = torch.cat([stack.transpose(0, 1), *values, zero])
        stacks = shift_in(seq, depth, value_of, update, first_step)
        if self._mode != "skip":
            pool = take(seq, depth + value_of[-1], torch.arange(x.shape[1], device=x.device))
        return stacks, (stacks[-1], pool, k[-1])

    def _window_pools(
        self, x: torch.Tensor, pool: torch.Tensor, count: torch.Tensor
    ) -> tuple[list[torch.Tensor], torch.Tensor]:
        """The pool after every step, computed with the reference's update one window
        position at a time over all W windows at once (same operations in the same order, so
        the same bits): ``(min(p, T) tensors [W, B, ...], [T, B] index of each step's pool
        in their concatenation)``."""
        steps, batch = count.shape
        p = self._pooling_size
        t = torch.arange(steps, device=x.device).unsqueeze(1)
        starts = count == 1
        opens = starts | (t == 0)  # a window opens here (at t = 0 possibly mid-window)
        wid = torch.cumsum(opens, 0) - 1  # [T, B] window index within its row
        pos = t - torch.cummax(torch.where(opens, t, -1), 0).values  # position in the window
        windows = int(wid[-1].max()) + 1 if batch else 1
        begin = torch.zeros(windows, batch, dtype=torch.long, device=x.device)
        begin.scatter_(0, wid, t - pos)
        span = min(p, steps)  # the window positions that occur
        j = torch.arange(span, device=x.device).reshape(span, 1, 1)
        src = (begin + j).clamp(max=steps - 1)  # [span, W, B]
        row = torch.arange(batch, device=x.device)
        xw = take(x, src, row)  # [span, W, B, ...]
        dims = [1] * (x.dim() - 2)
        if self._mode == "avg":  # slots past a window's end are never read: a finite weight
            length = torch.zeros_like(begin).scatter_reduce_(0, wid, pos + 1, "amax")
            c = torch.where(j < length, count.flatten()[src * batch + row], 1)
            weight = (1.0 / c.to(x.dtype)).reshape(*c.shape, *dims)

        def update(prev: torch.Tensor, i: int, w: slice | int) -> torch.Tensor:
            """The reference's pool update at position i of windows w."""
            if self._mode == "avg":
                return prev + (xw[i, w] - prev) * weight[i, w]
            return torch.maximum(prev, xw[i, w])

        # Position 0 starts its window at x, except in a row's first window when the incoming
        # state is mid-window (the reference's update of ``pool``); no later position starts.
        first = torch.where(starts[0].reshape(-1, *dims), xw[0, 0], update(pool, 0, 0))
        pools = [torch.cat([first.unsqueeze(0), xw[0, 1:]])]
        for i in range(1, span):
            pools.append(update(pools[-1], i, slice(None)))
        return pools, pos * windows + wid


class OUProcess(Twin, ref.OUProcess):
    """``unroll`` solves the AR(1) recursion in closed form instead of T updates."""

    def unroll(self, inputs: Any, state: Nest, first_step: torch.Tensor) -> tuple[Nest, Nest]:
        """The closed-form AR(1) of the module doc, with the reference's draws."""
        steps, _ = check_sequence(self, (), state, first_step)
        if steps == 0:
            return super().unroll(inputs, state, first_step)
        leaves = flatten(state)
        draws = [[standard_normal(tuple(x.shape), x) for x in leaves] for _ in range(steps)]
        keep = 1.0 - self._damping
        t = torch.arange(steps, device=first_step.device)
        lag = t.unsqueeze(1) - t.unsqueeze(0)
        segment = torch.cumsum(first_step.long(), 0)
        same = (segment.unsqueeze(1) == segment.unsqueeze(0)) & (lag >= 0).unsqueeze(2)
        carried = segment == 0

        def solve(i: int, x0: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            u = self._stddev * torch.stack([step[i] for step in draws])
            a = torch.tensor(keep, dtype=x0.dtype, device=x0.device)
            zero = torch.zeros((), dtype=x0.dtype, device=x0.device)
            decay = torch.where(same, torch.pow(a, lag.clamp(min=0)).unsqueeze(2), zero)
            flat = u.reshape(steps, u.shape[1], math.prod(u.shape[2:]))  # B = 0 too
            x = torch.einsum("tsb,sbf->tbf", decay, flat).reshape(u.shape)
            start = torch.pow(a, t + 1)
            # the carried-in state reaches a row's steps before its first reset only; by
            # selection, so that a NaN/inf state does not survive the reset as ``0 * x0``
            decayed = _expand(start.unsqueeze(1).expand_as(carried), x) * x0.unsqueeze(0)
            x = x + torch.where(_expand(carried, x), decayed, zero)
            return x, x[-1]

        solved = [solve(i, x0) for i, x0 in enumerate(leaves)]
        values = pack_sequence_as(state, [s[0] for s in solved])
        return values, pack_sequence_as(state, [s[1] for s in solved])


class NoisyFC(Twin, ref.NoisyFC):
    """The clean and noisy affine maps as two fused ``addmm`` and one ``addcmul``; noise
    drawn for the resampled rows only."""

    def new_noise(self, x: torch.Tensor, state: Nest) -> tuple[torch.Tensor, torch.Tensor]:
        """The rows that take new noise first (``u < new_noise_prob``, or zero noise), then
        fresh noise for those rows only, at the cost of one host read of their indices: at
        ALF's default probability 0.01 a step draws ~1% of the normals that the reference's
        draw-every-row-then-select does."""
        eps_in, eps_out = state
        batch = x.shape[0]
        resample = ref.uniform((batch,), x) < self._new_noise_prob
        # zero rows by their largest magnitude: a float reduction, 5x the bool `all` of
        # `== 0` at B=1024 (a NaN row is not zero in either)
        resample |= (eps_in.abs().amax(dim=1) == 0) & (eps_out.abs().amax(dim=1) == 0)
        rows = resample.nonzero().squeeze(1)
        count = rows.numel()
        if count == 0:
            return eps_in, eps_out
        fresh_in = _factorised_noise((count, self._input_size), x)
        fresh_out = _factorised_noise((count, self._output_size), x)
        if count == batch:
            return fresh_in, fresh_out
        return eps_in.index_put((rows,), fresh_in), eps_out.index_put((rows,), fresh_out)

    def forward(self, input: torch.Tensor, state: Nest) -> tuple[torch.Tensor, Nest]:
        """Fused affine maps (module doc)."""
        outer = self.check_inputs(input)
        self.check_state(state, outer, input)
        y = torch.addmm(self._bias, input, self._weight.t())
        if self.training and not is_eval():
            eps_in, eps_out = self.new_noise(input, state)
            noisy = torch.addmm(self._bias_sigma, input * eps_in, self._weight_sigma.t())
            y = y.addcmul_(noisy, eps_out)
            state = (eps_in, eps_out)
        if self._ln is not None:
            y = self._ln(y)
        if self._bn is not None:
            y = self._bn(y)
        return self._activation(y), state


def _factorised_noise(shape: tuple[int, ...], like: torch.Tensor) -> torch.Tensor:
    """``f(z) = sign(z) sqrt|z|`` of ``z ~ N(0, 1)``, in float32 and then cast to ``like``'s
    dtype, as upstream computes it (the reference's ``NoisyFC`` doc)."""
    z = torch.randn(shape, dtype=torch.float32)
    return torch.copysign(z.abs().sqrt_(), z).to(like)
