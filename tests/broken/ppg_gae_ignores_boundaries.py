"""PPGAuxPhaseLoss's GAE runs across episode boundaries (every step taken as MID)."""

import torch

from optimized.alf import ppg
from optimized.alf.ppg.value_ops import td_lambda_returns
from reference.alf.ppg import loss as ref
from reference.alf.ppg.data import StepType
from tests.broken import candidate


class PPGAuxPhaseLoss(ppg.PPGAuxPhaseLoss):
    def value_targets(self, info):
        no_ends = torch.full_like(info.step_type, StepType.MID)
        discounts = ref.step_discounts(info, self._gamma)
        return td_lambda_returns(
            info.reward, info.rollout_value, no_ends, discounts, self._td_lambda
        )


alf = candidate(PPGAuxPhaseLoss=PPGAuxPhaseLoss)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.PPGAuxPhaseLoss", "loss")]
