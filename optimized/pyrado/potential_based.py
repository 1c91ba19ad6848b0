"""Twin of ``reference.pyrado.potential_based``: the base of the potential-based policies
with a batched ``evaluate``.

The step (``forward``) is each policy's own: already a handful of batched tensor ops.
"""

from __future__ import annotations

import torch

from optimized.pyrado.rollouts import eval_mode, step_rollouts_side_by_side
from optimized.twin import Twin
from reference.pyrado import potential_based as ref
from reference.pyrado.step_sequence import StepSequence


class PotentialBasedPolicy(Twin, ref.PotentialBasedPolicy):
    """``evaluate`` advances all rollouts together, one batched step per time index
    (``T_max`` calls instead of the reference's ``sum T`` unbatched ones); rows are
    independent, so the numbers are the same."""

    def evaluate(
        self, rollout: StepSequence, hidden_states_name: str = "hidden_states"
    ) -> torch.Tensor:
        with eval_mode(self):
            return step_rollouts_side_by_side(self, rollout, hidden_states_name)
