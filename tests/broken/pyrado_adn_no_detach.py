"""An ADN step that lets gradients flow into the previous potentials (upstream detaches
them: no gradient reaches an earlier step through the hidden state)."""

from optimized.pyrado import ADNPolicy as _ADNPolicy
from reference.pyrado.base import check_hidden, check_obs
from tests.broken._pyrado import pyrado_candidate


class ADNPolicy(_ADNPolicy):
    def forward(self, obs, hidden=None):
        batch = check_obs(obs, self.env_spec.obs_space.flat_dim, self.resting_level)
        p = self.init_hidden(batch) if hidden is None else hidden
        check_hidden(p, batch, self.hidden_size, obs)
        stimuli = self.obs_layer(obs) + self.prev_act_layer(self.pot_to_act_layer(p))
        p = (p + self.potentials_dot(p, stimuli)).clamp(-100.0, 100.0)
        return self.pot_to_act_layer(p), p


pyrado = pyrado_candidate(ADNPolicy=ADNPolicy)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("pyrado.ADNPolicy", "grad_parity")]
