"""Generalized advantage estimation (``alf.utils.value_ops``), as a step loop.

For rewards ``r``, values ``v``, discounts ``d`` (already multiplied by ``gamma``) and
step types over ``T`` steps (time-major ``[T, B]`` or ``[T, B, D]``), ALF's convention is
that ``r[t+1]`` and ``d[t+1]`` belong to the transition out of step ``t``. For
``t = T-2, ..., 0``::

    delta[t] = r[t+1] + d[t+1] * v[t+1] - v[t]
    A[t]     = 0                                          if last[t]      A[T-1] = 0
             = delta[t] + lambda * d[t+1] * A[t+1]        otherwise

where ``last[t]`` marks a ``LAST`` step: the estimate restarts at an episode's end, so no
advantage flows from one episode into the one before it. Upstream ALF writes the cut as a
product, ``(1 - last[t]) * (...)``, which lets a NaN/inf reward or value of the next
episode through (``0 * nan = nan``); twinnet defines the cut as a selection, so an
episode's advantages never depend on another episode's data (contract item 7), and equals
upstream wherever its data are finite. The result has ``T-1`` steps; the
TD(lambda) value targets extend it with a zero and add the values:
``G = [A; 0] + v`` (the target of the last step is its own value).
"""

from __future__ import annotations

import torch

from reference.alf.ppg.data import StepType


def generalized_advantage_estimation(
    rewards: torch.Tensor,
    values: torch.Tensor,
    step_types: torch.Tensor,
    discounts: torch.Tensor,
    td_lambda: float = 1.0,
) -> torch.Tensor:
    """``A[0 .. T-2]`` (module doc); ``rewards``, ``values``, ``discounts`` shaped alike,
    ``step_types`` ``[T, B]``. No gradient flows through the result."""
    with torch.no_grad():
        last = step_types == StepType.LAST
        last = last.reshape(*last.shape, *([1] * (values.dim() - last.dim())))
        advantages = torch.zeros_like(values)
        for t in reversed(range(values.shape[0] - 1)):
            delta = rewards[t + 1] + discounts[t + 1] * values[t + 1] - values[t]
            following = delta + td_lambda * discounts[t + 1] * advantages[t + 1]
            advantages[t] = torch.where(last[t], 0.0, following)
        return advantages[:-1]


def td_lambda_returns(
    rewards: torch.Tensor,
    values: torch.Tensor,
    step_types: torch.Tensor,
    discounts: torch.Tensor,
    td_lambda: float,
) -> torch.Tensor:
    """The value targets ``G = [A; 0] + v`` over all ``T`` steps (module doc), detached."""
    advantages = generalized_advantage_estimation(rewards, values, step_types, discounts, td_lambda)
    extended = torch.cat([advantages, torch.zeros_like(values[:1])])
    return (extended + values).detach()
