"""``PPGAuxPhaseLoss`` with the value targets from the log-depth GAE scan
(``optimized.alf.ppg.value_ops``) and closed-form KLs read straight off the parameters of
the families the projection networks produce (no ``kl_divergence`` dispatch, no
``Independent`` wrappers); other families fall back to ``torch.distributions``."""

from __future__ import annotations

import torch
import torch.distributions as td

from optimized import distributions as fast
from optimized.alf.ppg.value_ops import td_lambda_returns
from optimized.twin import Twin
from reference.alf.ppg import loss as ref
from reference.alf.ppg.data import LossInfo
from reference.alf.ppg.utils import PPGTrainInfo
from reference.specs import flatten

#: Diagonal normals: (loc, scale) and how many trailing dims are the event.
_NORMALS = (td.Normal, fast.DiagMultivariateNormal)


def _normal_params(dist: td.Distribution) -> tuple[torch.Tensor, torch.Tensor, int] | None:
    if isinstance(dist, _NORMALS):
        return dist.loc, dist.scale, len(dist.event_shape)
    if isinstance(dist, td.Independent) and type(dist.base_dist) is td.Normal:
        base = dist.base_dist
        return base.loc, base.scale, dist.reinterpreted_batch_ndims
    return None


def _categorical_logits(dist: td.Distribution) -> tuple[torch.Tensor, int] | None:
    if isinstance(dist, td.Categorical):
        return dist.logits, 0
    if isinstance(dist, td.Independent) and isinstance(dist.base_dist, td.Categorical):
        return dist.base_dist.logits, dist.reinterpreted_batch_ndims
    return None


def _sum_last(x: torch.Tensor, dims: int) -> torch.Tensor:
    return x.sum(tuple(range(-dims, 0))) if dims else x


def kl_divergence(p: td.Distribution, q: td.Distribution) -> torch.Tensor:
    """``KL(p || q)`` in closed form for diagonal normals and categoricals."""
    normal_p, normal_q = _normal_params(p), _normal_params(q)
    if normal_p is not None and normal_q is not None:
        (mp, sp, dims), (mq, sq, _) = normal_p, normal_q
        ratio = (sp / sq) ** 2
        kl = 0.5 * (ratio + ((mp - mq) / sq) ** 2 - 1.0 - ratio.log())
        return _sum_last(kl, dims)
    cat_p, cat_q = _categorical_logits(p), _categorical_logits(q)
    if cat_p is not None and cat_q is not None:
        (lp, dims), (lq, _) = cat_p, cat_q
        log_p, log_q = lp.log_softmax(-1), lq.log_softmax(-1)
        return _sum_last((log_p.exp() * (log_p - log_q)).sum(-1), dims)
    return td.kl_divergence(p, q)


def policy_kl(rollout: object, current: object) -> torch.Tensor:
    pairs = zip(flatten(rollout), flatten(current), strict=True)
    return sum(kl_divergence(p, q) for p, q in pairs)  # type: ignore[return-value]


class PPGAuxPhaseLoss(Twin, ref.PPGAuxPhaseLoss):
    """The reference loss with the scanned targets and the closed-form KL (module doc)."""

    def value_targets(self, info: PPGTrainInfo) -> torch.Tensor:
        return td_lambda_returns(
            info.reward,
            info.rollout_value,
            info.step_type,
            ref.step_discounts(info, self._gamma),
            self._td_lambda,
        )

    def forward(self, info: PPGTrainInfo) -> LossInfo:
        ref.check_train_info(info, self._gamma, self._name)
        targets = self.value_targets(info)
        weights = info.reward_weights
        td_actual = ref.reduce_reward_dims(self._td_error_loss_fn(targets, info.value), weights)
        td_aux = ref.reduce_reward_dims(self._td_error_loss_fn(targets, info.aux), weights)
        kl = policy_kl(info.rollout_action_distribution, info.action_distribution)
        loss = td_actual + td_aux + self._policy_kl_loss_weight * kl
        return LossInfo(loss=loss, extra=ref.PPGAuxPhaseLossInfo(td_actual, td_aux, kl))
