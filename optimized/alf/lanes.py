"""Where each step of a sequence with episode resets runs inside one fused RNN call.

A fused kernel (``torch.lstm``) runs ``B`` lanes over ``L`` steps. A reset of row b at a
step t > 0 is an inserted *zero* step before t (its new state is exactly 0, see
``optimized.alf.recurrent``), so laying each row out in its own lane makes the call
``T + max_b(resets of row b)`` steps long: the row with the most resets sets the length
for all (at 10% resets over T = 100, B = 32: ~117 steps for 100 real ones).

The episodes between resets are independent, so they can move between lanes: each lane
starts with its row's first episode (the only one that needs the row's initial state) and
ends with its row's last episode (the only one whose final state is read; *hold* steps
after it keep that state to the end of the call), and the episodes in between are packed
longest first into the lane that is shortest so far (each after its zero step). The call
is then about ``T + mean(resets)`` steps long (~110 in the case above): the same
arithmetic per step, fewer steps. Where that packing would come out longer than a lane per
row (it is a heuristic), every episode stays in its row's lane.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch


@dataclass(frozen=True)
class Lanes:
    """``length``: steps of the fused call; ``where [T * B]``: the flat index
    ``position * B + lane`` of step t of row b (time-major, ``t * B + b``); ``zero``: the
    flat indices of the zero steps; ``hold [L, B]``: the hold steps after each lane's last
    episode."""

    length: int
    where: torch.Tensor
    zero: torch.Tensor
    hold: torch.Tensor


def pack(later: torch.Tensor) -> Lanes:
    """The lane layout (module doc) of ``later [T, B]``: the resets after step 0."""
    marks = later.detach().cpu().numpy()
    steps, batch = marks.shape
    within = np.cumsum(marks, 0)  # [T, B]: the episode of the row that step t is in
    count = within[-1] + 1  # episodes per row
    offset = np.concatenate([[0], np.cumsum(count)[:-1]])  # a row's first episode's id
    episode = offset[None, :] + within  # [T, B]: the id of every step's episode
    ids = episode.T.reshape(-1)  # row-major: every row's steps in time order
    first_of = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    start = np.tile(np.arange(steps), batch)[first_of]  # per episode id
    length = np.diff(np.r_[first_of, ids.size])
    # the per-episode packing runs on Python lists: numpy scalar reads cost ~100 ns each
    lengths = length.tolist()
    lane = np.repeat(np.arange(batch), count).tolist()  # an episode's lane: its row's, or moved
    place = [0] * len(lengths)  # the lane position of an episode's first step
    last = (offset + count - 1).tolist()
    with_last = np.flatnonzero(count > 1).tolist()  # rows with resets: a last episode
    body = length[offset].tolist()  # each lane starts with its row's first episode
    reserve = [0] * batch  # and ends with its row's last one
    for b in with_last:
        reserve[b] = 1 + lengths[last[b]]
    middle = np.ones(len(lengths), bool)
    middle[offset] = False
    middle[last] = False
    inner = np.flatnonzero(middle)
    middles = inner[np.argsort(-length[inner], kind="stable")].tolist()  # longest first
    open_lanes = [(body[b] + reserve[b], b) for b in with_last]
    heapq.heapify(open_lanes)
    for e in middles:  # the longest episode first, to the shortest lane
        total, b = heapq.heappop(open_lanes)
        lane[e] = b
        heapq.heappush(open_lanes, (total + 1 + lengths[e], b))
    if max((total for total, _ in open_lanes), default=0) > steps + int(count.max()) - 1:
        lane = np.repeat(np.arange(batch), count).tolist()  # a lane per row is no longer
    zero: list[int] = []
    for e in middles:
        b = lane[e]
        zero.append(body[b] * batch + b)  # the zero step before the episode
        place[e] = body[b] + 1
        body[b] += 1 + lengths[e]
    for b in with_last:  # the last episode after the lane's others
        zero.append(body[b] * batch + b)
        place[last[b]] = body[b] + 1
    ends = np.add(body, reserve)
    t = np.arange(steps)[:, None]
    where = (np.asarray(place)[episode] + t - start[episode]) * batch + np.asarray(lane)[episode]
    total = int(ends.max())
    hold = torch.from_numpy(np.arange(total)[:, None] >= ends[None, :])
    device = later.device
    return Lanes(
        total,
        torch.from_numpy(where.reshape(-1)).to(device),
        torch.tensor(zero, dtype=torch.int64, device=device),
        hold.to(device),
    )


class _ReadSteps(torch.autograd.Function):
    """``rows[where]`` for indices that are all distinct (each step has one place): its
    backward copies each gradient row to its place in zeros (``index_copy_``) instead of
    accumulating them (``index_select``'s ``index_add``, 3x slower here, and on a
    broadcast gradient 3x more)."""

    @staticmethod
    def forward(ctx: Any, rows: torch.Tensor, where: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(where)
        ctx.rows = rows.shape[0]
        return rows.index_select(0, where)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:  # type: ignore[override]
        (where,) = ctx.saved_tensors
        out = grad.new_zeros(ctx.rows, *grad.shape[1:])
        return out.index_copy_(0, where, grad), None


def read_steps(rows: torch.Tensor, lanes: Lanes) -> torch.Tensor:
    """The fused call's output rows ``[L * B, H]`` at the sequence's steps: ``[T * B, H]``."""
    return _ReadSteps.apply(rows, lanes.where)
