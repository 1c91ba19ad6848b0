"""Twins of the reference layers (``optimized.twin``): same constructor, parameters and
state_dict; only ``forward`` differs.

* ``FC``: one fused ``addmm`` (bias + GEMM in a single BLAS call) instead of GEMM then add.
* ``ParallelFC``: one ``baddbmm`` for all n replicas instead of n GEMMs; ``forward_nbd``
  works in the replica-major layout ``[n, B, d]`` so a stack of them transposes only at
  its ends (see ``optimized.alf.sequential``).
* ``ParallelConv2D``: one grouped convolution (``groups=n``, channels-last) instead of n
  convolutions; for a few output positions, im2col plus one matmul over the replicas.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from optimized.alf.activations import is_elementwise
from optimized.twin import Twin
from reference.alf import layers as ref
from reference.alf.layers import Identity, Initializer, Reshape

__all__ = ["FC", "Conv2D", "Identity", "Initializer", "ParallelConv2D", "ParallelFC", "Reshape"]


class FC(Twin, ref.FC):
    """``reference.alf.layers.FC`` with the bias fused into the GEMM (``addmm``)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ref._check_features(x, self._input_size, (2,), "FC input")
        if self._bias is not None:
            y = torch.addmm(self._bias, x, self._weight.t())
        else:
            y = x.mm(self._weight.t())
        if self._bn is not None:
            y = self._bn(y)
        return self._activation(y)


#: Output width below which ``ParallelFC`` computes ``y^T = W x^T`` when its input needs no
#: gradient (a parallel head on fixed features, a first layer): with ``x W^T`` autograd
#: computes the kernel's gradient as ``x^T grad y``, an ``[in, out]`` GEMM of a few
#: columns that CPU BLAS runs several times slower than the ``[out, in]`` one
#: (n=4, B=1024, 256 -> 6 fwd+bwd: 1.20 -> 0.46 ms; 18 outputs 1.02 -> 0.80 ms; 32 even,
#: its forward slower). With an input that needs a gradient the transposed orientation
#: hands that gradient back transposed, and the activation backward before it runs several
#: times slower on it (x2 for the whole layer): there the plain orientation stays.
_NARROW = 32


