"""Rollouts of a ``StepSequence`` as one padded batch: what the fused ``evaluate``s share."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import torch

from reference.pyrado.base import check_rollout


@dataclass
class Batched:
    """The rollouts of a sequence side by side: ``obs [T_max, R, D]`` (zero padded),
    ``lengths`` per rollout, ``hidden [R, size]`` at every rollout's first step, and
    ``index``: for every step of the concatenated sequence, its flat position ``t * R + r``
    in ``[T_max, R]``."""

    obs: torch.Tensor
    lengths: list[int]
    hidden: torch.Tensor
    index: torch.Tensor


def batch_rollouts(rollout: Any, hidden_states_name: str, init_hidden: Any) -> Batched:
    """Pad the rollouts of ``rollout`` into one batch; a rollout without recorded hidden
    states starts from ``init_hidden(R)``'s row."""
    check_rollout(rollout, hidden_states_name)
    bounds = list(rollout.rollout_bounds)
    obs_all = rollout.get_data_values("observations", True)
    starts, lengths = bounds[:-1], [b - a for a, b in itertools.pairwise(bounds)]
    r, t_max = len(lengths), max(lengths)
    padded = obs_all.new_zeros(t_max, r, obs_all.shape[-1])
    for i, (a, n) in enumerate(zip(starts, lengths)):
        padded[:n, i] = obs_all[a : a + n]
    if hidden_states_name in rollout.data_names:
        hidden = rollout.get_data_values(hidden_states_name)[torch.as_tensor(starts)]
    else:
        hidden = init_hidden(r)
    index = torch.cat([torch.arange(n) * r + i for i, n in enumerate(lengths)])
    return Batched(padded, lengths, hidden.to(obs_all.dtype), index.to(obs_all.device))
