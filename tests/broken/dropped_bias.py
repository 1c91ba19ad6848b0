"""FC layers forget their bias."""

from types import SimpleNamespace

from optimized.alf import encoding, layers
from tests.broken import candidate


class _NoBiasFC(layers.FC):
    def forward(self, x):
        y = x.mm(self._weight.t())
        if self._bn is not None:
            y = self._bn(y)
        return self._activation(y)


_layers = SimpleNamespace(**{**vars(layers), "FC": _NoBiasFC})


class EncodingNetwork(encoding.EncodingNetwork):
    layers = _layers


alf = candidate(EncodingNetwork=EncodingNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.EncodingNetwork", "parity"),
    ("alf.EncodingNetwork", "grad_parity"),
]
