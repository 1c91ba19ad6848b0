"""Upsampling layers of the image decoders: transposed convolution and nearest/bilinear
upsampling, and their parallel (replicated) forms, written as the math.

* ``ConvTranspose2D``: ``y = act(bn(conv_transpose(x, W) + b))`` on ``[B, C, H, W]``, with
  ``H' = (H - 1) * S - 2P + K + OP`` per axis (torch's ``ConvTranspose2d``). ALF's keys:
  ``_conv_trans2d.weight [C, C', kh, kw]``, ``_conv_trans2d.bias [C']``, optional ``_bn``.
* ``ParallelConvTranspose2D``: n independent layers in ALF's grouped layout
  ``_conv_trans2d.weight [n*C, C', kh, kw]``, ``_conv_trans2d.bias [n*C']``: replica i owns
  weight rows ``i*C : (i+1)*C`` and bias entries ``i*C' : (i+1)*C'``. The reference
  convolves replica by replica.
* ``Upsample`` / ``ParallelUpsample``: ``torch.nn.Upsample(scale_factor, mode)`` per channel
  (no parameters); the parallel form upsamples every replica's channels alike.

Initialisation is upstream's *code*, which departs from its docstring: ALF's
``ConvTranspose2D`` never calls its ``reset_parameters``, so a single layer keeps torch's
default ``ConvTranspose2d`` initialisation whatever ``kernel_initializer`` says: kernel
``kaiming_uniform_(a=sqrt(5))``, i.e. ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, and bias
``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, with torch's fan-in ``C' * kh * kw``. Every replica
of ``ParallelConvTranspose2D`` draws from that same law (twinnet's rule: a replica is
initialised as the single layer it replicates). Upstream's parallel layer instead applies
``kernel_initializer`` or variance scaling per replica and a constant bias, so its
replicas follow another law than its single layer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from reference.alf.layers import (
    BatchNorm2d,
    Initializer,
    _check_size,
    _pair,
    check_activation,
)

UPSAMPLING_MODES = ("nearest", "nearest-exact", "bilinear", "bicubic", "area")


def transposed_output_size(h: int, k: int, s: int, p: int, op: int) -> int:
    """``H' = (H - 1) * S - 2P + K + OP``."""
    return (h - 1) * s - 2 * p + k + op


class _ConvTranspose2DBase(nn.Module):
    """Shared state of ConvTranspose2D (n=1) and ParallelConvTranspose2D."""

    def __init__(
        self,
        kind: str,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        n: int,
        activation: Callable,
        strides: int | Sequence[int],
        padding: int | Sequence[int],
        output_padding: int | Sequence[int],
        use_bias: bool | None,
        use_bn: bool,
        kernel_initializer: Initializer | None,
        kernel_init_gain: float,
        bias_init_value: float,
    ):
        super().__init__()
        self._n = _check_size(n, f"{kind} n")
        self._in_channels = _check_size(in_channels, f"{kind} in_channels")
        self._out_channels = _check_size(out_channels, f"{kind} out_channels")
        self._kernel_size = _pair(kernel_size, f"{kind} kernel_size")
        self._strides = _pair(strides, f"{kind} strides")
        self._padding = _pair(padding, f"{kind} padding")
        self._output_padding = _pair(output_padding, f"{kind} output_padding")
        for op, s in zip(self._output_padding, self._strides):
            if not 0 <= op < s:
                raise ValueError(
                    f"{kind}: output_padding must be in [0, strides), got output_padding "
                    f"{self._output_padding} with strides {self._strides}"
                )
        self._activation = check_activation(activation, f"{kind} activation")
        self._use_bn = use_bn
        self._use_bias = (not use_bn) if use_bias is None else use_bias
        self._kernel_initializer = kernel_initializer
        self._kernel_init_gain = kernel_init_gain
        self._bias_init_value = bias_init_value
        self._conv_trans2d = nn.ConvTranspose2d(
            n * in_channels,
            n * out_channels,
            self._kernel_size,
            stride=self._strides,
            padding=self._padding,
            output_padding=self._output_padding,
            groups=n,
            bias=self._use_bias,
        )
        self._bn = BatchNorm2d(n * out_channels) if use_bn else None

    @property
    def in_channels(self) -> int:
        return self._in_channels

    @property
    def out_channels(self) -> int:
        return self._out_channels

    def output_hw(self, h: int, w: int) -> tuple[int, int]:
        """Spatial output size ``(H - 1) * S - 2P + K + OP`` per axis."""
        return (
            transposed_output_size(
                h,
                self._kernel_size[0],
                self._strides[0],
                self._padding[0],
                self._output_padding[0],
            ),
            transposed_output_size(
                w,
                self._kernel_size[1],
                self._strides[1],
                self._padding[1],
                self._output_padding[1],
            ),
        )

    def _args(self) -> dict:
        return dict(
            activation=self._activation,
            strides=self._strides,
            padding=self._padding,
            output_padding=self._output_padding,
            use_bias=self._use_bias,
            use_bn=self._use_bn,
            kernel_initializer=self._kernel_initializer,
            kernel_init_gain=self._kernel_init_gain,
            bias_init_value=self._bias_init_value,
        )


