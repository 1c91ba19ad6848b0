"""DisjointPolicyValueNetwork's shared architecture lets the value head's gradient into the
encoder (no detach before the true value head)."""

from optimized.alf import ppg
from reference.specs import map_structure
from tests.broken import candidate


class DisjointPolicyValueNetwork(ppg.DisjointPolicyValueNetwork):
    def forward(self, observation, state, require_aux=True):
        if not self.is_sharing_encoder:
            return super().forward(observation, state, require_aux)
        z, s = self._actor_encoder(observation, self.split_state(state)[0])
        pi = map_structure(lambda head: head(z)[0], self._policy_head)
        value = self._value_fc[0](z).reshape(z.shape[0])  # z, not z.detach()
        aux = self._aux_head(z)[0] if require_aux else ()
        return (pi, value, aux), self.pack_state(s, ())


alf = candidate(DisjointPolicyValueNetwork=DisjointPolicyValueNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.DisjointPolicyValueNetwork", "detach"),
    ("alf.DisjointPolicyValueNetwork", "grad_parity"),
]