class ParallelFC(Twin, ref.ParallelFC):
    """``reference.alf.layers.ParallelFC`` as one batched GEMM over the n replicas."""

    def forward_nbd(self, x: torch.Tensor) -> torch.Tensor:
        """``[n, B, in] -> [n, B, out]`` without batch norm: ``bmm(x, W^T) + b`` in place.

        (``baddbmm`` first broadcasts the bias into a fresh output and then accumulates;
        adding it after the GEMM saves that extra write of the whole output.) A narrow
        layer whose input needs no gradient computes ``W x^T`` instead (:data:`_NARROW`).
        """
        if self._weight.shape[1] < _NARROW and not x.requires_grad:
            # y^T = W x^T: the kernel's gradient (grad y^T x) comes out in W's own
            # [out, in] layout. The activation sees the [n, B, out] view, as it would
            # the plain product (any activation, not only an elementwise one)
            y = torch.bmm(self._weight, x.transpose(1, 2))
            if self._bias is not None:
                y = y.add_(self._bias.unsqueeze(2))
            return self._activate_nbd(y.transpose(1, 2))
        y = torch.bmm(x, self._weight.transpose(1, 2))
        if self._bias is not None:
            y = y.add_(self._bias.unsqueeze(1))
        return self._activate_nbd(y)

    def _activate_nbd(self, y: torch.Tensor) -> torch.Tensor:
        """The activation of ``[n, B, out]``: applied as it is when elementwise, else to the
        reference's ``[B, n, out]`` view (``optimized.alf.activations``)."""
        if is_elementwise(self._activation):
            return self._activation(y)
        return self._activation(y.transpose(0, 1)).transpose(0, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ref._check_features(x, self._input_size, (2, 3), "ParallelFC input")
        if x.dim() == 2:
            x_nbd = x.unsqueeze(0).expand(self._n, -1, -1)
        elif x.shape[1] != self._n:
            raise ValueError(
                f"ParallelFC input: expected [B, {self._n}, {self._input_size}], "
                f"got {list(x.shape)}"
            )
        else:
            x_nbd = x.transpose(0, 1)
        if self._bn is None:
            return self.forward_nbd(x_nbd).transpose(0, 1)
        if self._bias is not None:
            y = torch.baddbmm(self._bias.unsqueeze(1), x_nbd, self._weight.transpose(1, 2))
        else:
            y = torch.bmm(x_nbd, self._weight.transpose(1, 2))
        y = y.transpose(0, 1)
        if not is_elementwise(self._activation):
            return self._activation(self._bn(y.flatten(1)).view(y.shape))
        return self._activation(self._bn(y.flatten(1))).view(y.shape)


class Conv2D(Twin, ref.Conv2D):
    """``reference.alf.layers.Conv2D`` whose ``make_parallel`` is converted to the grouped
    ``ParallelConv2D`` (its step is already one ``conv2d``)."""


def grouped_channels_last(x: torch.Tensor) -> torch.Tensor:
    """``[B, n, C, H, W] -> [B, n*C, H, W]`` in channels-last memory with one copy at most
    (none for a view of a channels-last image): a reshape to ``[B, n*C, H, W]`` then a
    layout change copies a non-contiguous input twice. The copy is explicit: ``reshape``
    of the permuted dims is a view whenever ``n`` and ``C`` merge, as they do in a plain
    contiguous ``[B, n, C, H, W]``, and would hand the convolution NCHW memory again."""
    b, n, c, h, w = x.shape
    return x.permute(0, 3, 4, 1, 2).contiguous().view(b, h, w, n * c).permute(0, 3, 1, 2)


#: Output positions per replica (B * H' * W') up to which ``ParallelConv2D`` runs on the
#: CPU as im2col plus one matmul broadcast over the replicas: oneDNN's grouped convolution
#: costs ~80 us a call before any work, and at B=1 the matmul form was 1.8-2x faster
#: (n = 4 and 16, 16x16 and 7x7 maps, fwd and fwd+bwd), at B=16 2x slower.
_UNFOLD_POSITIONS = 128


class ParallelConv2D(Twin, ref.ParallelConv2D):
    """All n replicas as one grouped convolution over ``[B, n*C, H, W]``, or for a few
    output positions as im2col plus one batched matmul (:data:`_UNFOLD_POSITIONS`).

    For n > 1 the grouped convolution's images go channels-last: CPU grouped-convolution
    kernels are fast on NHWC and fall back to a slow path on NCHW (measured ~2x at
    B=1024, n=4).
    """

    def _unfolded(self, x: torch.Tensor, out_size: tuple[int, int]) -> torch.Tensor:
        """``[B, n, C, H, W] -> [B, n*C', H', W']``: every replica's patches (``F.unfold``,
        replica-major like the channels) times its ``[C', C*kh*kw]`` weight, one matmul."""
        b, n, c, h, w = x.shape
        weight, bias = self._conv2d.weight, self._conv2d.bias
        cols = F.unfold(
            x.reshape(b, n * c, h, w),
            self._kernel_size,
            padding=self._padding,
            stride=self._strides,
        )
        patch = weight.shape[1] * weight.shape[2] * weight.shape[3]  # C * kh * kw
        y = torch.matmul(
            weight.reshape(n, self._out_channels, patch), cols.view(b, n, patch, cols.shape[-1])
        )
        if bias is not None:
            y = y.add_(bias.view(n, self._out_channels, 1))
        return y.view(b, n * self._out_channels, *out_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.parallel_input(x)
        b, n = x.shape[0], self._n
        out_size = self.output_hw(x.shape[-2], x.shape[-1])
        positions = b * out_size[0] * out_size[1]
        if (
            n > 1
            and x.device.type == "cpu"
            and min(out_size) > 0
            and positions <= _UNFOLD_POSITIONS
        ):
            y = self._unfolded(x, out_size)
        else:
            x = grouped_channels_last(x) if n > 1 else x.reshape(b, self._in_channels, *x.shape[3:])
            y = F.conv2d(
                x,
                self._conv2d.weight,
                self._conv2d.bias,
                self._strides,
                self._padding,
                groups=n,
            )
        if self._bn is not None:
            y = self._bn(y)
        return activate_replicas(self._activation, y, n)


def activate_replicas(activation: Callable, y: torch.Tensor, n: int) -> torch.Tensor:
    """``[B, n*C, H, W] -> [B, n, C, H, W]`` with ``activation`` applied. An elementwise
    one (often in place) goes before the view: in place on a view, autograd would rebuild
    the whole output in the backward (CopySlices); any other one sees the reference's
    ``[B, n, C, H, W]`` (``optimized.alf.activations``)."""
    replicas = (y.shape[0], n, y.shape[1] // n, *y.shape[2:])
    if is_elementwise(activation):
        return activation(y).view(replicas)
    return activation(y.view(replicas))
