"""A GRU policy whose ``evaluate`` reads the rollout itself instead of through the shared
``read_rollout``: recorded hidden states of the wrong width are cut to ``hidden_size``
without a word."""

import itertools

import torch

from optimized.pyrado import GRUPolicy as _GRUPolicy
from tests.broken._pyrado import pyrado_candidate


class GRUPolicy(_GRUPolicy):
    def evaluate(self, rollout, hidden_states_name="hidden_states"):
        obs = rollout.get_data_values("observations", True)
        hidden = rollout.get_data_values(hidden_states_name)[:, : self.hidden_size]
        acts = []
        for a, b in itertools.pairwise(int(v) for v in rollout.rollout_bounds):
            h = hidden[a]
            for t in range(a, b):
                act, h = self(obs[t], h)
                acts.append(act)
        return torch.stack(acts)


pyrado = pyrado_candidate(GRUPolicy=GRUPolicy)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("pyrado.GRUPolicy", "bad_input")]
