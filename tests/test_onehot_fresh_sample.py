"""The optimized straight-through one-hot categorical scores its own fresh sample from the
indices it drew (no support check): the same log-probabilities and logit gradients as the
reference's scoring of that value, with and without sample dims."""

from __future__ import annotations

import pytest
import torch

from optimized import distributions as od
from reference import distributions as rd


@pytest.mark.parametrize("sample_shape", [(), (3,)])
def test_fresh_sample_scored_as_the_reference_scores_it(sample_shape: tuple[int, ...]) -> None:
    g = torch.Generator().manual_seed(7)
    logits = torch.randn(5, 4, generator=g, dtype=torch.float64, requires_grad=True)
    fast = od.OneHotCategoricalStraightThrough(logits=logits, validate_args=False)
    torch.manual_seed(8)
    y = fast.rsample(sample_shape)
    got = fast.log_prob(y)
    slow = rd.OneHotCategoricalStraightThrough(logits=logits, validate_args=False)
    want = slow.log_prob(y.detach().clone())
    torch.testing.assert_close(got, want)
    w = torch.randn(got.shape, generator=g, dtype=torch.float64)
    torch.testing.assert_close(
        torch.autograd.grad((w * got).sum(), logits)[0],
        torch.autograd.grad((w * want).sum(), logits)[0],
    )
    torch.manual_seed(8)
    torch.testing.assert_close(y, slow.rsample(sample_shape))  # the same draw, same gradient path
