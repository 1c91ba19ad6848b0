"""Pyrado's potential-based policies with a batched ``evaluate``.

The step (``forward``) is the reference's: already a handful of batched tensor ops. What
``evaluate`` buys: the reference steps every rollout one unbatched step at a time; here all
rollouts advance together, one batched step per time index over the rollouts still running
(``T_max`` calls instead of ``sum T``). Rows are independent, so the numbers are the same.
"""

from __future__ import annotations

from typing import Any

import torch

from optimized.pyrado.rollouts import batch_rollouts
from reference.pyrado.adn import ADNPolicy as _ReferenceADN
from reference.pyrado.neural_fields import NFPolicy as _ReferenceNF
from reference.pyrado.step_sequence import StepSequence


def batched_evaluate(policy: Any, rollout: StepSequence, hidden_states_name: str) -> torch.Tensor:
    """The actions of every step of every rollout (in sequence order), the rollouts stepped
    side by side from their recorded first hidden states."""
    batched = batch_rollouts(rollout, hidden_states_name, policy.init_hidden)
    lengths = torch.as_tensor(batched.lengths)
    hidden, acts = batched.hidden, []
    training = policy.training
    policy.eval()
    try:
        for t in range(batched.obs.shape[0]):
            running = int((lengths > t).sum())  # rollouts are not sorted: mask, not prefix
            act, new = policy(batched.obs[t], hidden)
            if running < len(batched.lengths):
                keep = (lengths > t).to(new.device).unsqueeze(1)
                new = torch.where(keep, new, hidden)
            hidden = new
            acts.append(act)
    finally:
        policy.train(training)
    return torch.stack(acts).reshape(-1, acts[0].shape[-1])[batched.index]


class ADNPolicy(_ReferenceADN):
    """The reference's ADN with all rollouts evaluated side by side (module doc)."""

    def evaluate(
        self, rollout: StepSequence, hidden_states_name: str = "hidden_states"
    ) -> torch.Tensor:
        return batched_evaluate(self, rollout, hidden_states_name)


class NFPolicy(_ReferenceNF):
    """The reference's NF with all rollouts evaluated side by side (module doc)."""

    def evaluate(
        self, rollout: StepSequence, hidden_states_name: str = "hidden_states"
    ) -> torch.Tensor:
        return batched_evaluate(self, rollout, hidden_states_name)
