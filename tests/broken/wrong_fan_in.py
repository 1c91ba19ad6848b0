"""Parallel FC kernels are initialised as one [n, out, in] tensor: fan-in out*in, not in."""

from optimized.alf import encoding, layers
from reference.alf.initializers import variance_scaling_init
from tests.broken import candidate, parallel_encoding, swap_class


class _WideFanInParallelFC(layers.ParallelFC):
    def reset_parameters(self):
        super().reset_parameters()
        variance_scaling_init(self._weight.data, nonlinearity=self._activation)


class _FC(layers.FC):
    def make_parallel(self, n):
        parallel = super().make_parallel(n)
        parallel.__class__ = _WideFanInParallelFC
        parallel.reset_parameters()
        return parallel


class EncodingNetwork(encoding.EncodingNetwork):
    def fuse(self):
        swap_class(self, layers.FC, _FC)
        super().fuse()


alf = candidate(
    EncodingNetwork=EncodingNetwork, ParallelEncodingNetwork=parallel_encoding(EncodingNetwork)
)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.EncodingNetwork", "init"),
    ("alf.ParallelEncodingNetwork", "init"),
]
