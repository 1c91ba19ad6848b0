"""ReluMLP returns the transposed Jacobian ``[B, D, k]`` (input-major) instead of ``[B, k, D]``."""

import torch

from optimized.alf import relu_mlp
from tests.broken import candidate


class ReluMLP(relu_mlp.ReluMLP):
    def _jac_chain(
        self, masks: list[torch.Tensor], idx: list[int] | None, batch: int
    ) -> torch.Tensor:
        return super()._jac_chain(masks, idx, batch).transpose(1, 2)


alf = candidate(ReluMLP=ReluMLP)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.ReluMLP", "jacobian"),
]
