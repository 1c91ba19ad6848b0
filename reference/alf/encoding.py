"""Encoding networks: preprocess -> combine -> conv stack -> FC stack -> last layer -> reshape.

``EncodingNetwork`` is the workhorse feed-forward body of ALF's actors and critics.
For an input x it computes, in this order (each step optional):

1. ``x_k <- preprocessor_k(x_k)`` for every leaf (or sub-nest) k of a nested input,
2. ``x <- combiner(x)`` to one tensor (required when the input is nested),
3. ``x <- flatten(conv_L(...conv_1(x)))`` with ``Conv2D(filters, kernel, stride, padding)``,
4. ``x <- act(W_j x + b_j)`` for each size in ``fc_layer_params``,
5. ``x <- last_activation(W x + b)`` of width ``last_layer_size``,
6. ``x <- reshape(x, output_tensor_spec.shape)``.

Every layer is an element of a ``_Sequential`` stack, which fixes ALF's state_dict keys
(``_nets.<i>.*``) and gives ``make_parallel`` for free.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from reference import checks
from reference.alf.layers import FC, Conv2D, Identity, Initializer, Reshape, check_activation
from reference.alf.network import Network, wrap_as_network
from reference.alf.sequential import NestedModules, ReplicateInputForParallel, _Sequential
from reference.specs import Nest, TensorSpec, flatten, is_nested, map_structure_up_to


def conv_params(params: object, what: str) -> list[tuple[int, int, int, int | None]]:
    """Validate ``((filters, kernel_size, strides[, padding]), ...)``; padding None if absent."""
    if not isinstance(params, (tuple, list)) or not params:
        raise ValueError(
            f"{what} must be a non-empty tuple of (filters, kernel_size, strides"
            f"[, padding]) tuples, got {params!r}"
        )
    out = []
    for p in params:
        if (
            not isinstance(p, (tuple, list))
            or len(p) not in (3, 4)
            or not all(isinstance(v, int) and v >= 0 for v in p)
            or min(p[:3]) < 1
        ):
            raise ValueError(
                f"{what}: each layer must be (filters, kernel_size, strides"
                f"[, padding]) of positive ints, got {p!r}"
            )
        out.append((p[0], p[1], p[2], p[3] if len(p) == 4 else None))
    return out


def fc_params(params: object, what: str) -> tuple[int, ...]:
    if params is None:
        return ()
    if not isinstance(params, (tuple, list)) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in params
    ):
        raise ValueError(f"{what} must be a tuple of positive ints, got {params!r}")
    return tuple(params)


class ImageEncodingNetwork(_Sequential):
    """Conv2D stack over ``[B, C, H, W]`` images, optionally flattened to ``[B, N]``.

    Output size per layer: ``H' = (H + 2P - K) // S + 1``. With ``same_padding`` every
    layer's padding is ``(K - 1) // 2``, replacing any padding given in the params.
    """

    def __init__(
        self,
        input_channels: int,
        input_size: int | Sequence[int],
        conv_layer_params: Sequence[Sequence[int]],
        same_padding: bool = False,
        activation: Callable = torch.relu_,
        kernel_initializer: Initializer | None = None,
        flatten_output: bool = False,
        name: str = "ImageEncodingNetwork",
    ):
        checks.flag(same_padding, f"{name} same_padding")
        checks.flag(flatten_output, f"{name} flatten_output")
        h, w = (input_size, input_size) if isinstance(input_size, int) else tuple(input_size)
        spec = TensorSpec((input_channels, h, w))
        layers: list = []
        c = input_channels
        for filters, k, s, p in conv_params(
            conv_layer_params, "ImageEncodingNetwork conv_layer_params"
        ):
            padding = (k - 1) // 2 if same_padding else (p or 0)
            conv = Conv2D(
                c,
                filters,
                k,
                activation=activation,
                strides=s,
                padding=padding,
                kernel_initializer=kernel_initializer,
            )
            h, w = conv.output_hw(h, w)
            if h < 1 or w < 1:
                raise ValueError(
                    f"ImageEncodingNetwork: conv layer {(filters, k, s, p)} "
                    f"shrinks the {spec.shape} image to nothing"
                )
            layers.append(conv)
            c = filters
        if flatten_output:
            layers.append(Reshape((-1,)))
        super().__init__(layers, spec, name)


class EncodingNetwork(_Sequential):
    """Feed-forward encoder; see the module doc for the computation.

    ``last_layer_size`` and ``last_activation`` go together (both or neither). Kernels use
    ``kernel_initializer`` (default: ALF variance scaling with the activation's gain); the
    last layer uses ``last_kernel_initializer``, falling back to ``kernel_initializer``.
    """

    def __init__(
        self,
        input_tensor_spec: Nest,
        output_tensor_spec: TensorSpec | None = None,
        input_preprocessors: Nest | None = None,
        preprocessing_combiner: Callable | None = None,
        conv_layer_params: Sequence[Sequence[int]] | None = None,
        fc_layer_params: Sequence[int] | None = None,
        activation: Callable = torch.relu_,
        kernel_initializer: Initializer | None = None,
        use_fc_bn: bool = False,
        last_layer_size: int | None = None,
        last_activation: Callable | None = None,
        last_kernel_initializer: Initializer | None = None,
        last_use_fc_bn: bool = False,
        name: str = "EncodingNetwork",
    ):
        check_activation(activation, f"{name} activation")  # even where no layer uses it
        checks.flag(use_fc_bn, f"{name} use_fc_bn")
        checks.flag(last_use_fc_bn, f"{name} last_use_fc_bn")
        elements: list = []
        spec = input_tensor_spec
        if input_preprocessors is not None:
            pre = build_preprocessors(input_preprocessors, spec, name)
            elements.append(pre)
            spec = pre.output_spec
        if is_nested(spec):
            if preprocessing_combiner is None:
                raise ValueError(
                    f"{name}: the input (after preprocessing) is nested ({len(flatten(spec))} "
                    "tensors); expected a preprocessing_combiner such as NestConcat, got None"
                )
            elements.append(preprocessing_combiner)
            spec = preprocessing_combiner(spec)
        if not isinstance(spec, TensorSpec):
            raise TypeError(
                f"{name}: expected TensorSpec input (after preprocessing), got "
                f"{type(spec).__name__}"
            )
        fcs = fc_params(fc_layer_params, f"{name} fc_layer_params")
        if (last_layer_size is None) != (last_activation is None):
            raise ValueError(
                f"{name}: last_layer_size and last_activation must be given together, got "
                f"last_layer_size={last_layer_size!r}, last_activation={last_activation!r}"
            )
        has_layers = bool(conv_layer_params or fcs or last_layer_size)
        if has_layers and not spec.is_continuous:
            raise TypeError(
                f"{name}: layers need a floating input, got {spec}; embed "
                "discrete inputs with input_preprocessors"
            )
        if conv_layer_params:
            if spec.ndim != 3:
                raise ValueError(
                    f"{name}: conv_layer_params need an image spec [C, H, W], "
                    f"got shape {spec.shape}"
                )
            image = ImageEncodingNetwork(
                spec.shape[0],
                spec.shape[1:],
                conv_layer_params,
                activation=activation,
                kernel_initializer=kernel_initializer,
                flatten_output=True,
            )
            elements.append(image)
            spec = image.output_spec
        if has_layers and spec.ndim != 1:
            raise ValueError(f"{name}: FC layers need a flat input [D], got shape {spec.shape}")
        size = spec.numel
        for units in fcs:
            elements.append(
                FC(
                    size,
                    units,
                    activation,
                    use_bn=use_fc_bn,
                    kernel_initializer=kernel_initializer,
                )
            )
            size = units
        if last_layer_size is not None and last_activation is not None:
            elements.append(
                FC(
                    size,
                    last_layer_size,
                    last_activation,
                    use_bn=last_use_fc_bn,
                    kernel_initializer=last_kernel_initializer or kernel_initializer,
                )
            )
            size = last_layer_size
        if output_tensor_spec is not None:
            if not isinstance(output_tensor_spec, TensorSpec):
                raise TypeError(
                    f"{name}: output_tensor_spec must be a TensorSpec, got "
                    f"{type(output_tensor_spec).__name__}"
                )
            if output_tensor_spec.numel != size:
                raise ValueError(
                    f"{name}: output_tensor_spec {output_tensor_spec} needs "
                    f"{output_tensor_spec.numel} values, the network gives {size}"
                )
            elements.append(Reshape(output_tensor_spec.shape))
        super().__init__(elements, input_tensor_spec, name)

    def make_parallel(self, n: int, allow_non_parallel_input: bool = False) -> Network:
        """n independently initialised replicas over ``[B, n, ...]`` inputs; with
        ``allow_non_parallel_input`` a ``[B, ...]`` input is also accepted and shared by all
        replicas."""
        pnet = self.parallel_stack(n)
        if allow_non_parallel_input:
            return ReplicateInputForParallel(self, n, pnet)
        return pnet


def ParallelEncodingNetwork(
    input_tensor_spec: Nest,
    n: int,
    output_tensor_spec: TensorSpec | None = None,
    input_preprocessors: None = None,
    preprocessing_combiner: Callable | None = None,
    conv_layer_params: Sequence[Sequence[int]] | None = None,
    fc_layer_params: Sequence[int] | None = None,
    activation: Callable = torch.relu_,
    kernel_initializer: Initializer | None = None,
    use_fc_bn: bool = False,
    last_layer_size: int | None = None,
    last_activation: Callable | None = None,
    last_kernel_initializer: Initializer | None = None,
    last_use_fc_bn: bool = False,
    name: str = "ParallelEncodingNetwork",
) -> Network:
    """n replicas of ``EncodingNetwork(...)``; input ``[B, ...]`` (shared) or ``[B, n, ...]``,
    output ``[B, n, ...]``. ``input_preprocessors`` must be None."""
    if input_preprocessors is not None:
        raise ValueError(f"{name}: input_preprocessors must be None, got {input_preprocessors!r}")
    checks.size(n, f"{name} n")
    single = EncodingNetwork(
        input_tensor_spec,
        output_tensor_spec,
        input_preprocessors,
        preprocessing_combiner,
        conv_layer_params,
        fc_layer_params,
        activation,
        kernel_initializer,
        use_fc_bn,
        last_layer_size,
        last_activation,
        last_kernel_initializer,
        last_use_fc_bn,
        name,
    )
    return single.make_parallel(n, allow_non_parallel_input=True)


def build_preprocessors(preprocessors: Nest, spec: Nest, name: str) -> NestedModules:
    """Wrap a nest of preprocessors (None = identity, modules and functions wrapped as
    Networks) into one module applied up to the preprocessors' structure."""

    def one(p: object, sub_spec: Nest) -> Network:
        if p is None:
            return wrap_as_network(Identity(), sub_spec)
        if not callable(p):
            raise TypeError(
                f"{name}: a preprocessor must be a Network, module, function or "
                f"None, got {type(p).__name__}"
            )
        if isinstance(p, Network) and p.input_tensor_spec != sub_spec:
            raise ValueError(
                f"{name}: preprocessor {p.name} expects {p.input_tensor_spec}, "
                f"but its input is {sub_spec}"
            )
        net = wrap_as_network(p, sub_spec)
        if net.is_rnn:
            raise ValueError(f"{name}: preprocessors must be stateless, {net.name} has state")
        return net

    nets = map_structure_up_to(preprocessors, one, preprocessors, spec)
    return NestedModules(nets, spec, f"{name}_preprocessors")
