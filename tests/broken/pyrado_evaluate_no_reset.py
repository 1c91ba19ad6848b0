"""A GRU policy whose ``evaluate`` runs concatenated rollouts as one sequence: the hidden
state is carried over rollout boundaries instead of restarting from each rollout's
recorded first state."""

import torch

from optimized.pyrado import GRUPolicy as _GRUPolicy
from tests.broken._pyrado import pyrado_candidate


class GRUPolicy(_GRUPolicy):
    def evaluate(self, rollout, hidden_states_name="hidden_states"):
        hidden = rollout.get_data_values(hidden_states_name)[0]
        acts = []
        for obs in rollout.get_data_values("observations", True):
            act, hidden = self(obs, hidden)
            acts.append(act)
        return torch.stack(acts)


pyrado = pyrado_candidate(GRUPolicy=GRUPolicy)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("pyrado.GRUPolicy", "recurrent_steps")]
