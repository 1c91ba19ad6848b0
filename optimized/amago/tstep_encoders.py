"""Twin of ``reference.amago.tstep_encoders``: the encoders on the flattened
``[Batch * Length, features]`` batch.

Construction, parameters, checks and state_dict layout are the reference's; the twins
override ``inner_forward`` only, and ``convert`` swaps the reference's ``NatureishCNN``,
``DrQv2Aug`` and ``InputNorm`` submodules for their twins. What is faster:

* every layer is one ``addmm`` on the ``[B*L, d]`` matrix, activations in place;
* the input normaliser (``optimized.amago.utils``) applies cached per-feature constants
  in eval mode;
* the CNN encoder folds the pixel scaling ``p / 128 - 1`` into its first convolution (no
  pass over the image), feeds the ``[B*L, H, W, C]`` images to channels-last
  convolutions without a layout copy, and augments with one batched gather.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from optimized.amago.cnn import as_nchw, fused_activation, random_shift
from optimized.twin import Twin
from reference.amago import tstep_encoders as ref
from reference.amago.ff import Normalization
from reference.amago.utils import add_activation_log, symlog

__all__ = ["CNNTstepEncoder", "FFTstepEncoder"]


def linear(x: torch.Tensor, layer: nn.Linear) -> torch.Tensor:
    """``x @ W^T + b`` for a 2-D ``x`` as one addmm."""
    return torch.addmm(layer.bias, x, layer.weight.t())


def normalize(norm: Normalization, x: torch.Tensor) -> torch.Tensor:
    """The reference ``Normalization`` on a 2-D batch, layer norm through its functional."""
    if norm.method == "layer":
        ln = norm.norm
        assert isinstance(ln, nn.LayerNorm)
        return F.layer_norm(x, ln.normalized_shape, ln.weight, ln.bias, ln.eps)
    return norm(x)


def scale_pixels(imgs: torch.Tensor) -> torch.Tensor:
    """imgs / 128 - 1 in one pass: -1 + imgs * (1/128), the product exact (a power of
    two), so the result is bitwise the reference's."""
    minus_one = torch.full((), -1.0, dtype=imgs.dtype, device=imgs.device)
    return torch.addcmul(minus_one, imgs, torch.ones_like(minus_one), value=1.0 / 128.0)


class FFTstepEncoder(Twin, ref.FFTstepEncoder):
    """Every layer one ``addmm`` on the ``[B*L, d]`` matrix with in-place activations (the
    input normaliser is ``optimized.amago.utils``'s twin, by ``convert``)."""

    def inner_forward(
        self, obs: dict[str, torch.Tensor], rl2s: torch.Tensor, log_dict: dict | None = None
    ) -> torch.Tensor:
        batch, length = rl2s.shape[:2]
        n = batch * length
        parts = [
            obs[k].reshape(n, math.prod(obs[k].shape[2:])).to(rl2s.dtype) for k in self.obs_keys
        ]
        rl2 = rl2s.reshape(n, rl2s.shape[-1])
        parts.append(rl2 * 0 if self.hide_rl2s else rl2)
        x = torch.cat(parts, dim=-1)
        if self.training:
            self.in_norm.update_stats(x)
        x = self.in_norm(x)
        mlp = self.base
        x = fused_activation(mlp.activation, normalize(mlp.in_norm, linear(x, mlp.in_layer)))
        for layer, norm in zip(mlp.layers, mlp.norms):
            h = normalize(norm, linear(x, layer))  # type: ignore[arg-type]
            x = fused_activation(mlp.activation, h)
        prenorm = linear(x, mlp.out_layer)
        add_activation_log("tstep_encoder_prenorm", prenorm, log_dict)
        return normalize(self.out_norm, prenorm).reshape(batch, length, prenorm.shape[-1])


class CNNTstepEncoder(Twin, ref.CNNTstepEncoder):
    """The pixel scaling folded into the first convolution, channels-last images without a
    layout copy, augmentation as one gather, and one ``addmm`` per linear layer."""

    #: fold ``p / 128 - 1`` into the first convolution (same math, float32 rounding of a
    #: reordered sum); False scales the pixels first, bitwise as the reference does
    fold_pixel_scaling = True

    def inner_forward(
        self, obs: dict[str, torch.Tensor], rl2s: torch.Tensor, log_dict: dict | None = None
    ) -> torch.Tensor:
        img = obs[self.obs_key]
        batch, length = img.shape[:2]
        n = batch * length
        imgs = img.reshape(n, *img.shape[2:]).to(rl2s.dtype)
        if self.using_aug and self.training:
            start = self.aug_split(batch) * length
            shifts = self.data_aug.draw_shifts(n - start, imgs.device)
            crops = random_shift(imgs[start:], shifts, self.data_aug.pad, self.cnn.channels_first)
            imgs = torch.cat([imgs[:start], crops])
        if self.fold_pixel_scaling and hasattr(self.cnn, "conv_forward_pixels"):
            features = self.cnn.conv_forward_pixels(as_nchw(imgs, self.cnn.channels_first))
        else:
            features = self.cnn.conv_forward(as_nchw(scale_pixels(imgs), self.cnn.channels_first))
        features = features.reshape(n, math.prod(features.shape[1:]))
        add_activation_log("cnn_out", features, log_dict)
        img_rep = linear(features, self.img_features)
        add_activation_log("img_features", img_rep, log_dict)
        rl2 = rl2s.reshape(n, rl2s.shape[-1])
        if self.hide_rl2s:
            rl2 = rl2 * 0
        rl2_rep = linear(symlog(rl2), self.rl2_features)
        hidden = fused_activation(self.activation, torch.cat([img_rep, rl2_rep], dim=-1))
        merged = linear(hidden, self.merge)
        add_activation_log("tstep_encoder_prenorm", merged, log_dict)
        return normalize(self.out_norm, merged).reshape(batch, length, merged.shape[-1])
