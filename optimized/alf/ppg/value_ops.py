"""GAE as a log-depth scan: ``ceil(log2(T))`` vectorized steps over ``[T, B]`` instead of
the reference's ``T`` Python steps, accumulated in float64 for float32 (and lower) inputs.

The recursion ``A[t] = b[t] + a[t] A[t+1]`` (``b = (1 - last) delta``,
``a = (1 - last) lambda d[t+1]``) composes associatively: after the step with offset ``k``
each ``(a[t], b[t])`` describes ``A[t]`` in terms of ``A[t+2k]`` (Hillis-Steele), so
``log2(T)`` whole-tensor updates give every ``A[t]``. Only products of the coefficients are
formed (no division), so resets (``a = 0``) and long horizons stay exact to rounding.
"""

from __future__ import annotations

import torch

from reference.alf.ppg.data import StepType


def accumulation_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if torch.finfo(dtype).bits < 64 else dtype


def generalized_advantage_estimation(
    rewards: torch.Tensor,
    values: torch.Tensor,
    step_types: torch.Tensor,
    discounts: torch.Tensor,
    td_lambda: float = 1.0,
) -> torch.Tensor:
    """``A[0 .. T-2]``, as ``reference.alf.ppg.value_ops``'s, by the scan (module doc)."""
    with torch.no_grad():
        acc = accumulation_dtype(values.dtype)
        r, v, d = rewards.to(acc), values.to(acc), discounts.to(acc)
        not_last = (step_types[:-1] != StepType.LAST).to(acc)
        not_last = not_last.reshape(*not_last.shape, *([1] * (v.dim() - not_last.dim())))
        b = not_last * (r[1:] + d[1:] * v[1:] - v[:-1])
        a = not_last * (td_lambda * d[1:])
        offset, steps = 1, b.shape[0]
        while offset < steps:
            b = torch.cat([torch.addcmul(b[:-offset], a[:-offset], b[offset:]), b[-offset:]])
            a = torch.cat([a[:-offset] * a[offset:], a[-offset:]])
            offset *= 2
        return b.to(values.dtype)


def td_lambda_returns(
    rewards: torch.Tensor,
    values: torch.Tensor,
    step_types: torch.Tensor,
    discounts: torch.Tensor,
    td_lambda: float,
) -> torch.Tensor:
    """``G = [A; 0] + v``: the scan's advantages plus the values in one pass (float64
    accumulation), detached."""
    with torch.no_grad():
        advantages = generalized_advantage_estimation(
            rewards, values.to(accumulation_dtype(values.dtype)), step_types, discounts, td_lambda
        )
        returns = values.to(advantages.dtype).clone()
        returns[:-1] += advantages
        return returns.to(values.dtype)
