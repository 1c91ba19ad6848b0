"""Twins of the upsampling layers (``optimized.twin``): same parameters and state_dict.

* ``ParallelConvTranspose2D``: all n replicas as one grouped transposed convolution
  (``groups=n`` over ``[B, n*C, H, W]``, channels-last, the bias added after it) instead of
  n convolutions.
* ``ConvTranspose2D``: already one ``conv_transpose2d``; its twin makes ``make_parallel``
  return the grouped form.
* ``ParallelUpsample``: the reference's one interpolation of all replicas' channels, on a
  channels-last copy of its input (the small image before upsampling), so that the grouped
  convolution after it reads the 4x larger result without a layout copy.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from optimized.alf.layers import activate_replicas, grouped_channels_last
from optimized.twin import Twin
from reference.alf import deconv as ref
from reference.alf.deconv import Upsample

__all__ = ["ConvTranspose2D", "ParallelConvTranspose2D", "ParallelUpsample", "Upsample"]


class ConvTranspose2D(Twin, ref.ConvTranspose2D):
    """``reference.alf.deconv.ConvTranspose2D`` whose ``make_parallel`` is converted to the
    grouped ``ParallelConvTranspose2D``."""


class ParallelConvTranspose2D(Twin, ref.ParallelConvTranspose2D):
    """The n replicas as one grouped ``conv_transpose2d`` over ``[B, n*C, H, W]``: one
    kernel launch and one pass over the images instead of n. For n > 1 the images go
    channels-last: CPU grouped kernels fall back to a slow path on NCHW (measured 2x slower
    than channels-last at B=64, n=8, 16 channels)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.parallel_input(x)
        b, n = x.shape[0], self._n
        x = grouped_channels_last(x) if n > 1 else x.reshape(b, self._in_channels, *x.shape[3:])
        # where the bias needs a gradient it is added after the convolution: asked for the
        # bias gradient too, oneDNN's grouped transposed-convolution backward takes ~3x as
        # long (16 ms instead of 5 at B=16, n=8, 32 -> 16 channels, 14x14 -> 28x28) as
        # without, where the bias's own gradient is one sum over the output
        bias = self._conv_trans2d.bias
        split = bias is not None and bias.requires_grad and torch.is_grad_enabled()
        y = F.conv_transpose2d(
            x,
            self._conv_trans2d.weight,
            None if split else bias,
            self._strides,
            self._padding,
            self._output_padding,
            groups=n,
        )
        if split and bias is not None:
            y = y.add_(bias.view(-1, 1, 1))
        if self._bn is not None:
            y = self._bn(y)
        return activate_replicas(self._activation, y, n)


class ParallelUpsample(Twin, ref.ParallelUpsample):
    """``reference.alf.deconv.ParallelUpsample`` with a channels-last result (module doc)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 5 or x.shape[1] != self._n:
            return super().forward(x)  # the reference's error
        flat = x.flatten(1, 2).contiguous(memory_format=torch.channels_last)
        y = F.interpolate(flat, scale_factor=self._scale_factor, mode=self._mode)
        return y.unflatten(1, (self._n, x.shape[2]))
