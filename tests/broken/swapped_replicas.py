"""The parallel encoder returns replicas 0 and 1 in swapped order."""

import torch

from optimized.alf import encoding
from optimized.alf.sequential import ParallelSequential
from tests.broken import candidate


class _Swapped(ParallelSequential):
    def forward(self, inputs, state=()):
        out, state = super().forward(inputs, state)
        if self.n < 2:
            return out, state
        order = torch.arange(self.n, device=out.device)
        order[[0, 1]] = order[[1, 0]]
        return out.index_select(1, order), state


class EncodingNetwork(encoding.EncodingNetwork):
    parallel_class = _Swapped


def ParallelEncodingNetwork(input_tensor_spec, n, **kwargs):
    kwargs.setdefault("input_preprocessors", None)
    kwargs.setdefault("name", "ParallelEncodingNetwork")
    return encoding.ref.parallel_encoding_network(
        EncodingNetwork, n, input_tensor_spec=input_tensor_spec, **kwargs
    )


alf = candidate(EncodingNetwork=EncodingNetwork, ParallelEncodingNetwork=ParallelEncodingNetwork)
