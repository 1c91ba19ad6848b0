"""ReluMLP takes the ReLU derivative at exactly 0 as 1 (mask ``h >= 0``, not ``h > 0``)."""

import torch

from optimized.alf import relu_mlp
from tests.broken import candidate


class ReluMLP(relu_mlp.ReluMLP):
    @staticmethod
    def _relu_mask(pre: torch.Tensor) -> torch.Tensor:
        return (pre >= 0).to(pre.dtype)


alf = candidate(ReluMLP=ReluMLP)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.ReluMLP", "jacobian"),
]
