"""Twin of ``reference.amago.cnn``: channels-last convolutions and a vectorized DrQ-v2 shift.

Construction and parameters are the reference's; state_dicts are interchangeable (memory
format is not part of a state_dict).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from optimized.twin import Twin
from reference.amago import cnn as ref

__all__ = ["DrQv2Aug", "NatureishCNN"]


def fused_activation(activation, x: torch.Tensor) -> torch.Tensor:
    """``activation(x)``, in place for the (leaky) ReLU."""
    if activation is F.leaky_relu:
        return F.leaky_relu(x, inplace=True)
    if activation is F.relu:
        return F.relu(x, inplace=True)
    return activation(x)


class NatureishCNN(Twin, ref.NatureishCNN):
    """Kernels stored channels-last, so that a ``[N, H, W, C]`` image batch (viewed as NCHW)
    runs through oneDNN / cuDNN without layout copies; in-place activations; the pixel
    scaling folded into the first convolution (:meth:`conv_forward_pixels`)."""

    def fuse(self) -> None:
        """Store the kernels channels-last (same values; idempotent)."""
        for conv in (self.conv1, self.conv2, self.conv3):
            conv.weight.data = conv.weight.data.contiguous(memory_format=torch.channels_last)

    def conv_forward(self, imgs: torch.Tensor) -> torch.Tensor:
        x = fused_activation(self.activation, self.conv1(imgs))
        return self._conv23(x)

    def _conv23(self, x: torch.Tensor) -> torch.Tensor:
        x = fused_activation(self.activation, self.conv2(x))
        return fused_activation(self.activation, self.conv3(x))

    def conv_forward_pixels(self, pixels: torch.Tensor) -> torch.Tensor:
        """``conv_forward(pixels / 128 - 1)`` without the pass over the image: the affine
        map folds into the first (unpadded, so every tap reads a pixel) convolution,

            conv(p / 128 - 1; W, b) = conv(p; W / 128, b - sum_{c,i,j} W[:, c, i, j]).
        """
        conv = self.conv1
        bias = (
            -conv.weight.sum((1, 2, 3))
            if conv.bias is None
            else conv.bias - conv.weight.sum((1, 2, 3))
        )
        x = F.conv2d(pixels, conv.weight * (1.0 / 128.0), bias, conv.stride)
        return self._conv23(fused_activation(self.activation, x))

    def forward(
        self, obs: torch.Tensor, from_float: bool = False, flatten: bool = True
    ) -> torch.Tensor:
        if not from_float:
            obs = obs.float().mul(1.0 / 128.0).sub_(1.0)  # not in place: obs may be float
        batch, length = obs.shape[:2]
        imgs = obs.reshape(batch * length, *obs.shape[2:])
        imgs = as_nchw(imgs, self.channels_first)
        features = self.conv_forward(imgs)
        if flatten:
            return features.reshape(batch, length, math.prod(features.shape[1:]))
        return features.reshape(batch, length, *features.shape[1:])


def as_nchw(imgs: torch.Tensor, channels_first: bool) -> torch.Tensor:
    """``[N, H, W, C]`` as a channels-last NCHW view (no copy), or ``[N, C, H, W]`` as is."""
    return imgs if channels_first else imgs.permute(0, 3, 1, 2)


def random_shift(imgs: torch.Tensor, shifts: torch.Tensor, pad: int, channels_first: bool):
    """Crops of the edge-replicated padding of ``imgs`` ([N, H, W, C] or [N, C, H, W]) at
    offsets ``shifts = (dx, dy)``, as one gather: padding by repetition is index clamping,

        out[n, i, j] = img[n, clamp(i + dy_n - pad, 0, H - 1), clamp(j + dx_n - pad, 0, W - 1)].
    """
    n = imgs.shape[0]
    h, w = (imgs.shape[-2], imgs.shape[-1]) if channels_first else imgs.shape[1:3]
    dev = imgs.device
    rows = (shifts[:, 1:2] - pad + torch.arange(h, device=dev)).clamp_(0, h - 1)
    cols = (shifts[:, 0:1] - pad + torch.arange(w, device=dev)).clamp_(0, w - 1)
    index = torch.arange(n, device=dev)
    if channels_first:
        chans = torch.arange(imgs.shape[1], device=dev)
        return imgs[
            index[:, None, None, None],
            chans[None, :, None, None],
            rows[:, None, :, None],
            cols[:, None, None, :],
        ]
    return imgs[index[:, None, None], rows[:, :, None], cols[:, None, :]]


class DrQv2Aug(Twin, ref.DrQv2Aug):
    """The reference's random shift (same offsets from the same seed) as one batched gather
    instead of a pad and a crop per image."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, length = x.shape[:2]
        imgs = x.reshape(batch * length, *x.shape[2:])
        shifts = self.draw_shifts(imgs.shape[0], x.device)
        return random_shift(imgs, shifts, self.pad, self.channels_first).reshape(x.shape)
