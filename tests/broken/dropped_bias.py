"""FC layers forget their bias."""

from optimized.alf import encoding, layers
from tests.broken import candidate, swap_class


class _NoBiasFC(layers.FC):
    def forward(self, x):
        y = x.mm(self._weight.t())
        if self._bn is not None:
            y = self._bn(y)
        return self._activation(y)


class EncodingNetwork(encoding.EncodingNetwork):
    def fuse(self):
        swap_class(self, layers.FC, _NoBiasFC)
        super().fuse()


alf = candidate(EncodingNetwork=EncodingNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.EncodingNetwork", "parity"),
    ("alf.EncodingNetwork", "grad_parity"),
]
