"""PPGAuxPhaseLoss's GAE cuts episodes as upstream ALF writes it, ``A[t] = (1 - last[t]) *
(delta[t] + lambda d[t+1] A[t+1])``: equal to the definition on finite data (``loss``
passes), but a NaN/inf reward of an episode reaches the one before it (``0 * nan``)."""

import torch

from optimized.alf import ppg
from reference.alf.ppg import loss as ref
from reference.alf.ppg.data import StepType
from tests.broken import candidate


def product_gae(rewards, values, step_types, discounts, td_lambda):
    not_last = (step_types != StepType.LAST).to(values.dtype)
    not_last = not_last.reshape(*not_last.shape, *([1] * (values.dim() - not_last.dim())))
    advantages = torch.zeros_like(values)
    for t in reversed(range(values.shape[0] - 1)):
        delta = rewards[t + 1] + discounts[t + 1] * values[t + 1] - values[t]
        advantages[t] = not_last[t] * (delta + td_lambda * discounts[t + 1] * advantages[t + 1])
    return (advantages + values).detach()


class PPGAuxPhaseLoss(ppg.PPGAuxPhaseLoss):
    def value_targets(self, info):
        discounts = ref.step_discounts(info, self._gamma)
        return product_gae(
            info.reward, info.rollout_value, info.step_type, discounts, self._td_lambda
        )


alf = candidate(PPGAuxPhaseLoss=PPGAuxPhaseLoss)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.PPGAuxPhaseLoss", "nan_isolation")]
