"""Parallel FC kernels are initialised as one [n, out, in] tensor: fan-in out*in, not in."""

from types import SimpleNamespace

from optimized.alf import encoding, layers
from reference.alf.initializers import variance_scaling_init
from tests.broken import candidate, parallel_encoding


class _WideFanInParallelFC(layers.ParallelFC):
    def reset_parameters(self):
        super().reset_parameters()
        variance_scaling_init(self._weight.data, nonlinearity=self._activation)


class _FC(layers.FC):
    parallel_type = _WideFanInParallelFC


class EncodingNetwork(encoding.EncodingNetwork):
    layers = SimpleNamespace(**{**vars(layers), "FC": _FC})


alf = candidate(
    EncodingNetwork=EncodingNetwork, ParallelEncodingNetwork=parallel_encoding(EncodingNetwork)
)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.EncodingNetwork", "init"),
    ("alf.ParallelEncodingNetwork", "init"),
]
