"""The image encoders of AMAGO's CNN timestep encoder. Upstream: ``amago/nets/cnn.py``."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from reference.amago.utils import activation_switch


def conv_out_size(size: int, kernel: int, stride: int) -> int:
    """Output length of an unpadded convolution: floor((size - kernel) / stride) + 1."""
    return (size - kernel) // stride + 1


def init_conv_center(conv: nn.Conv2d) -> None:
    """Upstream's conv initialisation: every tap zero except the centre one
    (``k // 2``), which holds an orthogonal ``[out, in]`` matrix with leaky-ReLU gain
    sqrt(2 / (1 + 0.01**2)); bias zero."""
    with torch.no_grad():
        conv.weight.zero_()
        if conv.bias is not None:
            conv.bias.zero_()
        mid = conv.weight.shape[2] // 2
        centre = torch.empty(conv.weight.shape[:2], dtype=conv.weight.dtype)
        nn.init.orthogonal_(centre, nn.init.calculate_gain("leaky_relu"))
        conv.weight[:, :, mid, mid] = centre


class CNN(nn.Module):
    """Base of the image encoders: maps ``[Batch, Length, *img_shape]`` to per-timestep
    features ``[Batch, Length, F]`` (flattened in channel, row, column order) or
    ``[Batch, Length, C, H, W]``.

    Images are ``[H, W, C]`` (``channels_first=False``) or ``[C, H, W]``. Unless
    ``from_float``, pixels are uint8 and scaled to ``pixel / 128 - 1`` first.
    """

    def __init__(self, img_shape: Sequence[int], channels_first: bool, activation: str):
        super().__init__()
        if len(img_shape) != 3:
            raise ValueError(f"img_shape: expected 3 dims, got {tuple(img_shape)}")
        self.img_shape = tuple(int(d) for d in img_shape)
        self.channels_first = channels_first
        self.activation = activation_switch(activation)

    @property
    def in_channels(self) -> int:
        return self.img_shape[0] if self.channels_first else self.img_shape[-1]

    @property
    def hw(self) -> tuple[int, int]:
        return self.img_shape[1:] if self.channels_first else self.img_shape[:2]  # type: ignore[return-value]

    def conv_forward(self, imgs: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def output_shape(self) -> tuple[int, int, int]:
        raise NotImplementedError

    @property
    def out_dim(self) -> int:
        c, h, w = self.output_shape()
        return c * h * w

    def forward(
        self, obs: torch.Tensor, from_float: bool = False, flatten: bool = True
    ) -> torch.Tensor:
        if not from_float:
            obs = obs.float() / 128.0 - 1.0
        batch, length = obs.shape[:2]
        if self.channels_first:
            imgs = obs.reshape(batch * length, *obs.shape[2:])
        else:
            imgs = obs.reshape(batch * length, *obs.shape[2:]).permute(0, 3, 1, 2)
        features = self.conv_forward(imgs)
        if flatten:
            return features.reshape(batch, length, math.prod(features.shape[1:]))
        return features.reshape(batch, length, *features.shape[1:])


class NatureishCNN(CNN):
    """The small DQN ("Nature") CNN: three unpadded convolutions, each followed by the
    activation; defaults 32/64/64 channels, kernels 8/4/3, strides 4/2/1 (an 84x84 image
    gives 64 x 7 x 7 features). Initialised by :func:`init_conv_center`."""

    def __init__(
        self,
        img_shape: Sequence[int],
        channels_first: bool,
        activation: str,
        channels: Sequence[int] = (32, 64, 64),
        kernels: Sequence[int] = (8, 4, 3),
        strides: Sequence[int] = (4, 2, 1),
    ):
        super().__init__(img_shape, channels_first, activation)
        if not len(channels) == len(kernels) == len(strides) == 3:
            raise ValueError(
                f"NatureishCNN: expected 3 channels, kernels and strides, got "
                f"{list(channels)}, {list(kernels)}, {list(strides)}"
            )
        self.kernels, self.strides = tuple(kernels), tuple(strides)
        sizes = [self.in_channels, *channels]
        self.conv1 = nn.Conv2d(sizes[0], sizes[1], kernel_size=kernels[0], stride=strides[0])
        self.conv2 = nn.Conv2d(sizes[1], sizes[2], kernel_size=kernels[1], stride=strides[1])
        self.conv3 = nn.Conv2d(sizes[2], sizes[3], kernel_size=kernels[2], stride=strides[2])
        for conv in (self.conv1, self.conv2, self.conv3):
            init_conv_center(conv)
        h, w = self.output_shape()[1:]
        if h < 1 or w < 1:
            raise ValueError(
                f"img_shape: expected an image large enough for kernels {list(kernels)} and "
                f"strides {list(strides)}, got {self.img_shape}"
            )

    def output_shape(self) -> tuple[int, int, int]:
        h, w = self.hw
        for k, s in zip(self.kernels, self.strides):
            h, w = conv_out_size(h, k, s), conv_out_size(w, k, s)
        return self.conv3.out_channels, h, w

    def conv_forward(self, imgs: torch.Tensor) -> torch.Tensor:
        x = self.activation(self.conv1(imgs))
        x = self.activation(self.conv2(x))
        return self.activation(self.conv3(x))


class DrQv2Aug(nn.Module):
    """DrQ-v2 random shift: pad every image by ``pad`` pixels on each side, repeating the
    edge pixels, and crop an ``H x W`` window at a random offset ``(dy, dx)`` in
    ``{0, ..., 2 pad}^2``, drawn independently for every image of ``[Batch, Length]``.

    Offsets come from one ``torch.randint(0, 2 pad + 1, (Batch * Length, 2))`` call
    (column 0: dx, column 1: dy), so every implementation sharing the convention draws
    the same crops from the same seed. Upstream crops with ``grid_sample`` on pixel
    centres, which is this integer crop up to float rounding. Requires square images.
    """

    def __init__(self, pad: int, channels_first: bool):
        super().__init__()
        self.pad = pad
        self.channels_first = channels_first

    def draw_shifts(self, n: int, device: torch.device) -> torch.Tensor:
        return torch.randint(0, 2 * self.pad + 1, (n, 2), device=device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, length = x.shape[:2]
        imgs = x.reshape(batch * length, *x.shape[2:])
        if not self.channels_first:
            imgs = imgs.permute(0, 3, 1, 2)
        h, w = imgs.shape[-2:]
        shifts = self.draw_shifts(imgs.shape[0], x.device)
        out = []
        for img, (dx, dy) in zip(imgs, shifts.tolist()):
            padded = F.pad(img.unsqueeze(0), (self.pad,) * 4, mode="replicate")[0]
            out.append(padded[:, dy : dy + h, dx : dx + w])
        crops = torch.stack(out)
        if not self.channels_first:
            crops = crops.permute(0, 2, 3, 1)
        return crops.reshape(x.shape)
