"""The lane layout of a fused unroll with resets (``optimized.alf.lanes.pack``): what makes
the one fused call exact, checked on the layout itself for random reset patterns (the
outputs are checked against the step loop in ``test_alf_recurrent.py``)."""

from __future__ import annotations

import pytest
import torch

from optimized.alf.lanes import pack


def _later(seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    steps, batch = (int(v) for v in torch.randint(1, 24, (2,), generator=g))
    rate = float(torch.rand((), generator=g))
    later = torch.rand(steps, batch, generator=g) < rate
    later[0] = False
    later[-1, 0] = steps > 1  # at least one reset after step 0 where there is a later step
    return later


@pytest.mark.parametrize("seed", range(40))
def test_every_step_has_its_place(seed: int) -> None:
    later = _later(seed)
    steps, batch = later.shape
    lanes = pack(later)
    where = lanes.where.view(steps, batch)
    real, zero = set(lanes.where.tolist()), set(lanes.zero.tolist())
    hold = {p * batch + b for p, b in torch.nonzero(lanes.hold).tolist()}
    assert len(real) == steps * batch  # one place per step
    assert not (real & zero or real & hold or zero & hold)
    assert len(real | zero | hold) == lanes.length * batch  # and no place left unset
    for b in range(batch):
        assert int(where[0, b]) == b  # lane b starts with row b (its initial state)
        for t in range(1, steps):
            here = int(where[t, b])
            if later[t, b]:  # a reset: the place before is a zero step of the same lane
                assert here - batch in zero
            else:  # within an episode: the next place of the same lane
                assert here == int(where[t - 1, b]) + batch
        last = int(where[-1, b])  # row b's final state: lane b's, held to the end
        assert last % batch == b
        assert all(p * batch + b in hold for p in range(last // batch + 1, lanes.length))


@pytest.mark.parametrize("seed", range(40))
def test_no_longer_than_a_lane_per_row(seed: int) -> None:
    later = _later(seed)
    steps = later.shape[0]
    per_row = steps + int(later.sum(0).max())
    resets = int(later.sum())
    lanes = pack(later)
    assert steps <= lanes.length <= per_row
    assert lanes.length * later.shape[1] >= later.numel() + resets
