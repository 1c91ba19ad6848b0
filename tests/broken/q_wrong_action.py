"""A Q network that reports each action's value under the next action's index (column a
holds Q(x, a - 1)): the value a DQN agent picks and trains is another action's."""

from optimized.alf import q_networks
from tests.broken import candidate


class QNetwork(q_networks.QNetwork):
    def forward(self, observation, state=()):
        values, state = super().forward(observation, state)
        return values.roll(1, dims=-1), state


alf = candidate(QNetwork=QNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.QNetwork", "parity"),
    ("alf.QNetwork", "grad_parity"),
]
