"""Twins of ALF's parameter networks (``optimized.twin``): the reference's constructor,
weights and flat-parameter layout; the layers' ``forward`` differs, and the handed weights
are views of ``theta`` taken by ``split`` instead of slicing (same values, same layout).

* ``ParamFC``: one ``baddbmm`` (bias + batched GEMM) over all G groups instead of G GEMMs,
  feature-major (``[G, out, B] = W [G, out, in] x [G, in, B]``, so the kernel's gradient
  comes out in the kernel's layout), the layer norm one ``F.layer_norm`` over
  ``[G, B, out]`` with the G affines broadcast.
* ``ParamConv2D``: one grouped convolution (``groups=G``) over the groups' channels stacked
  as ``[B, G*C, H, W]`` in channels-last memory instead of G convolutions, its layer norm
  one ``F.layer_norm`` over each group's ``(C, H, W)``. The output stays channels-last (the
  ``[B, G, C', H', W']`` result is a view of it, not a copy), so the next layer and the
  backward pass read it without a layout conversion. (Upstream's ``F.group_norm`` rejects
  a batch of one whose groups hold one value each; layer norm computes the same statistics
  without that limit.)

The networks themselves (``ParamNetwork``, ``ParamConvNet``) are the reference's loops over
layers, with these layers swapped in by the conversion; they hand the layers their slices of
``theta`` with one ``split`` (one ``cat`` in the backward instead of a zero-filled
``theta``-sized gradient per layer).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from optimized.alf.activations import is_elementwise
from optimized.twin import Twin
from reference.alf import param_networks as ref
from reference.alf.param_networks import LN_EPS, check_grouped, check_theta

__all__ = ["ParamConv2D", "ParamConvNet", "ParamFC", "ParamNetwork"]


def split_views(layer: ref.HandedWeights, theta: torch.Tensor, reinitialize: bool) -> None:
    """Re-take ``layer``'s handed weights (the reference's ``set_parameters`` has validated
    ``theta`` and reinitialized it in place) as one ``split`` of ``theta``: its backward is
    one ``cat`` of the kernel's, bias's and layer norm's gradients, where a slice each has
    every gradient scattered into a zero-filled ``theta``-sized tensor, then summed."""
    theta = theta if theta.dim() == 2 else theta.unsqueeze(0)
    ln = [layer._units] * 2 if layer._use_ln else []
    pieces = theta.split([layer.weight_length, layer.bias_length, *ln], dim=1)
    layer._weight = pieces[0].reshape(theta.shape[0], *layer._weight_shape)
    if layer._use_bias:
        layer._bias = pieces[1]
    if layer._use_ln and not reinitialize:  # reinitialized: fresh ones and zeros
        layer._ln_weight, layer._ln_bias = pieces[2], pieces[3]


class ParamFC(Twin, ref.ParamFC):
    """``reference.alf.param_networks.ParamFC`` as one batched GEMM over the G groups, its
    weights one ``split`` of ``theta`` (:func:`split_views`)."""

    def set_parameters(self, theta: torch.Tensor, reinitialize: bool = False) -> None:
        super().set_parameters(theta, reinitialize)
        split_views(self, theta, reinitialize)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        groups, out = self.n_groups, self._output_size
        grouped = check_grouped(
            inputs, (self._input_size,), groups, self.weight.dtype, "ParamFC input"
        )
        if groups == 1 and not self._use_ln:  # one GEMM: addmm fuses the bias
            w = self.weight[0]
            y = torch.addmm(self.bias[0], inputs, w.T) if self.bias is not None else inputs @ w.T
            return self._activation(y)
        if not self._use_ln:  # and groups > 1
            # feature-major [G, in, B] -> [G, out, B]: W_g x_g^T, so the kernel's gradient
            # (grad y_g^T x_g) comes out in W's own [out, in] layout, not transposed and
            # copied; a layer's output is the next layer's input without a copy. The
            # activation (often in place) on the GEMM's result, before the [B, G, out]
            # view (in place on a view, autograd would rebuild the whole base in the
            # backward: CopySlices, a zero fill and a copy of the layer's output). A
            # [B, G, in] input goes in as its [G, in, B] view: each group's matrix is a
            # transposed one with a leading dimension BLAS takes as it is, where making it
            # contiguous is a full 3-d transpose (B=128, G=32, in=64: ~750 us, the two
            # GEMMs that read it ~400 us each)
            if grouped:
                xt = inputs.permute(1, 2, 0)
            else:
                xt = inputs.t().unsqueeze(0).expand(groups, -1, -1)
            if self.bias is not None:
                yt = torch.baddbmm(self.bias.unsqueeze(2), self.weight, xt)
            else:
                yt = torch.bmm(self.weight, xt)
            if not is_elementwise(self._activation):  # the reference's [B, G, out]
                return self._activation(yt.permute(2, 0, 1))
            return self._activation(yt).permute(2, 0, 1)
        # [B, G, in] -> [G, B, in] (one copy, which the GEMM's backward reuses: bmm would copy
        # a transposed view again there); a shared [B, in] broadcast to all groups as a view
        if grouped:
            x = inputs.transpose(0, 1).contiguous()
        else:
            x = inputs.unsqueeze(0).expand(groups, *inputs.shape)
        wt = self.weight.transpose(1, 2)
        if self.bias is not None:
            y = torch.baddbmm(self.bias.unsqueeze(1), x, wt)
        else:
            y = torch.bmm(x, wt)
        gamma, beta = self.ln_weight.unsqueeze(1), self.ln_bias.unsqueeze(1)
        y = F.layer_norm(y, (out,), eps=LN_EPS) * gamma + beta
        if not is_elementwise(self._activation):  # the reference's [B, G, out]
            return self._activation(y[0] if groups == 1 else y.transpose(0, 1))
        y = self._activation(y)  # on the result, before the view (as above)
        return y[0] if groups == 1 else y.transpose(0, 1)


class ParamConv2D(Twin, ref.ParamConv2D):
    """``reference.alf.param_networks.ParamConv2D`` as one grouped convolution, its
    weights one ``split`` of ``theta`` (:func:`split_views`)."""

    def set_parameters(self, theta: torch.Tensor, reinitialize: bool = False) -> None:
        super().set_parameters(theta, reinitialize)
        split_views(self, theta, reinitialize)

    def forward(self, img: torch.Tensor, keep_group_dim: bool = True) -> torch.Tensor:
        groups, c = self.n_groups, self._in_channels
        parts = self.split_input(img)  # validates; views, no copies
        if groups == 1:
            x = parts[0]
        elif img.dim() == 5:
            x = img.reshape(img.shape[0], groups * c, *img.shape[3:])
        elif img.shape[1] == c:  # shared: every group convolves the same channels
            x = img.repeat(1, groups, 1, 1)
        else:
            x = img
        # channels-last: oneDNN's grouped convolution (forward and both backward halves) is
        # ~3x faster there than on NCHW, whose per-group kernels are slow for small groups
        x = x.contiguous(memory_format=torch.channels_last)
        w = self.weight.reshape(groups * self._out_channels, c, *self._kernel_size)
        b = None if self.bias is None else self.bias.reshape(-1)
        y = F.conv2d(x, w, b, self._strides, self._padding, groups=groups)
        if self._use_ln:
            y5 = y.reshape(y.shape[0], groups, self._out_channels, *y.shape[2:])
            y5 = F.layer_norm(y5, tuple(y5.shape[2:]), eps=LN_EPS)
            gamma = self.ln_weight.reshape(groups, -1, 1, 1)
            y = (y5 * gamma + self.ln_bias.reshape(groups, -1, 1, 1)).reshape(y.shape)
        y = self._activation(y)  # on [B, G*C', H', W'], as the reference
        if self._pooling_kernel is not None:
            y = F.max_pool2d(y, self._pooling_kernel)
        if groups > 1 and keep_group_dim:
            y = y.reshape(y.shape[0], groups, self._out_channels, *y.shape[2:])
        return y


def hand_split(theta: torch.Tensor, parts: list, reinitialize: bool) -> None:
    """Hand each of ``parts`` (modules with ``param_length`` and ``set_parameters``) its
    consecutive slice of ``theta [G, D]``, the slices taken by one ``split``: its backward
    is one ``cat`` of the parts' gradients, where a slice per part has each part's gradient
    scattered into a zero-filled ``theta``-sized tensor, then summed."""
    slices = theta.split([part.param_length for part in parts], dim=1)
    for part, piece in zip(parts, slices):
        part.set_parameters(piece, reinitialize)


class ParamConvNet(Twin, ref.ParamConvNet):
    """``reference.alf.param_networks.ParamConvNet`` over grouped-convolution layers, the
    layers' slices of ``theta`` taken by one ``split`` (:func:`hand_split`)."""

    def set_parameters(self, theta: torch.Tensor, reinitialize: bool = False) -> None:
        theta = check_theta(theta, self.param_length, None, f"{self.name} theta")
        hand_split(theta, self.layers, reinitialize)
        self._output_spec = None


class ParamNetwork(Twin, ref.ParamNetwork):
    """``reference.alf.param_networks.ParamNetwork`` over batched-GEMM and grouped-
    convolution layers, the parts' slices of ``theta`` (the conv net's, then each FC
    layer's) taken by one ``split`` (:func:`hand_split`)."""

    def set_parameters(self, theta: torch.Tensor, reinitialize: bool = False) -> None:
        theta = check_theta(theta, self.param_length, None, f"{self.name} theta")
        conv = [] if self._conv_net is None else [self._conv_net]
        hand_split(theta, [*conv, *self.fc_layers], reinitialize)