class ConvTranspose2D(_ConvTranspose2DBase):
    """2-D transposed convolution ``y = act(bn(conv_transpose(x, W) + b))``; see the module
    doc for the output size and the initialisation (torch's default, as upstream's code)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        activation: Callable = torch.relu_,
        strides: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        output_padding: int | Sequence[int] = 0,
        use_bias: bool | None = None,
        use_bn: bool = False,
        kernel_initializer: Initializer | None = None,
        kernel_init_gain: float = 1.0,
        bias_init_value: float = 0.0,
    ):
        super().__init__(
            "ConvTranspose2D",
            in_channels,
            out_channels,
            kernel_size,
            1,
            activation,
            strides,
            padding,
            output_padding,
            use_bias,
            use_bn,
            kernel_initializer,
            kernel_init_gain,
            bias_init_value,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self._in_channels:
            raise ValueError(
                f"ConvTranspose2D input: expected [B, {self._in_channels}, H, W], "
                f"got {list(x.shape)}"
            )
        y = F.conv_transpose2d(
            x,
            self._conv_trans2d.weight,
            self._conv_trans2d.bias,
            self._strides,
            self._padding,
            self._output_padding,
        )
        if self._bn is not None:
            y = self._bn(y)
        return self._activation(y)

    def make_parallel(self, n: int) -> ParallelConvTranspose2D:
        """n independently initialised copies as one ``ParallelConvTranspose2D`` layer."""
        return ParallelConvTranspose2D(
            self._in_channels, self._out_channels, self._kernel_size, n, **self._args()
        )


class ParallelConvTranspose2D(_ConvTranspose2DBase):
    """n independent ConvTranspose2D layers on ``[B, n, C, H, W]`` (or ``[B, C, H, W]``,
    shared), in ALF's grouped layout (module doc); the reference loops over replicas."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        n: int,
        activation: Callable = torch.relu_,
        strides: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        output_padding: int | Sequence[int] = 0,
        use_bias: bool | None = None,
        use_bn: bool = False,
        kernel_initializer: Initializer | None = None,
        kernel_init_gain: float = 1.0,
        bias_init_value: float = 0.0,
    ):
        super().__init__(
            "ParallelConvTranspose2D",
            in_channels,
            out_channels,
            kernel_size,
            n,
            activation,
            strides,
            padding,
            output_padding,
            use_bias,
            use_bn,
            kernel_initializer,
            kernel_init_gain,
            bias_init_value,
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Replica i's kernel rows and bias entries drawn as a single layer's (module doc):
        ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` with ``fan_in = C' * kh * kw``."""
        c, c_out = self._in_channels, self._out_channels
        bound = 1.0 / math.sqrt(c_out * self._kernel_size[0] * self._kernel_size[1])
        for i in range(self._n):
            nn.init.uniform_(self._conv_trans2d.weight.data[i * c : (i + 1) * c], -bound, bound)
            if self._conv_trans2d.bias is not None:
                bias = self._conv_trans2d.bias.data[i * c_out : (i + 1) * c_out]
                nn.init.uniform_(bias, -bound, bound)
        if self._bn is not None:
            self._bn.reset_parameters()

    @property
    def n(self) -> int:
        return self._n

    def parallel_input(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, n, C, H, W]`` as is, ``[B, C, H, W]`` broadcast to every replica."""
        c = self._in_channels
        if x.dim() == 4 and x.shape[1] == c:
            return x.unsqueeze(1).expand(-1, self._n, -1, -1, -1)
        if x.dim() == 5 and x.shape[1] == self._n and x.shape[2] == c:
            return x
        raise ValueError(
            f"ParallelConvTranspose2D input: expected [B, {self._n}, {c}, H, W] or "
            f"[B, {c}, H, W], got {list(x.shape)}"
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.parallel_input(x)
        c, c_out = self._in_channels, self._out_channels
        w, b = self._conv_trans2d.weight, self._conv_trans2d.bias
        outs = []
        for i in range(self._n):
            b_i = None if b is None else b[i * c_out : (i + 1) * c_out]
            outs.append(
                F.conv_transpose2d(
                    x[:, i],
                    w[i * c : (i + 1) * c],
                    b_i,
                    self._strides,
                    self._padding,
                    self._output_padding,
                )
            )
        y = torch.stack(outs, dim=1)
        if self._bn is not None:
            y = self._bn(y.flatten(1, 2)).unflatten(1, (self._n, c_out))
        return self._activation(y)


def check_upsampling(scale_factor: object, mode: object, what: str) -> None:
    if not isinstance(scale_factor, int) or isinstance(scale_factor, bool) or scale_factor < 1:
        raise ValueError(
            f"{what}: an upsampling scale must be a positive int, got {scale_factor!r}"
        )
    if mode not in UPSAMPLING_MODES:
        raise ValueError(f"{what}: upsampling_mode must be one of {UPSAMPLING_MODES}, got {mode!r}")


class Upsample(nn.Module):
    """``torch.nn.Upsample(scale_factor, mode)`` on ``[B, C, H, W]``: ``[B, C, sH, sW]``."""

    def __init__(self, scale_factor: int, mode: str = "nearest"):
        super().__init__()
        check_upsampling(scale_factor, mode, "Upsample")
        self._scale_factor = scale_factor
        self._mode = mode

    def output_hw(self, h: int, w: int) -> tuple[int, int]:
        return h * self._scale_factor, w * self._scale_factor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4:
            raise ValueError(f"Upsample input: expected [B, C, H, W], got {list(x.shape)}")
        return F.interpolate(x, scale_factor=self._scale_factor, mode=self._mode)

    def make_parallel(self, n: int) -> ParallelUpsample:
        return ParallelUpsample(self._scale_factor, self._mode, n)


class ParallelUpsample(Upsample):
    """``Upsample`` of every replica of ``[B, n, C, H, W]``: the replicas' channels upsample
    independently, as channels of one ``[B, n*C, H, W]`` image."""

    def __init__(self, scale_factor: int, mode: str, n: int):
        super().__init__(scale_factor, mode)
        self._n = _check_size(n, "ParallelUpsample n")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 5 or x.shape[1] != self._n:
            raise ValueError(
                f"ParallelUpsample input: expected [B, {self._n}, C, H, W], got {list(x.shape)}"
            )
        y = super().forward(x.flatten(1, 2))
        return y.unflatten(1, (self._n, x.shape[2]))
