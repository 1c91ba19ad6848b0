"""Image decoders: a latent vector ``z [B, D]`` to an image ``[B, C, H, W]``.

* ``ImageDecodingNetwork``: ``z <- act(W_j z + b_j)`` for each ``preprocess_fc_layer_params``
  size, ``z <- act(W z + b)`` of width ``C0*H0*W0``, reshape to ``[C0, H0, W0]``
  (``start_decoding_channels``, ``start_decoding_size``), then one ``ConvTranspose2D`` per
  ``(filters, kernel, strides[, padding])``: ``H' = (H - 1) * S - 2P + K`` (output padding
  0); the last layer uses ``output_activation``. ``same_padding`` replaces every padding by
  ``(K - 1) // 2``.
* ``ImageDecodingNetworkV2``: the same FC head, then for each element an ``Upsample``
  (an int ``s``: ``H' = s H``, ``upsampling_mode``) or a ``Conv2D`` (a tuple:
  ``H' = (H + 2P - K) // S + 1``). As upstream's code, ``output_activation`` is the
  activation of the element at the last position, so it is used only if that element is a
  convolution.
* ``AutoShapeImageDeconvNetwork``: the transposed convolutions of ``transconv_layer_params``
  (no same padding), started from the shape that reaches ``output_shape = (C, H, W)``
  exactly. Walking the layers from the last, the input size of a layer whose output is
  ``H`` is ``H_in = floor((H + 2P - K) / S) + 1`` and its output padding is
  ``OP = H - ((H_in - 1) * S - 2P + K)``, in ``[0, S)``. An ``H`` with ``H + 2P < K``
  has no input size: the output shape is unreachable (``ValueError``).
* ``SpatialBroadcastDecodingNetwork`` (Watters et al. 2019, arXiv:1901.07017): optional
  FC layers on ``z`` (an ``EncodingNetwork``), the result broadcast to every pixel of an
  ``H x W`` grid, two coordinate channels appended (``y_i = -1 + 2i/H``, ``x_j = -1 + 2j/W``:
  the uniform grid of ``[-1, 1)`` upstream means), then ``Conv2D`` layers with same padding,
  the last one with ``output_activation``.

State_dict keys are upstream's: the stacks register their modules as ``_nets.<i>``
(``Reshape`` and ``Upsample`` take an index without tensors); the spatial broadcast decoder
is upstream's ``Sequential(preprocess, conv_net, last_conv_net)`` (``_nets.0._nets.0`` the
FC encoder, ``_nets.1`` all convolutions but the last, ``_nets.2`` the last one).

Deviations from upstream: upstream's builder fails (an assertion in
``ImageEncodingNetwork``) when ``conv_layer_params`` has a single layer, since all layers
but the last form an encoder of their own; twinnet accepts it, with an empty stack at
``_nets.1``. Upstream's coordinate channels come from
``torch.arange(-1, 1, step=2/H)`` in float32, which gives ``H + 1`` points for some ``H``
(49, 98, 103, ...) and so fails there, and are float32 values in a float64 network;
twinnet computes the ``H`` points ``-1 + 2i/H`` in the input's dtype.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import nn

from reference import checks
from reference.alf.deconv import ConvTranspose2D, Upsample, check_upsampling
from reference.alf.encoding import EncodingNetwork, ImageEncodingNetwork, conv_params, fc_params
from reference.alf.initializers import identity
from reference.alf.layers import FC, Conv2D, Identity, Initializer, Reshape, _check_size, _pair
from reference.alf.sequential import _Sequential
from reference.specs import TensorSpec


def _fc_head(
    input_size: int,
    preprocess_fc_layer_params: Sequence[int] | None,
    start_shape: tuple[int, int, int],
    activation: Callable,
    kernel_initializer: Initializer | None,
    name: str,
) -> list:
    """FC layers, the FC to ``C0*H0*W0`` values and the reshape to ``start_shape``."""
    size = _check_size(input_size, f"{name} input_size")
    layers: list = []
    for units in fc_params(preprocess_fc_layer_params, f"{name} preprocess_fc_layer_params"):
        layers.append(FC(size, units, activation, kernel_initializer=kernel_initializer))
        size = units
    layers.append(
        FC(size, math.prod(start_shape), activation, kernel_initializer=kernel_initializer)
    )
    layers.append(Reshape(start_shape))
    return layers


def _start_shape(channels: int, size: int | Sequence[int], name: str) -> tuple[int, int, int]:
    c = _check_size(channels, f"{name} start_decoding_channels")
    h, w = _pair(size, f"{name} start_decoding_size")
    _check_size(h, f"{name} start_decoding_size")
    _check_size(w, f"{name} start_decoding_size")
    return c, h, w


def _check_hw(h: int, w: int, layer: object, name: str) -> None:
    if h < 1 or w < 1:
        raise ValueError(f"{name}: layer {layer!r} gives an empty {h}x{w} feature map")


class ImageDecodingNetwork(_Sequential):
    """FC head, reshape, transposed convolutions (module doc)."""

    def __init__(
        self,
        input_size: int,
        transconv_layer_params: Sequence[Sequence[int]],
        start_decoding_size: int | Sequence[int],
        start_decoding_channels: int,
        same_padding: bool = False,
        preprocess_fc_layer_params: Sequence[int] | None = None,
        activation: Callable = torch.relu_,
        kernel_initializer: Initializer | None = None,
        output_activation: Callable = torch.tanh,
        name: str = "ImageDecodingNetwork",
    ):
        checks.flag(same_padding, f"{name} same_padding")
        c, h, w = _start_shape(start_decoding_channels, start_decoding_size, name)
        params = conv_params(transconv_layer_params, f"{name} transconv_layer_params")
        layers = _fc_head(
            input_size, preprocess_fc_layer_params, (c, h, w), activation, kernel_initializer, name
        )
        for i, (filters, k, s, p) in enumerate(params):
            padding = (k - 1) // 2 if same_padding else (p or 0)
            layer = ConvTranspose2D(
                c,
                filters,
                k,
                output_activation if i == len(params) - 1 else activation,
                strides=s,
                padding=padding,
                kernel_initializer=kernel_initializer,
            )
            h, w = layer.output_hw(h, w)
            _check_hw(h, w, params[i], name)
            layers.append(layer)
            c = filters
        super().__init__(layers, TensorSpec((input_size,)), name)


class ImageDecodingNetworkV2(_Sequential):
    """FC head, reshape, upsampling and convolutions (module doc)."""

    def __init__(
        self,
        input_size: int,
        upsample_conv_layer_params: Sequence[int | Sequence[int]],
        start_decoding_size: int | Sequence[int],
        start_decoding_channels: int,
        preprocess_fc_layer_params: Sequence[int] | None = None,
        upsampling_mode: str = "nearest",
        same_padding: bool = False,
        activation: Callable = torch.relu_,
        kernel_initializer: Initializer | None = None,
        output_activation: Callable = torch.tanh,
        name: str = "ImageDecodingNetworkV2",
    ):
        checks.flag(same_padding, f"{name} same_padding")
        c, h, w = _start_shape(start_decoding_channels, start_decoding_size, name)
        what = f"{name} upsample_conv_layer_params"
        if not isinstance(upsample_conv_layer_params, (tuple, list)) or not (
            upsample_conv_layer_params
        ):
            raise ValueError(
                f"{what} must be a non-empty tuple, got {upsample_conv_layer_params!r}"
            )
        layers = _fc_head(
            input_size, preprocess_fc_layer_params, (c, h, w), activation, kernel_initializer, name
        )
        last = len(upsample_conv_layer_params) - 1
        for i, p in enumerate(upsample_conv_layer_params):
            layer: Upsample | Conv2D
            if isinstance(p, int):
                check_upsampling(p, upsampling_mode, what)
                layer = Upsample(p, upsampling_mode)
            else:
                ((filters, k, s, pad),) = conv_params((p,), what)
                layer = Conv2D(
                    c,
                    filters,
                    k,
                    output_activation if i == last else activation,
                    strides=s,
                    padding=(k - 1) // 2 if same_padding else (pad or 0),
                    kernel_initializer=kernel_initializer,
                )
                c = filters
            h, w = layer.output_hw(h, w)
            _check_hw(h, w, p, name)
            layers.append(layer)
        super().__init__(layers, TensorSpec((input_size,)), name)


def start_size(out: int, k: int, s: int, p: int) -> tuple[int, int] | None:
    """``(H_in, OP)`` of a transposed convolution that outputs ``out`` (module doc), None
    if no input size reaches it."""
    if out + 2 * p - k < 0:
        return None
    h_in = (out + 2 * p - k) // s + 1
    return h_in, out - ((h_in - 1) * s - 2 * p + k)


class AutoShapeImageDeconvNetwork(_Sequential):
    """Transposed convolutions whose start shape and output paddings reach ``output_shape``
    exactly (module doc)."""

    def __init__(
        self,
        input_size: int,
        transconv_layer_params: Sequence[Sequence[int]],
        output_shape: Sequence[int],
        start_decoding_channels: int,
        preprocess_fc_layer_params: Sequence[int] | None = None,
        activation: Callable = torch.relu_,
        kernel_initializer: Initializer | None = None,
        output_activation: Callable = torch.tanh,
        name: str = "AutoShapeImageDeconvNetwork",
    ):
        params = conv_params(transconv_layer_params, f"{name} transconv_layer_params")
        if (
            not isinstance(output_shape, (tuple, list))
            or len(output_shape) != 3
            or not all(isinstance(d, int) and d > 0 for d in output_shape)
        ):
            raise ValueError(
                f"{name}: output_shape must be (c, h, w) of positive ints, got {output_shape!r}"
            )
        if output_shape[0] != params[-1][0]:
            raise ValueError(
                f"{name}: output_shape has {output_shape[0]} channels, the last layer of "
                f"transconv_layer_params gives {params[-1][0]}"
            )
        # walk back from the output: each layer's input size and output padding
        h, w = output_shape[1], output_shape[2]
        paddings: list[tuple[int, int]] = []
        for filters, k, s, p in reversed(params):
            pad = p or 0
            back_h, back_w = start_size(h, k, s, pad), start_size(w, k, s, pad)
            if back_h is None or back_w is None:
                raise ValueError(
                    f"{name}: output_shape {tuple(output_shape)} is unreachable: layer "
                    f"{(filters, k, s, p)} cannot output {h}x{w}"
                )
            (h, op_h), (w, op_w) = back_h, back_w
            paddings.insert(0, (op_h, op_w))
        c = _check_size(start_decoding_channels, f"{name} start_decoding_channels")
        layers = _fc_head(
            input_size, preprocess_fc_layer_params, (c, h, w), activation, kernel_initializer, name
        )
        for i, (filters, k, s, p) in enumerate(params):
            layers.append(
                ConvTranspose2D(
                    c,
                    filters,
                    k,
                    output_activation if i == len(params) - 1 else activation,
                    strides=s,
                    padding=p or 0,
                    output_padding=paddings[i],
                    kernel_initializer=kernel_initializer,
                )
            )
            c = filters
        super().__init__(layers, TensorSpec((input_size,)), name)


class SpatialBroadcast(nn.Module):
    """``z [..., D] -> [..., D, H, W]``, ``z`` repeated at every pixel (a broadcast view)."""

    def __init__(self, height: int, width: int):
        super().__init__()
        self._hw = (height, width)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return z[..., None, None].expand(*z.shape, *self._hw)

    def make_parallel(self, n: int) -> SpatialBroadcast:
        return SpatialBroadcast(*self._hw)


def coordinate_grid(
    height: int, width: int, dtype: torch.dtype, device: torch.device | None = None
) -> torch.Tensor:
    """``[2, H, W]``: channel 0 ``y_i = -1 + 2i/H`` (constant along a row), channel 1
    ``x_j = -1 + 2j/W`` (constant along a column)."""
    y = torch.arange(height, dtype=dtype, device=device) * (2.0 / height) - 1.0
    x = torch.arange(width, dtype=dtype, device=device) * (2.0 / width) - 1.0
    return torch.stack(torch.meshgrid(y, x, indexing="ij"))


class AppendCoordinate(nn.Module):
    """``[..., C, H, W] -> [..., C + 2, H, W]``: the coordinate grid appended as channels."""

    def forward(self, im: torch.Tensor) -> torch.Tensor:
        grid = coordinate_grid(im.shape[-2], im.shape[-1], im.dtype, im.device)
        return torch.cat([im, grid.expand(*im.shape[:-3], *grid.shape)], dim=-3)

    def make_parallel(self, n: int) -> AppendCoordinate:
        return AppendCoordinate()


class SpatialBroadcastDecodingNetwork(_Sequential):
    """Spatial broadcast decoder (module doc): ``conv(... conv([z; y; x]))`` over the grid.

    Upstream builds it with a function returning ``alf.nn.Sequential``; twinnet's is a
    class with the same arguments and state_dict keys.
    """

    def __init__(
        self,
        input_size: int,
        output_height: int,
        conv_layer_params: Sequence[Sequence[int]],
        output_width: int | None = None,
        fc_layer_params: Sequence[int] | None = None,
        activation: Callable = torch.relu_,
        output_activation: Callable = identity,
        name: str = "SpatialBroadcastDecodingNetwork",
    ):
        spec = TensorSpec((_check_size(input_size, f"{name} input_size"),))
        h = _check_size(output_height, f"{name} output_height")
        w = h if output_width is None else _check_size(output_width, f"{name} output_width")
        params = conv_params(conv_layer_params, f"{name} conv_layer_params")
        d = input_size
        proj: EncodingNetwork | Identity = Identity()
        if fc_layer_params is not None:
            proj = EncodingNetwork(spec, fc_layer_params=fc_layer_params, activation=activation)
            d = proj.output_spec.shape[0]
        preprocess = _Sequential(
            [proj, SpatialBroadcast(h, w), AppendCoordinate()], spec, "preprocess"
        )
        grid = TensorSpec((d + 2, h, w))
        conv_net: _Sequential = _Sequential([], grid, "ImageEncodingNetwork")
        if len(params) > 1:
            conv_net = ImageEncodingNetwork(
                d + 2, (h, w), conv_layer_params[:-1], same_padding=True, activation=activation
            )
        body = conv_net.output_spec
        last_conv_net = ImageEncodingNetwork(
            body.shape[0],
            body.shape[1:],
            conv_layer_params[-1:],
            same_padding=True,
            activation=output_activation,
        )
        super().__init__([preprocess, conv_net, last_conv_net], spec, name)
