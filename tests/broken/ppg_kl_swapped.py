"""PPGAuxPhaseLoss takes KL(current || rollout) instead of KL(rollout || current)."""

from optimized.alf import ppg
from optimized.alf.ppg import loss as fast
from reference.alf.ppg import loss as ref
from reference.alf.ppg.data import LossInfo
from tests.broken import candidate


class PPGAuxPhaseLoss(ppg.PPGAuxPhaseLoss):
    def forward(self, info):
        ref.check_train_info(info, self._gamma, self._name)
        targets = self.value_targets(info)
        weights = info.reward_weights
        td_actual = ref.reduce_reward_dims(self._td_error_loss_fn(targets, info.value), weights)
        td_aux = ref.reduce_reward_dims(self._td_error_loss_fn(targets, info.aux), weights)
        kl = fast.policy_kl(info.action_distribution, info.rollout_action_distribution)
        loss = td_actual + td_aux + self._policy_kl_loss_weight * kl
        return LossInfo(loss=loss, extra=ref.PPGAuxPhaseLossInfo(td_actual, td_aux, kl))


alf = candidate(PPGAuxPhaseLoss=PPGAuxPhaseLoss)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("alf.PPGAuxPhaseLoss", "loss")]
