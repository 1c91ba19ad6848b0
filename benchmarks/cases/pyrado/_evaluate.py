"""Benchmark cases and peers of the Pyrado policies' ``evaluate``.

An ``evaluate`` case has ``rollouts = (R, T)`` in its config: the kind times
``net.evaluate`` over ``R`` concatenated rollouts of ``T`` steps (no recorded hidden
states: every rollout starts from ``init_hidden``). Peers:

* ``script``: the reference's ``script()`` module, reset at every rollout start and stepped
  through its observations (TorchScript of the reference, as Pyrado ships it);
* ``step loop``: for the LSTM, a fresh upstream-style loop: ``torch.nn.LSTM`` and a linear
  output stepped one unbatched step at a time, as upstream's per-step ``forward`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from properties.candidate import Impl
from properties.entry import BenchCase

#: Rollouts x steps of the full run's case, and of the quick runs' (the reference steps
#: through every rollout one observation at a time: a 250-step call takes seconds).
ROLLOUTS = (8, 250)
QUICK_ROLLOUTS = (8, 50)


def evaluate_cases(cfg: dict, obs_dim: int = 16, act_dim: int = 4) -> tuple[BenchCase, ...]:
    def case(rollouts: tuple[int, int], quick: bool) -> BenchCase:
        r, t = rollouts
        full = {"obs_dim": obs_dim, "act_dim": act_dim, **cfg, "rollouts": rollouts}
        return BenchCase(f"evaluate {r}x{t}", full, r * t, quick=quick)

    return (case(QUICK_ROLLOUTS, True), case(ROLLOUTS, False))


class ScriptedLoop(nn.Module):
    """``evaluate`` by the policy's ``script()`` module, reset at every rollout start."""

    def __init__(self, policy: Any):
        super().__init__()
        self.scripted = policy.script()

    def evaluate(self, rollout: Any, hidden_states_name: str = "hidden_states") -> torch.Tensor:
        acts = []
        for ro in rollout.iterate_rollouts():
            self.scripted.reset()
            acts += [self.scripted(o) for o in ro.get_data_values("observations", True)]
        return torch.stack(acts)

    def forward(self, obs: torch.Tensor, hidden: Any = None) -> Any:
        raise NotImplementedError("the script peer times evaluate only")


class LSTMStepLoop(nn.Module):
    """``nn.LSTM`` + ``nn.Linear`` stepped one unbatched step at a time per rollout."""

    def __init__(self, obs_dim: int, hidden: int, layers: int, act_dim: int):
        super().__init__()
        self.lstm = nn.LSTM(obs_dim, hidden, layers)
        self.out = nn.Linear(hidden, act_dim)

    def evaluate(self, rollout: Any, hidden_states_name: str = "hidden_states") -> torch.Tensor:
        acts = []
        shape = (self.lstm.num_layers, 1, self.lstm.hidden_size)
        for ro in rollout.iterate_rollouts():
            obs = ro.get_data_values("observations", True)
            state = (obs.new_zeros(shape), obs.new_zeros(shape))
            for o in obs:
                y, state = self.lstm(o.view(1, 1, -1), state)
                acts.append(self.out(y.view(-1)))
        return torch.stack(acts)


def evaluate_peers(build: Callable[[Impl, dict], Any], lstm: bool = True) -> dict:
    peers: dict[str, Callable[[Impl, dict], Any]] = {
        "script": lambda impl, cfg: ScriptedLoop(build(impl, cfg)),
    }
    if lstm:
        peers["step loop"] = lambda impl, cfg: LSTMStepLoop(
            cfg["obs_dim"], cfg["hidden_size"], cfg["layers"], cfg["act_dim"]
        )
    return peers
