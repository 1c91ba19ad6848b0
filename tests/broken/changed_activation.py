"""Hidden FC layers apply leaky ReLU where the spec asks for ReLU."""

import torch
import torch.nn.functional as F

from optimized.alf import encoding, layers
from tests.broken import candidate, swap_class


class _LeakyFC(layers.FC):
    def forward(self, x):
        if self._activation not in (torch.relu_, torch.relu):
            return super().forward(x)
        y = x.mm(self._weight.t())
        if self._bias is not None:
            y = y + self._bias
        if self._bn is not None:
            y = self._bn(y)
        return F.leaky_relu(y, 0.1)


class EncodingNetwork(encoding.EncodingNetwork):
    def fuse(self):
        swap_class(self, layers.FC, _LeakyFC)
        super().fuse()


alf = candidate(EncodingNetwork=EncodingNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.EncodingNetwork", "grad_parity"),
]
