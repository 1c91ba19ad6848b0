"""The twin of ``RealNVPNetwork`` (``optimized.twin``): the reference's constructor, masks
and state_dict; its transform is made of fused coupling layers.

A coupling layer computes its log-det in the same pass as its forward or inverse map and
caches it with the ``(x, y)`` pair, so ``log_abs_det_jacobian`` of the pair just computed
(what a ``TransformedDistribution``'s ``log_prob`` / ``rsample`` and a flow's forward+log-det
ask for) costs nothing, where the reference runs the scale network a second time. The
scale/translation pair of every layer runs as the optimized parallel encoder (one batched
GEMM per layer for both), and ``exp(clamp(s))`` and its log come from one clamp.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import torch
import torch.distributions as td
from torch import nn

from optimized.alf.activations import is_elementwise
from optimized.alf.layers import ParallelFC
from optimized.twin import Twin
from reference.alf import flows as ref
from reference.alf.flows import NormalizingFlowNetwork, conditional_batch, exp_clip
from reference.alf.nest_utils import NestConcat
from reference.distributions import ComposeTransform
from reference.specs import Nest, flatten

__all__ = ["NormalizingFlowNetwork", "RealNVPNetwork"]


def scale_and_log(
    g: Callable[[torch.Tensor], torch.Tensor], s: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(g(s), log g(s))``: one clamp and one exp for ``clipped_exp`` and ``exp``."""
    clip = exp_clip(g)
    if clip is not None:
        log_g = s.clamp(*clip)
        return log_g.exp(), log_g
    if g is torch.exp:
        return s.exp(), s
    scale = g(s)
    return scale, scale.log()


#: In-place forms of common activations, applied to GEMM outputs this module owns.
_IN_PLACE: dict[Callable, Callable] = {
    torch.tanh: torch.tanh_,
    torch.relu: torch.relu_,
    torch.relu_: torch.relu_,
    torch.sigmoid: torch.sigmoid_,
}


def plain_fc_pair(net: nn.Module) -> list[ParallelFC] | None:
    """The layers of a scale/translation pair made of nothing but (a plain concat of
    ``(x * b, z)`` and) batch-norm-free parallel FCs; None for any other encoder (conv,
    preprocessors, batch norm, an activation that is not elementwise), which then runs as
    a module."""
    elements = list(getattr(net, "_networks", ()))
    if elements and isinstance(elements[0], NestConcat):
        concat = elements.pop(0)
        if concat._nest_mask is not None or concat._dim != -1:
            return None
    if elements and all(
        isinstance(e, ParallelFC) and e._bn is None and is_elementwise(e._activation)
        for e in elements
    ):
        return elements
    return None


def run_fc_pair(
    layers: list[ParallelFC], x: torch.Tensor, b: torch.Tensor, z: torch.Tensor | None
) -> torch.Tensor:
    """``s`` and ``t`` as ``[2, N, D]`` for ``x`` ``[N, D]``, mask ``b`` ``[D]`` and flat
    conditional input ``z`` ``[N, K]`` (or None). The mask is folded into the first layer's
    weights (``(x * b) W^T = x (W * b)^T``) and the shared input meets both replicas' first
    layers in one GEMM (no replicated or concatenated copy of the input); then one ``bmm``
    per layer in the replica-major layout, biases and activations applied in place."""
    first = layers[0]
    w = first._weight.reshape(-1, first._weight.shape[-1])
    d = x.shape[-1]
    h = x.mm((w[:, :d] * b).t())
    if z is not None:
        h.addmm_(z, w[:, d:].t())
    if first._bias is not None:
        h.add_(first._bias.reshape(-1))
    h = _activate(first._activation, h).view(h.shape[0], 2, h.shape[1] // 2).transpose(0, 1)
    for layer in layers[1:]:
        h = torch.bmm(h, layer._weight.transpose(1, 2))
        if layer._bias is not None:
            h.add_(layer._bias.unsqueeze(1))
        h = _activate(layer._activation, h)
    return h


def _activate(activation: Callable, h: torch.Tensor) -> torch.Tensor:
    fused = _IN_PLACE.get(activation)
    return fused(h) if fused is not None else activation(h)


class FusedCouplingTransform(ref.CouplingTransform):
    """The reference coupling layer; each map keeps ``log g(s)`` with its ``(x, y)`` pair so
    that the log-det of that pair needs no second run of the scale network. Built by the
    twin's ``_make_invertible_transform`` with the reference's arguments (no constructor)."""

    _log_g: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None

    @functools.cached_property
    def _fc_pair(self) -> list[ParallelFC] | None:
        """The scale/translation pair as plain parallel FC layers, if it is one."""
        flat_z = self.z_spec is None or all(s.ndim == 1 for s in flatten(self.z_spec))
        return plain_fc_pair(self.net) if flat_z else None

    def scale_translation(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self._fc_pair is None:
            return super().scale_translation(u)
        self.check_value(u)
        outer = u.shape[: u.dim() - self.x_spec.ndim]
        x = u.reshape(-1, self.x_spec.numel)
        z = None
        if self.z is not None:
            leaves = flatten(conditional_batch(self.z, self.z_spec, outer))
            z = torch.cat([t.reshape(x.shape[0], math.prod(t.shape[1:])) for t in leaves], -1)
        st = run_fc_pair(self._fc_pair, x, self.b.reshape(-1).to(x.dtype), z)
        return st[0].reshape(u.shape), st[1].reshape(u.shape)

    def _keep(self, x: torch.Tensor, y: torch.Tensor, log_g: torch.Tensor) -> None:
        if self._cache_size:
            self._log_g = (x, y, log_g)

    def _call(self, x: torch.Tensor) -> torch.Tensor:
        s, t = self.scale_translation(x)
        scale, log_g = scale_and_log(self.g, s)
        y = torch.where(self.b, x, torch.addcmul(t, x, scale))
        self._keep(x, y, log_g)
        return y

    def _inverse(self, y: torch.Tensor) -> torch.Tensor:
        s, t = self.scale_translation(y)
        scale, log_g = scale_and_log(self.g, s)
        x = torch.where(self.b, y, (y - t) / scale)
        self._keep(x, y, log_g)
        return x

    def log_abs_det_jacobian(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        kept = self._log_g
        if kept is not None and x is kept[0] and y is kept[1]:
            log_g = kept[2]
        else:
            log_g = scale_and_log(self.g, self.scale_translation(x)[0])[1]
        log_g = log_g.masked_fill(self.b, 0.0)
        return log_g.flatten(log_g.dim() - self.x_spec.ndim).sum(-1)


class RealNVPNetwork(Twin, ref.RealNVPNetwork):
    """Real NVP whose coupling layers keep each map's log-det with its pair (no second run
    of the scale network) over the converted, batched scale/translation encoders."""

    def _make_invertible_transform(self, conditional_inputs: Nest) -> td.Transform:
        return ComposeTransform(
            [
                FusedCouplingTransform(
                    self._x_spec,
                    net,
                    self._masks[layer],
                    self._z_spec,
                    conditional_inputs,
                    self._scale_nonlinear,
                )
                for layer, net in enumerate(self._networks)
            ]
        )
