"""An MDQ critic whose get_action takes each dimension's bin from the free-form critic (the
bin whose centre the free-form Q rates highest, the others held at the bins drawn so far)
instead of the advantage form's policy."""

import torch

from optimized.alf import mdq_critic_networks
from tests.broken import candidate


class MdqCriticNetwork(mdq_critic_networks.MdqCriticNetwork):
    @torch.no_grad()
    def get_action(self, inputs, alpha, greedy):
        observation = inputs[0] if isinstance(inputs, (tuple, list)) else inputs
        b, n, d = observation.shape[0], self._num_critic_replicas, self._action_dim
        bins = self._action_bins
        actions = observation.new_zeros((b, n, d))
        log_pi = observation.new_full((b, n, d), self.get_uniform_prior_logpi())
        centres = self._action_qt.ind_to_action(torch.arange(bins, dtype=observation.dtype))
        for i in range(d):
            scores = []
            for k in range(bins):
                trial = actions[:, 0].clone()
                trial[:, i] = centres[k]
                q, _ = self(torch.cat([observation, trial], -1), alpha, free_form=True)
                scores.append(q)
            best = torch.stack(scores, -1).argmax(-1)
            actions[..., i] = centres[best]
        return actions, log_pi


alf = candidate(MdqCriticNetwork=MdqCriticNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.MdqCriticNetwork", "action_sampling")]
