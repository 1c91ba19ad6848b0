"""Twin of the MDQ critic (``optimized.twin``): the reference's constructor and state_dict.

Its parallel encoders convert to the batched-GEMM ones (one ``bmm`` per layer for all
``D * n`` per-dimension replicas). The advantage-form forward builds the D zero-padded
inputs with one lower-triangular mask instead of a loop of copies, takes
``logsumexp`` only for the dimensions that use it (1 .. D-1), gathers every dimension's
selected bin at once and accumulates ``Q_i`` with one ``cumsum``.
"""

from __future__ import annotations

from typing import Any

import torch

from optimized.twin import Twin
from reference.alf import mdq_critic_networks as ref
from reference.specs import Nest

__all__ = ["MdqCriticNetwork"]


class MdqCriticNetwork(Twin, ref.MdqCriticNetwork):
    """Masked padding, one gather and a ``cumsum`` for the advantage form (module doc)."""

    def forward(
        self, inputs: Nest, alpha: Any, state: Nest = (), free_form: bool = False
    ) -> tuple[torch.Tensor, Nest]:
        if free_form:
            return super().forward(inputs, alpha, state, free_form)
        alpha = self._checked_alpha(alpha)
        observation, action = self._checked_pair(inputs)
        encoded, _ = self._obs_encoding_net(observation)
        b, n, d = action.shape
        below = torch.ones(d, d, dtype=torch.bool, device=action.device).tril(-1)
        padded = action.detach().unsqueeze(1) * below.to(action.dtype)[None, :, None, :]
        joint = torch.cat([encoded.unsqueeze(1).expand(b, d, n, -1), padded], dim=-1)
        values = self._per_dimension_values(joint.reshape(b, d * n, joint.shape[-1]))
        bins = self._action_qt.action_to_ind(action)
        bins = bins.clamp(0, self._action_bins - 1).long()
        first = values[0].gather(-1, bins[..., :1])
        rest = values[1:]
        log_pi = rest - alpha * torch.logsumexp(rest / alpha, dim=-1, keepdim=True)
        chosen = log_pi.permute(1, 2, 0, 3).gather(-1, bins[..., 1:, None]).squeeze(-1)
        steps = torch.cat([first, chosen], dim=-1) - alpha * self._log_pi_uniform_prior
        return steps.cumsum(dim=-1), state
