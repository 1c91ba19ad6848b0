"""``PPGAuxPhaseLoss``: the loss of PPG's auxiliary phase (``ppg_aux_phase_loss``).

From a ``PPGTrainInfo`` of ``T`` steps and ``B`` sequences (time-major), per step and
sequence::

    G           = TD(lambda) targets of (reward, rollout_value, step_type,
                  discount * gamma)                     (reference.alf.ppg.value_ops)
    td_actual   = td_error_loss_fn(G, value)
    td_aux      = td_error_loss_fn(G, aux)
    kl          = KL(rollout_action_distribution || action_distribution)
    loss        = td_actual + td_aux + policy_kl_loss_weight * kl

``G`` is detached: only ``value``, ``aux`` and the current distribution carry gradient.
Shapes: ``reward``, ``rollout_value``, ``value`` and ``aux`` are ``[T, B]``, or
``[T, B, D]`` for a ``D``-dimensional reward, where ``gamma`` may be a list of ``D``
discounts (one per reward dimension); ``discount`` and ``step_type`` are ``[T, B]``;
``T >= 2``. The loss and its parts are ``[T, B]``.

Deviations from upstream ALF (23aca49), where its code does not do what the spec says:

* A ``D``-dimensional reward: upstream adds the ``[T, B, D]`` TD losses to the ``[T, B]``
  KL, which fails (or, for ``D = 1``, broadcasts to ``[T, B, B]``). Here the TD losses are
  first reduced over ``D``: weighted by ``reward_weights`` (``[D]`` or ``[T, B, D]``)
  and summed when the info carries them, else averaged (ALF's ``ActorCriticLoss`` rule).
* A nest of action distributions: the KL is the sum of the leaves' KLs (upstream calls
  ``kl_divergence`` on the nest itself, which fails). The KL of one leaf is
  ``torch.distributions.kl_divergence``: torch's closed forms.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import torch
import torch.distributions as td
import torch.nn.functional as F
from torch import nn

from reference import checks
from reference.alf.ppg.data import LossInfo
from reference.alf.ppg.utils import PPGTrainInfo
from reference.alf.ppg.value_ops import td_lambda_returns
from reference.specs import flatten


class PPGAuxPhaseLossInfo(NamedTuple):
    """The three parts of the auxiliary-phase loss, each ``[T, B]`` (each defaults to None,
    as upstream's record does; the spec's page lists the fields only)."""

    td_loss_actual: Any = None
    td_loss_aux: Any = None
    policy_kl_loss: Any = None


def element_wise_squared_loss(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``(y - x)^2`` element by element (``x`` the target, ``y`` the prediction)."""
    return F.mse_loss(y, x, reduction="none")


def check_gamma(gamma: float | Sequence[float], name: str) -> torch.Tensor:
    """``gamma`` as a float64 tensor: a number in [0, 1], or a non-empty list of them."""
    values = [gamma] if isinstance(gamma, (int, float)) else gamma
    if isinstance(gamma, bool) or not isinstance(values, (list, tuple)) or not values:
        raise TypeError(f"{name}: expected gamma as a float or a list of floats, got {gamma!r}")
    for g in values:
        if isinstance(g, bool) or not isinstance(g, (int, float)) or not 0.0 <= g <= 1.0:
            raise ValueError(f"{name}: expected discounts gamma in [0, 1], got {gamma!r}")
    return torch.tensor(gamma, dtype=torch.float64)


def check_train_info(info: Any, gamma: torch.Tensor, name: str) -> tuple[int, int, int | None]:
    """Validate the fields the loss reads; return ``(T, B, D)`` (``D`` None for scalar
    rewards). Raises ``TypeError`` for a non-``PPGTrainInfo`` or a non-tensor field and
    ``ValueError`` for shapes that do not line up."""
    if "rollout_value" not in getattr(info, "_fields", ()):
        raise TypeError(f"{name}: expected a PPGTrainInfo, got {type(info).__name__}")
    tensors = ("reward", "rollout_value", "value", "aux", "discount", "step_type")
    for field in tensors:
        value = getattr(info, field)
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name}: expected a tensor info.{field}, got {type(value).__name__}")
    reward = info.reward
    if reward.dim() not in (2, 3) or reward.shape[0] < 2:
        raise ValueError(
            f"{name}: expected info.reward [T, B] or [T, B, D] with T >= 2, got "
            f"{list(reward.shape)}"
        )
    for field in ("rollout_value", "value", "aux"):
        shape = getattr(info, field).shape
        if shape != reward.shape:
            raise ValueError(
                f"{name}: expected info.{field} shaped like info.reward {list(reward.shape)}, "
                f"got {list(shape)}"
            )
    for field in ("discount", "step_type"):
        shape = getattr(info, field).shape
        if shape != reward.shape[:2]:
            raise ValueError(
                f"{name}: expected info.{field} of shape {list(reward.shape[:2])}, got "
                f"{list(shape)}"
            )
    check_experience_values(info, name)
    d = reward.shape[2] if reward.dim() == 3 else None
    if gamma.numel() > 1 and gamma.numel() != d:
        raise ValueError(
            f"{name}: expected {gamma.numel()} reward dimensions for gamma "
            f"{gamma.tolist()}, got reward of shape {list(reward.shape)}"
        )
    return reward.shape[0], reward.shape[1], d


