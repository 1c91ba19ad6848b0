"""Twins of the image decoders (``optimized.twin``): the reference builds the stack and
conversion swaps its layers for the fused ones (``FC``: one ``addmm``; parallel forms: one
batched GEMM / grouped (transposed) convolution per layer for all replicas).

``SpatialBroadcastDecodingNetwork`` never materialises the ``[B, D, H, W]`` tiling: the
first convolution is linear in its input, so on ``[z; y; x]`` it splits into the latent's
term and the coordinates' term. The latent is constant over the grid, so its term at output
pixel ``q`` is ``sum_d z_d M[o, d, q]`` with ``M[o, d] = conv(1_{HxW}, W[o, d])`` (the
kernel summed over the taps inside the image: one convolution of a ones image, independent
of the batch); the coordinates' term ``conv([y; x], W[:, D:]) + b`` is one image for the
whole batch. So the first layer is one GEMM ``[B, D] x [D, O*H'*W']`` plus a broadcast add
(``addmm``) instead of a ``(D+2) K^2``-tap convolution of B tiled images. The GEMM writes
its result channels-last, and the later convolutions keep that layout: CPU convolution
kernels run ~1.5x faster on NHWC than on NCHW (measured for 32 -> 32 channels, 3x3, 16x16,
B=64); the output is returned contiguous, as the reference's.

The other decoders run their layers (the reference's, fused by conversion) on channels-last
feature maps from the reshape on, for the same reason (transposed convolutions measured
~1.7x faster on NHWC).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

import optimized.alf.deconv
import optimized.alf.encoding  # noqa: F401  (registers the encoder twins)
from optimized.alf.activations import is_elementwise
from optimized.twin import Twin
from reference.alf import decoding as ref
from reference.alf.decoding import coordinate_grid
from reference.alf.network import Network
from reference.specs import Nest

__all__ = [
    "AutoShapeImageDeconvNetwork",
    "ImageDecodingNetwork",
    "ImageDecodingNetworkV2",
    "SpatialBroadcastDecodingNetwork",
]


class ImageDecodingNetwork(Twin, ref.ImageDecodingNetwork):
    """Decoder of fused layers on channels-last feature maps (module doc); its parallel form
    is one batched GEMM / grouped transposed convolution per layer."""

    def run(self, x: Nest) -> Nest:
        return run_channels_last(self._networks, x)


class ImageDecodingNetworkV2(Twin, ref.ImageDecodingNetworkV2):
    """Decoder of fused layers on channels-last feature maps (module doc); its parallel form
    is one batched GEMM / grouped convolution per layer, and one upsampling of all replicas'
    channels."""

    def run(self, x: Nest) -> Nest:
        return run_channels_last(self._networks, x)


class AutoShapeImageDeconvNetwork(Twin, ref.AutoShapeImageDeconvNetwork):
    """Decoder of fused layers on channels-last feature maps (module doc); its parallel form
    is one batched GEMM / grouped transposed convolution per layer."""

    def run(self, x: Nest) -> Nest:
        return run_channels_last(self._networks, x)


def _apply(element: object, x: torch.Tensor) -> torch.Tensor:
    return element(x)[0] if isinstance(element, Network) else element(x)  # type: ignore[operator]


def run_channels_last(elements: list, x: torch.Tensor) -> torch.Tensor:
    """The stack's elements in order, the feature map made channels-last once it is an image
    (after the reshape); the output contiguous, as the reference's."""
    for element in elements:
        x = _apply(element, x)
        if x.dim() == 4 and not x.is_contiguous(memory_format=torch.channels_last):
            x = x.contiguous(memory_format=torch.channels_last)
    return x.contiguous()


class SpatialBroadcastDecodingNetwork(Twin, ref.SpatialBroadcastDecodingNetwork):
    """The first convolution as one ``addmm`` on the latent (module doc), the rest as the
    reference's layers on channels-last images."""

    def run(self, x: Nest) -> Nest:
        preprocess, conv_net, last_conv_net = self._networks
        z = _apply(preprocess._networks[0], x)
        stacks = [s for s in (conv_net, last_conv_net) if s._networks]
        first, rest = stacks[0]._networks[0], stacks[0]._networks[1:]
        y = self._first_conv(first, z, preprocess._networks[1]._hw)
        for element in rest:
            y = _apply(element, y)
        for stack in stacks[1:]:
            y = stack.run(y)
        return y.contiguous()

    @staticmethod
    def _first_conv(conv: Any, z: torch.Tensor, hw: tuple[int, int]) -> torch.Tensor:
        """The first convolution on the broadcast ``[z; y; x]``, channels-last (module doc)."""
        h, w = hw
        weight, bias = conv._conv2d.weight, conv._conv2d.bias
        d = z.shape[-1]
        stride, padding = conv._strides, conv._padding
        o, _, kh, kw = weight.shape
        ones = z.new_ones(1, 1, h, w)
        m = F.conv2d(ones, weight[:, :d].reshape(o * d, 1, kh, kw), None, stride, padding)
        ho, wo = m.shape[-2:]
        # [D, H'*W'*O]: pixel-major, channel-minor, so the GEMM writes a channels-last image
        m = m.view(o, d, ho * wo).permute(1, 2, 0).reshape(d, ho * wo * o)
        grid = coordinate_grid(h, w, z.dtype, z.device).unsqueeze(0)
        coords = F.conv2d(grid, weight[:, d:], bias, stride, padding)
        coords = coords.view(o, ho * wo).t().reshape(1, ho * wo * o)
        y = torch.addmm(coords, z, m)
        if conv._bn is None and is_elementwise(conv._activation):
            # the (often in-place) activation on the GEMM's result, before the NCHW view:
            # in place on a view, autograd would rebuild the whole base in the backward
            # (CopySlices: a zero fill and a copy of the image)
            return conv._activation(y).view(z.shape[0], ho, wo, o).permute(0, 3, 1, 2)
        y = y.view(z.shape[0], ho, wo, o).permute(0, 3, 1, 2)
        return conv._activation(y if conv._bn is None else conv._bn(y))
