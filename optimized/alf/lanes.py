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
    lane = np.repeat(np.arange(batch), count)  # an episode's lane: its row's, or where it moves
    place = np.zeros(len(length), np.int64)  # the lane position of its first step
    last = offset + count - 1
    has_last = count > 1  # a row with resets: its last episode is not its first
    body = length[offset].copy()  # each lane starts with its row's first episode
    reserve = np.where(has_last, 1 + length[last], 0)  # and ends with its row's last one
    middle = np.ones(len(length), bool)
    middle[offset] = False
    middle[last] = False
    middles = sorted(np.flatnonzero(middle).tolist(), key=lambda e: -length[e])
    open_lanes = [(int(body[b] + reserve[b]), b) for b in np.flatnonzero(has_last).tolist()]
    heapq.heapify(open_lanes)
    for e in middles:  # the longest episode first, to the shortest lane
        total, b = heapq.heappop(open_lanes)
        lane[e] = b
        heapq.heappush(open_lanes, (total + 1 + int(length[e]), b))
    if max((total for total, _ in open_lanes), default=0) > steps + int(count.max()) - 1:
        lane = np.repeat(np.arange(batch), count)  # no shorter than a lane per row: keep that
    zero: list[int] = []
    for e in middles:
        b = int(lane[e])
        zero.append(int(body[b]) * batch + b)  # the zero step before the episode
        place[e] = body[b] + 1
        body[b] += 1 + length[e]
    for b in np.flatnonzero(has_last).tolist():  # the last episode after the lane's others
        zero.append(int(body[b]) * batch + b)
        place[last[b]] = body[b] + 1
    ends = body + reserve
    t = np.arange(steps)[:, None]
    where = (place[episode] + t - start[episode]) * batch + lane[episode]
    total = int(ends.max())
    hold = torch.from_numpy(np.arange(total)[:, None] >= ends[None, :])
    device = later.device
    return Lanes(
        total,
        torch.from_numpy(where.reshape(-1)).to(device),
        torch.tensor(zero, dtype=torch.int64, device=device),
        hold.to(device),
    )