def check_experience_values(info: Any, name: str) -> None:
    """The data values of ``info`` (shapes already checked): integer step types in
    ``{FIRST, MID, LAST} = {0, 1, 2}``, discounts in ``[0, 1]`` (NaN passes: it propagates,
    contract item 7), every floating field in the dtype of ``info.value`` (no silent
    promotion), and every action distribution batched ``[T, B]`` (no broadcast over T)."""
    types = info.step_type
    if types.is_floating_point() or types.dtype == torch.bool or types.is_complex():
        raise TypeError(f"{name}: expected integer step types, got {types.dtype}")
    if types.numel() and not bool(((types >= 0) & (types <= 2)).all()):
        raise ValueError(
            f"{name}: expected step types in {{0, 1, 2}}, got "
            f"{sorted(set(types.unique().tolist()))}"
        )
    for field in ("reward", "rollout_value", "aux", "discount"):
        dtype = getattr(info, field).dtype
        if dtype != info.value.dtype:
            raise TypeError(
                f"{name}: expected info.{field} of dtype {info.value.dtype} (info.value's), "
                f"got {dtype}"
            )
    discount = info.discount
    if discount.numel() and bool(((discount < 0) | (discount > 1)).any()):
        raise ValueError(
            f"{name}: expected discounts in [0, 1], got values from "
            f"{float(discount.nan_to_num(0.5).min())} to {float(discount.nan_to_num(0.5).max())}"
        )
    outer = tuple(info.reward.shape[:2])
    for field in ("rollout_action_distribution", "action_distribution"):
        for dist in flatten(getattr(info, field)):
            batch = tuple(getattr(dist, "batch_shape", outer))[:2]
            if batch != outer:
                raise ValueError(
                    f"{name}: expected info.{field} batched [T, B] = {list(outer)}, got "
                    f"batch shape {list(dist.batch_shape)}"
                )


def step_discounts(info: Any, gamma: torch.Tensor) -> torch.Tensor:
    """``discount * gamma``, with a trailing reward dimension for ``[T, B, D]`` rewards."""
    g = gamma.to(info.reward.dtype)
    if info.reward.dim() == 3:
        return info.discount.unsqueeze(-1) * g
    return info.discount * g


def reduce_reward_dims(loss: torch.Tensor, reward_weights: Any) -> torch.Tensor:
    """A ``[T, B, D]`` TD loss to ``[T, B]``: weighted sum with ``reward_weights``, or the
    mean over ``D`` without them; a ``[T, B]`` loss as it is."""
    if loss.dim() == 2:
        return loss
    if isinstance(reward_weights, torch.Tensor):
        return (loss * reward_weights).sum(-1)
    return loss.mean(-1)


def policy_kl(rollout: Any, current: Any) -> torch.Tensor:
    """``sum over leaves of KL(rollout_leaf || current_leaf)``."""
    pairs = zip(flatten(rollout), flatten(current), strict=True)
    return sum(td.kl_divergence(p, q) for p, q in pairs)  # type: ignore[return-value]


class PPGAuxPhaseLoss(nn.Module):
    """The auxiliary-phase loss; see the module doc for the formula."""

    def __init__(
        self,
        td_error_loss_fn: Callable = element_wise_squared_loss,
        policy_kl_loss_weight: float = 1.0,
        gamma: float | list[float] = 0.999,
        td_lambda: float = 0.95,
        name: str = "PPGAuxPhaseLoss",
    ):
        super().__init__()
        if not callable(td_error_loss_fn):
            raise TypeError(
                f"{name}: expected a callable td_error_loss_fn, got {td_error_loss_fn!r}"
            )
        checks.unit(td_lambda, f"{name} td_lambda")
        checks.nonnegative(policy_kl_loss_weight, f"{name} policy_kl_loss_weight")
        self._gamma = check_gamma(gamma, name)
        self._td_error_loss_fn = td_error_loss_fn
        self._policy_kl_loss_weight = policy_kl_loss_weight
        self._td_lambda = float(td_lambda)
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def value_targets(self, info: PPGTrainInfo) -> torch.Tensor:
        """The TD(lambda) targets ``G`` from the rollout values (module doc)."""
        return td_lambda_returns(
            info.reward,
            info.rollout_value,
            info.step_type,
            step_discounts(info, self._gamma),
            self._td_lambda,
        )

    def forward(self, info: PPGTrainInfo) -> LossInfo:
        check_train_info(info, self._gamma, self._name)
        targets = self.value_targets(info)
        td_actual = reduce_reward_dims(
            self._td_error_loss_fn(targets, info.value), info.reward_weights
        )
        td_aux = reduce_reward_dims(self._td_error_loss_fn(targets, info.aux), info.reward_weights)
        kl = policy_kl(info.rollout_action_distribution, info.action_distribution)
        loss = td_actual + td_aux + self._policy_kl_loss_weight * kl
        return LossInfo(loss=loss, extra=PPGAuxPhaseLossInfo(td_actual, td_aux, kl))
