"""Helpers of the optimized ``evaluate``s (no reference counterpart): the rollouts of a
``StepSequence`` side by side, as one padded batch, stepped together or unrolled by one
sequence-kernel call."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from optimized.pyrado.recurrent_layers import RecurrentLayers
from reference.pyrado.base import read_rollout
from reference.pyrado.rnn import unpack_state


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


def batch_rollouts(rollout: Any, hidden_states_name: str, policy: Any) -> Batched:
    """Pad the rollouts of ``rollout`` (read and checked by the reference's
    ``read_rollout``, in ``policy``'s dtype and on its device) into one batch; without
    recorded hidden states every rollout starts from ``policy.init_hidden(R)``'s row."""
    data = read_rollout(rollout, hidden_states_name, policy)
    bounds, obs_all = data.bounds, data.observations
    starts, lengths = bounds[:-1], [b - a for a, b in itertools.pairwise(bounds)]
    r, t_max = len(lengths), max(lengths)
    padded = obs_all.new_zeros(t_max, r, obs_all.shape[-1])
    for i, (a, n) in enumerate(zip(starts, lengths)):
        padded[:n, i] = obs_all[a : a + n]
    hidden = policy.init_hidden(r) if data.first_hidden is None else data.first_hidden
    index = torch.cat([torch.arange(n) * r + i for i, n in enumerate(lengths)])
    return Batched(padded, lengths, hidden.to(obs_all.dtype), index.to(obs_all.device))


def unroll_rollouts(
    layers: nn.Module, rollout: Any, hidden_states_name: str, policy: Any
) -> torch.Tensor:
    """The top layer's ``h [N, H]`` at every step of every rollout, in sequence order: all
    rollouts packed into one ``layers.unroll`` call, each started from its first step's
    recorded state. ``layers`` is the policy's ``RecurrentLayers``, its twin by ``convert``."""
    assert isinstance(layers, RecurrentLayers), type(layers)
    batched = batch_rollouts(rollout, hidden_states_name, policy)
    n, size = layers.num_layers, layers.hidden_size
    h, c = unpack_state(layers.mode, batched.hidden, n, size, len(batched.lengths))
    packed = pack_padded_sequence(batched.obs, batched.lengths, enforce_sorted=False)
    out, _ = pad_packed_sequence(layers.unroll(packed, h, c), total_length=batched.obs.shape[0])
    return out.reshape(-1, size)[batched.index]


def step_rollouts_side_by_side(policy: Any, rollout: Any, hidden_states_name: str) -> torch.Tensor:
    """The actions of every step of every rollout, in sequence order: the rollouts advance
    together, one batched ``policy`` step per time index (``T_max`` calls instead of
    ``sum T``); a finished rollout's row keeps its state (rows are independent)."""
    batched = batch_rollouts(rollout, hidden_states_name, policy)
    lengths = torch.as_tensor(batched.lengths)
    hidden, acts = batched.hidden, []
    for t in range(batched.obs.shape[0]):
        act, new = policy(batched.obs[t], hidden)
        if int((lengths > t).sum()) < len(batched.lengths):  # not sorted: mask, not prefix
            keep = (lengths > t).to(new.device).unsqueeze(1)
            new = torch.where(keep, new, hidden)
        hidden = new
        acts.append(act)
    return torch.stack(acts).reshape(-1, acts[0].shape[-1])[batched.index]


@contextmanager
def eval_mode(policy: nn.Module) -> Iterator[None]:
    """The policy in eval mode inside, its own mode restored after (as the reference's
    ``evaluate`` does)."""
    training = policy.training
    policy.eval()
    try:
        yield
    finally:
        policy.train(training)
