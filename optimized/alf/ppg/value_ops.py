"""GAE as a log-depth scan: ``ceil(log2(T))`` vectorized steps over ``[T, B]`` instead of
the reference's ``T`` Python steps, accumulated in float64 for float32 (and lower) inputs.

The recursion ``A[t] = b[t] + a[t] A[t+1]`` (``b = delta``, ``a = lambda d[t+1]``, and
``A[t] = 0`` where ``last[t]``) composes associatively: after the step with offset ``k``
each ``(a[t], b[t], cut[t])`` describes ``A[t]`` in terms of ``A[t+2k]`` (Hillis-Steele),
``cut[t]`` marking that an episode end lies in between so that ``A[t] = b[t]``; ``log2(T)``
whole-tensor updates give every ``A[t]``. Episode ends cut by selection (``torch.where``),
not by a zero coefficient, so a NaN/inf of another episode never enters (``0 * nan``:
the reference's definition, contract item 7). Only products of the coefficients are
formed (no division), so long horizons stay exact to rounding.
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
        cut = step_types[:-1] == StepType.LAST
        cut = cut.reshape(*cut.shape, *([1] * (v.dim() - cut.dim()))).expand_as(v[1:])
        zero = v.new_zeros(())
        b = torch.where(cut, zero, r[1:] + d[1:] * v[1:] - v[:-1])
        a = td_lambda * d[1:]
        offset, steps = 1, b.shape[0]
        while offset < steps:
            joined = torch.addcmul(b[:-offset], a[:-offset], b[offset:])
            b = torch.cat([torch.where(cut[:-offset], b[:-offset], joined), b[-offset:]])
            a = torch.cat([a[:-offset] * a[offset:], a[-offset:]])
            cut = torch.cat([cut[:-offset] | cut[offset:], cut[-offset:]])
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
