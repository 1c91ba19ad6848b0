"""AMAGO's tanh_bounded_positive without the clamp to its range as the dtype holds it: in
float16 the exp's rounding leaves ``[low, high]``."""

import math

import torch

from tests.broken import amago_candidate


def tanh_bounded_positive(x, low, high):
    log_low, log_high = math.log(low), math.log(high)
    return torch.exp(log_low + 0.5 * (log_high - log_low) * (torch.tanh(x) + 1))


amago = amago_candidate(tanh_bounded_positive=tanh_bounded_positive)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [("amago.tanh_bounded_positive", "half_precision")]
