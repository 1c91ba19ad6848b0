"""Twin of ``reference.amago.tstep_encoders``: the encoders on the flattened
``[Batch * Length, features]`` batch.

Construction, parameters, checks and state_dict layout are the reference's; the twins
override ``inner_forward`` only, and ``convert`` swaps the reference's ``NatureishCNN`` and
``DrQv2Aug`` submodules for ``optimized.amago.cnn``'s. What is faster:

* every layer is one ``addmm`` on the ``[B*L, d]`` matrix, activations in place;
* in eval mode the input normaliser's per-feature scale, shift and clamp bounds are
  computed once per change of its statistics (cached on the buffers' versions), then
  applied as ``clamp((x - shift) * scale, lo, hi)``;
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
from reference.amago.utils import MAGIC_PAD_VAL, InputNorm, add_activation_log, symlog

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


def _norm_constants(in_norm: InputNorm) -> tuple[torch.Tensor, ...]:
    """(shift, scale, lo, hi) with normalise(x) = clamp((x - shift) * scale, lo, hi):
    scale = 1 / sigma and bounds +-1e4 where sigma > 0.01, else scale 1 and no bounds."""
    key = (in_norm.mu._version, in_norm.nu._version, in_norm.mu.data_ptr(), in_norm.mu.dtype)
    cached = getattr(in_norm, "_twinnet_constants", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    with torch.no_grad():
        sigma = in_norm.sigma
        stable = sigma > 0.01
        scale = torch.where(stable, sigma.reciprocal(), torch.ones_like(sigma))
        shift = torch.nan_to_num(in_norm.mu)
        inf = torch.full_like(sigma, math.inf)
        lo = torch.where(stable, torch.full_like(sigma, -1e4), -inf)
        hi = torch.where(stable, torch.full_like(sigma, 1e4), inf)
    constants = (shift, scale, lo, hi)
    in_norm._twinnet_constants = (key, constants)  # type: ignore[assignment]
    return constants


def scale_pixels(imgs: torch.Tensor) -> torch.Tensor:
    """imgs / 128 - 1 in one pass: -1 + imgs * (1/128), the product exact (a power of
    two), so the result is bitwise the reference's."""
    minus_one = torch.full((), -1.0, dtype=imgs.dtype, device=imgs.device)
    return torch.addcmul(minus_one, imgs, torch.ones_like(minus_one), value=1.0 / 128.0)


@torch.no_grad()
def update_stats(in_norm: InputNorm, x: torch.Tensor) -> None:
    """The reference's update of ``x: [N, dim]``, without the boolean-index copy when every
    timestep is usable (no padding, finite: the usual case)."""
    usable = ~(x == MAGIC_PAD_VAL).all(-1) & torch.isfinite(x).all(-1)
    in_norm.fold_in(x if bool(usable.all()) else x[usable])


def normalize_inputs(in_norm: InputNorm, x: torch.Tensor) -> torch.Tensor:
    """The normaliser with cached per-feature constants while its statistics stay put
    (eval mode); in training mode they change every call, and its own formula is cheaper."""
    if in_norm.skip:
        return x
    if in_norm.training:
        return in_norm(x)
    shift, scale, lo, hi = _norm_constants(in_norm)
    return torch.clamp((x - shift) * scale, lo, hi)


class FFTstepEncoder(Twin, ref.FFTstepEncoder):
    """Every layer one ``addmm`` on the ``[B*L, d]`` matrix with in-place activations, and
    the eval-mode input normaliser from cached per-feature constants (module doc)."""

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
            update_stats(self.in_norm, x)
        x = normalize_inputs(self.in_norm, x)
        mlp = self.base
        x = fused_activation(mlp.activation, linear(x, mlp.in_layer))
        for layer in mlp.layers:
            x = fused_activation(mlp.activation, linear(x, layer))  # type: ignore[arg-type]
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
