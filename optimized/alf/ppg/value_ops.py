"""GAE as a log-depth scan: ``ceil(log2(T))`` vectorized steps over ``[T, B]`` instead of
the reference's ``T`` Python steps, accumulated in float64 for float32 (and lower) inputs.

The recursion ``A[t] = b[t] + a[t] A[t+1]`` (``b = delta``, ``a = lambda d[t+1]``, and
``A[t] = 0`` where ``last[t]``) composes associatively: after the step with offset ``k``
each ``(a[t], b[t], cut[t])`` describes ``A[t]`` in terms of ``A[t+2k]`` (Hillis-Steele),
``cut[t]`` marking that an episode end lies in between so that ``A[t] = b[t]``; ``log2(T)``
whole-tensor updates give every ``A[t]``. On finite data the cut is a zero coefficient
(``a = b = 0`` where ``last``: the fastest scan); a NaN/inf anywhere in the data leaves a
non-finite result, and only then the scan runs again with the ends selected
(``torch.where``), so a NaN/inf of another episode never enters (``0 * nan``: the
reference's definition, contract item 7). Only products of the coefficients are formed
(no division), so long horizons stay exact to rounding.
"""

from __future__ import annotations

import math

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
        last = step_types[:-1] == StepType.LAST
        last = last.reshape(*last.shape, *([1] * (v.dim() - last.dim()))).expand_as(v[1:])
        advantages = _product_scan(r, v, d, last, td_lambda)
        if not math.isfinite(float(advantages.sum())):  # one reduction: NaN/inf survive it
            advantages = _cut_scan(r, v, d, last, td_lambda)
        return advantages.to(values.dtype)


def _product_scan(
    r: torch.Tensor, v: torch.Tensor, d: torch.Tensor, last: torch.Tensor, td_lambda: float
) -> torch.Tensor:
    """The scan with episode ends as zero coefficients: exact on finite data, where every
    ``0 *`` meets a finite number (any NaN/inf in the data leaves a non-finite result)."""
    not_last = (~last).to(v.dtype)
    b = not_last * (r[1:] + d[1:] * v[1:] - v[:-1])
    a = not_last * (td_lambda * d[1:])
    offset, steps = 1, b.shape[0]
    while offset < steps:
        b = torch.cat([torch.addcmul(b[:-offset], a[:-offset], b[offset:]), b[-offset:]])
        a = torch.cat([a[:-offset] * a[offset:], a[-offset:]])
        offset *= 2
    return b


def _cut_scan(
    r: torch.Tensor, v: torch.Tensor, d: torch.Tensor, cut: torch.Tensor, td_lambda: float
) -> torch.Tensor:
    """The scan with episode ends selected (module doc): for data holding NaN/inf."""
    b = torch.where(cut, v.new_zeros(()), r[1:] + d[1:] * v[1:] - v[:-1])
    a = td_lambda * d[1:]
    offset, steps = 1, b.shape[0]
    while offset < steps:
        joined = torch.addcmul(b[:-offset], a[:-offset], b[offset:])
        b = torch.cat([torch.where(cut[:-offset], b[:-offset], joined), b[-offset:]])
        a = torch.cat([a[:-offset] * a[offset:], a[-offset:]])
        cut = torch.cat([cut[:-offset] | cut[offset:], cut[-offset:]])
        offset *= 2
    return b


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
