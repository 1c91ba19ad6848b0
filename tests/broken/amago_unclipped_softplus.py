"""AMAGO's softplus_bounded_positive ignores ``high`` (no clipping above)."""

import torch.nn.functional as F

from tests.broken import amago_candidate


def softplus_bounded_positive(x, low, high=None):
    return F.softplus(x) + low


amago = amago_candidate(softplus_bounded_positive=softplus_bounded_positive)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("amago.softplus_bounded_positive", "output_range"),
]
