"""``EncodingNetwork`` for flat inputs and FC layers, and its vectorized parallel form.

For an input ``x [B, D]``: ``x <- act(W_j x + b_j)`` for each size in ``fc_layer_params``,
then ``x <- last_activation(W x + b)`` of width ``last_layer_size`` when given, then a
reshape to ``output_tensor_spec.shape`` when given. The layers are ``_nets.<j>`` (ALF's
state_dict layout). Preprocessors, combiners, conv layers and batch norm are not supported:
such configs raise ``NotImplementedError`` at construction.

``make_parallel(n)`` stacks ``n`` freshly initialised replicas of every layer (``_nets.<j>``
with weights ``[n, out, in]``) over inputs ``[B, n, D]``; with
``allow_non_parallel_input=True`` it wraps that network as ``_pnet`` and also takes a
``[B, D]`` input shared by every replica.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from .checks import check_inputs, own_spec, positive_int
from .layers import Activation, Dense, Initializer
from .network import Network
from .specs import TensorSpec, is_nest


def _fc_sizes(params: Any) -> tuple[int, ...]:
    if params is None:
        return ()
    if not isinstance(params, (tuple, list)):
        raise ValueError(f"fc_layer_params: expected a tuple of positive ints, got {params!r}")
    return tuple(positive_int(p, "fc_layer_params") for p in params)


def _float_dtype(module: nn.Module) -> torch.dtype | None:
    return next((p.dtype for p in module.parameters()), None)


class EncodingNetwork(Network):
    """An FC encoder over a flat input (module doc)."""

    def __init__(
        self,
        input_tensor_spec: Any,
        output_tensor_spec: Any = None,
        input_preprocessors: Any = None,
        preprocessing_combiner: Any = None,
        conv_layer_params: Any = None,
        fc_layer_params: Sequence[int] | None = None,
        activation: Activation = torch.relu_,
        kernel_initializer: Initializer | None = None,
        use_fc_bn: bool = False,
        last_layer_size: int | None = None,
        last_activation: Activation | None = None,
        last_kernel_initializer: Initializer | None = None,
        last_use_fc_bn: bool = False,
        name: str = "EncodingNetwork",
    ):
        super().__init__()
        if input_preprocessors is not None:
            raise NotImplementedError("input_preprocessors are not supported")
        if is_nest(input_tensor_spec):
            if preprocessing_combiner is None:
                raise ValueError(
                    f"{name}: a nested input expected a preprocessing_combiner, got None"
                )
            raise NotImplementedError("nested inputs (preprocessing_combiner) are not supported")
        spec = own_spec(input_tensor_spec, f"{name} input_tensor_spec")
        if conv_layer_params:
            raise NotImplementedError("conv_layer_params are not supported")
        if len(spec.shape) != 1 or not spec.dtype.is_floating_point:
            raise NotImplementedError(f"only flat floating inputs are supported, not {spec}")
        sizes = _fc_sizes(fc_layer_params)
        if (last_layer_size is None) != (last_activation is None):
            raise ValueError(
                f"{name}: expected last_layer_size and last_activation together, got "
                f"last_layer_size={last_layer_size!r}, last_activation={last_activation!r}"
            )
        for flag, value in (("use_fc_bn", use_fc_bn), ("last_use_fc_bn", last_use_fc_bn)):
            if not isinstance(value, bool):
                raise TypeError(f"{name} {flag}: expected a bool, got {value!r}")
        if (use_fc_bn and sizes) or (last_use_fc_bn and last_layer_size is not None):
            raise NotImplementedError("batch normalization (use_fc_bn) is not supported")
        layers, size = [], spec.shape[0]
        for units in sizes:
            layers.append(Dense(size, units, activation, kernel_initializer))
            size = units
        if last_layer_size is not None and last_activation is not None:
            last_size = positive_int(last_layer_size, f"{name} last_layer_size")
            initializer = last_kernel_initializer or kernel_initializer
            layers.append(Dense(size, last_size, last_activation, initializer))
            size = last_size
        shape: tuple[int, ...] = (size,)
        if output_tensor_spec is not None:
            out = own_spec(output_tensor_spec, f"{name} output_tensor_spec")
            if out.shape.numel() != size:
                raise ValueError(
                    f"{name}: output_tensor_spec expected {size} values, got {out} "
                    f"({out.shape.numel()} values)"
                )
            shape = tuple(out.shape)
        self._nets = nn.ModuleList(layers)
        self.name = name
        self.input_tensor_spec = spec
        self.state_spec = ()
        self.out_shape = shape

    @property
    def output_spec(self) -> TensorSpec:
        return TensorSpec(self.out_shape, _float_dtype(self) or self.input_tensor_spec.dtype)

    def forward(self, inputs: torch.Tensor, state: Any = ()) -> tuple[torch.Tensor, Any]:
        check_inputs(self.input_tensor_spec, inputs, (1,), _float_dtype(self), f"{self.name} input")
        x = inputs
        for layer in self._nets:
            x = layer(x)
        return x.reshape(x.shape[0], *self.out_shape), state

    def make_parallel(self, n: int, allow_non_parallel_input: bool = False) -> nn.Module:
        """``n`` independently initialised replicas as one vectorized network (module doc)."""
        net = ParallelEncodingNetwork(self, positive_int(n, f"{self.name} make_parallel n"))
        return SharedInputParallel(net) if allow_non_parallel_input else net


class ParallelEncodingNetwork(Network):
    """``n`` replicas of an :class:`EncodingNetwork` over ``[B, n, D]`` inputs."""

    def __init__(self, single: EncodingNetwork, n: int):
        super().__init__()
        self._nets = nn.ModuleList([layer.replicated(n) for layer in single._nets])
        self.n, self.name = n, f"parallel_{single.name}"
        self.single_spec = single.input_tensor_spec
        self.input_tensor_spec = TensorSpec((n, *single.input_tensor_spec.shape))
        self.state_spec = ()
        self.out_shape = (n, *single.out_shape)

    @property
    def output_spec(self) -> TensorSpec:
        return TensorSpec(self.out_shape, _float_dtype(self) or self.single_spec.dtype)

    def forward(self, inputs: torch.Tensor, state: Any = ()) -> tuple[torch.Tensor, Any]:
        check_inputs(self.input_tensor_spec, inputs, (1,), _float_dtype(self), f"{self.name} input")
        x = inputs
        for layer in self._nets:
            x = layer(x)
        return x.reshape(x.shape[0], *self.out_shape), state


class SharedInputParallel(Network):
    """A :class:`ParallelEncodingNetwork` (``_pnet``) that also takes ``[B, D]`` inputs,
    given to every replica."""

    def __init__(self, pnet: ParallelEncodingNetwork):
        super().__init__()
        self._pnet = pnet
        self.name = pnet.name
        self.input_tensor_spec = pnet.input_tensor_spec
        self.state_spec = ()

    @property
    def output_spec(self) -> TensorSpec:
        return self._pnet.output_spec

    def forward(self, inputs: torch.Tensor, state: Any = ()) -> tuple[torch.Tensor, Any]:
        single, n = self._pnet.single_spec, self._pnet.n
        what = f"{self.name} input"
        if isinstance(inputs, torch.Tensor) and inputs.dim() == len(single.shape) + 1:
            check_inputs(single, inputs, (1,), _float_dtype(self), what)
            inputs = inputs.unsqueeze(1).expand(inputs.shape[0], n, *single.shape)
        return self._pnet(inputs, state)
