"""The parallel encoder returns replicas 0 and 1 in swapped order."""

import torch

from optimized.alf import encoding
from optimized.alf.sequential import ParallelSequential
from tests.broken import candidate, parallel_encoding, swap_class


class _Swapped(ParallelSequential):
    def run(self, x):
        out = super().run(x)
        if self.n < 2:
            return out
        order = torch.arange(self.n, device=out.device)
        order[[0, 1]] = order[[1, 0]]
        return out.index_select(1, order)


class EncodingNetwork(encoding.EncodingNetwork):
    def make_parallel(self, n, allow_non_parallel_input=False):
        parallel = super().make_parallel(n, allow_non_parallel_input)
        swap_class(parallel, ParallelSequential, _Swapped)
        return parallel


alf = candidate(
    EncodingNetwork=EncodingNetwork, ParallelEncodingNetwork=parallel_encoding(EncodingNetwork)
)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.EncodingNetwork", "parallel"),
    ("alf.ParallelEncodingNetwork", "parity"),
]
