"""Parallel FC kernels are initialised as one [n, out, in] tensor: fan-in out*in, not in."""

from types import SimpleNamespace

from optimized.alf import encoding, layers
from reference.alf.initializers import variance_scaling_init
from tests.broken import candidate


class _WideFanInParallelFC(layers.ParallelFC):
    def reset_parameters(self):
        super().reset_parameters()
        variance_scaling_init(self._weight.data, nonlinearity=self._activation)


class _FC(layers.FC):
    def make_parallel(self, n):
        return _WideFanInParallelFC(
            self._input_size,
            self._output_size,
            n,
            self._activation,
            self._use_bias,
            self._use_bn,
            self._kernel_initializer,
            self._kernel_init_gain,
            self._bias_init_value,
        )


_layers = SimpleNamespace(**{**vars(layers), "FC": _FC})


class EncodingNetwork(encoding.EncodingNetwork):
    layers = _layers


def ParallelEncodingNetwork(input_tensor_spec, n, **kwargs):
    kwargs.setdefault("input_preprocessors", None)
    kwargs.setdefault("name", "ParallelEncodingNetwork")
    return encoding.ref.parallel_encoding_network(
        EncodingNetwork, n, input_tensor_spec=input_tensor_spec, **kwargs
    )


alf = candidate(EncodingNetwork=EncodingNetwork, ParallelEncodingNetwork=ParallelEncodingNetwork)
