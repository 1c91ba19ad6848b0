"""Twins of the projection networks (``optimized.twin``), returning the fused distributions
of ``optimized.distributions``.

Construction, parameters and state_dict layout are the reference's
(``reference.alf.projection``); conversion swaps the layers (fused ``addmm`` / one
``baddbmm`` for all replicas), and each twin overrides the method that builds its
distribution:

* Normal / StableNormal / Cauchy with ``scale_distribution`` and the default
  ``StableTanh`` squashing return :class:`~optimized.distributions.SquashedNormal` /
  ``SquashedCauchy`` (one closed-form log-density, pre-image cached by ``rsample``);
  otherwise the fused diagonal Normal / Cauchy (a custom squashing transform keeps the
  reference's transform chain);
* Beta returns :class:`~optimized.distributions.AffineBeta` (closed-form log-density and
  entropy, torch's implicitly reparameterised Beta sampling);
* Truncated with the default ``dist_ctor`` returns the optimized ``TruncatedNormal``;
* two heads of one input (mean and state-dependent std, loc and state-dependent scale) run
  as one GEMM over their concatenated kernels (:func:`fused_heads`); the parameters stay
  the reference's two layers, so names, shapes and state_dict are unchanged. Beta's
  concentration head and the categorical heads are one GEMM already.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.distributions as td
from torch import nn

from optimized import distributions as dists
from optimized.alf.activations import is_elementwise
from optimized.twin import Twin, convert
from reference import distributions as ref_dists
from reference.alf import layers as ref_layers
from reference.alf import projection as ref
from reference.alf.network import NetworkWrapper
from reference.distributions import StableTanh, proper_loc, proper_scale_of


def _stable_tanh(transform: Any) -> bool:
    return type(transform) is StableTanh


def scale_of(transform: Any, b: torch.Tensor) -> torch.Tensor:
    """The reference's ``proper_scale_of(transform, b)``, whose second pass is skipped for
    ``softplus``: its value is finite and its derivative at most 1, so the distribution's
    own clamp already gives the limit a zero gradient, not a NaN one."""
    if transform is torch.nn.functional.softplus:
        return transform(b)
    return proper_scale_of(transform, b)


def project(layer: Any, x: torch.Tensor) -> torch.Tensor:
    """A single (non-parallel, BN-free) FC head as ``(W x^T + b)^T``: for heads with few
    outputs this orientation of the GEMM runs about twice as fast on CPU BLAS as
    ``x W^T``; the result is the transposed view, which the elementwise ops that follow
    take as is. Anything else goes through the layer."""
    if not isinstance(layer, ref_layers.FC) or x.dim() != 2:
        return layer(x)
    weight, bias = layer._weight, layer._bias
    if layer._bn is not None or bias is None:
        return layer(x)
    ref_layers._check_features(x, layer._input_size, (2,), "FC input")
    return layer._activation(torch.addmm(bias.unsqueeze(-1), weight, x.t()).t())


def fused_heads(x: torch.Tensor, first: Any, second: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Two FC (or ParallelFC) heads of the same input and activation as one GEMM over their
    concatenated kernels: ``act(x [W1; W2]^T + [b1; b2])`` split in two. The parameters stay
    the reference's two layers (same names, shapes and gradients); only the product is
    fused. ``x``: ``[B, in]``, or ``[B, n, in]`` for parallel heads."""
    d = first._weight.shape[-2]
    weight = torch.cat([first._weight, second._weight], dim=-2)
    bias = torch.cat([first._bias, second._bias], dim=-1)
    if weight.dim() == 2:
        y = torch.addmm(bias.unsqueeze(-1), weight, x.t()).t()
    else:  # [n, 2d, in]: one batched GEMM in the replica-major layout
        y = torch.baddbmm(bias.unsqueeze(1), x.transpose(0, 1), weight.transpose(1, 2))
        y = y.transpose(0, 1)
    y = first._activation(y)
    head1, head2 = y.split(d, dim=-1)  # one backward node, not two zero-filled slices
    return head1, head2


def can_fuse(first: Any, second: Any) -> bool:
    return (
        first._bn is None
        and second._bn is None
        and first._bias is not None
        and second._bias is not None
        and first._activation is second._activation
        and is_elementwise(first._activation)  # applied to the two heads side by side
    )


class _FusedNormalHeads:
    """Mixin for the normal-family networks: a state-independent std is transformed as its
    ``[d]`` (``[n, d]``) parameter and broadcast by the distribution, not expanded to
    ``[B, d]`` first; the squash constants ``(m, s, sum log s)`` are computed once."""

    _state_dependent_std: bool
    _std: nn.Parameter
    _std_projection_layer: Any
    _action_low: torch.Tensor
    _action_high: torch.Tensor

    _means_projection_layer: Any

    def _std_pre_activation(self, x: torch.Tensor) -> torch.Tensor:
        if self._state_dependent_std:
            return self._std_projection_layer(x)
        return self._std  # [d] / [n, d]: broadcasts against [B, d] / [B, n, d]

    def _heads(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean head, std pre-activation), as one GEMM when the std is state dependent."""
        first, second = self._means_projection_layer, getattr(self, "_std_projection_layer", None)
        if self._state_dependent_std and can_fuse(first, second):
            return fused_heads(x, first, second)
        return project(first, x), self._std_pre_activation(x)

    def _box(self, dtype: torch.dtype) -> tuple[torch.Tensor, ...]:
        """``(low, high, (high + low) / 2, (high - low) / 2, sum log s)`` in ``dtype``,
        recomputed only when the bound buffers (or the dtype) change."""
        lo, hi = self._action_low, self._action_high
        key = (lo.data_ptr(), hi.data_ptr(), lo.dtype, lo.device, lo._version, hi._version, dtype)
        cached = self.__dict__.get("_box_cache")
        if cached is None or cached[0] != key:
            lo, hi = lo.to(dtype), hi.to(dtype)
            mag = (hi - lo) / 2
            cached = (key, (lo, hi, (hi + lo) / 2, mag, mag.log().sum(-1)))
            self.__dict__["_box_cache"] = cached
        return cached[1]

    def _squashed(self, cls: type, loc: torch.Tensor, scale: torch.Tensor) -> td.Distribution:
        lo, hi, *box = self._box(loc.dtype)
        return cls(loc, scale, lo, hi, tuple(box))


class NormalProjectionNetwork(Twin, _FusedNormalHeads, ref.NormalProjectionNetwork):
    """Fused heads; the closed-form ``SquashedNormal`` / diagonal normal."""

    def _normal_dist(self, means: torch.Tensor, stds: torch.Tensor) -> td.Distribution:
        if self._scale_distribution and _stable_tanh(self._squashing):
            return self._squashed(dists.SquashedNormal, means, stds)
        normal = dists.DiagMultivariateNormal(means, stds.expand(means.shape))
        if not self._scale_distribution:
            return normal
        low, high = self._action("_action_low", means), self._action("_action_high", means)
        return dists.SquashedDistribution(normal, low, high, self._squashing)

    def forward(self, inputs: Any, state: Any = ()) -> tuple[td.Distribution, Any]:
        a, b = self._heads(self._inputs(inputs))
        return self._normal_dist(self._mean_transform(a), scale_of(self._std_transform, b)), state


class StableNormalProjectionNetwork(NormalProjectionNetwork, ref.StableNormalProjectionNetwork):
    """The fused heads and ``_normal_dist`` of the optimized NormalProjectionNetwork with
    the reference's stable std parameterisation."""

    def _stds_of(self, b: torch.Tensor) -> torch.Tensor:
        std = proper_scale_of(self._inverse, b)
        return std + self._min_std if self._min_std > 0 else std

    def _stds(self, x: torch.Tensor) -> torch.Tensor:
        return self._stds_of(self._std_pre_activation(x))

    def forward(self, inputs: Any, state: Any = ()) -> tuple[td.Distribution, Any]:
        a, b = self._heads(self._inputs(inputs))
        stds = self._stds_of(b)
        return self._normal_dist(self._mean_transform(proper_loc(a * stds)), stds), state


class CauchyProjectionNetwork(Twin, _FusedNormalHeads, ref.CauchyProjectionNetwork):
    """Fused heads; the closed-form ``SquashedCauchy`` / diagonal Cauchy."""

    def _cauchy_dist(self, median: torch.Tensor, scale: torch.Tensor) -> td.Distribution:
        if self._scale_distribution and _stable_tanh(self._squashing):
            return self._squashed(dists.SquashedCauchy, median, scale)
        cauchy = dists.DiagMultivariateCauchy(median, scale.expand(median.shape))
        if not self._scale_distribution:
            return cauchy
        low, high = self._action("_action_low", median), self._action("_action_high", median)
        return dists.SquashedDistribution(cauchy, low, high, self._squashing)

    def forward(self, inputs: Any, state: Any = ()) -> tuple[td.Distribution, Any]:
        a, b = self._heads(self._inputs(inputs))
        return self._cauchy_dist(self._mean_transform(a), scale_of(self._std_transform, b)), state


class BetaProjectionNetwork(Twin, ref.BetaProjectionNetwork):
    """The closed-form ``AffineBeta`` instead of a Beta inside an affine transform."""

    def forward(self, inputs: Any, state: Any = ()) -> tuple[td.Distribution, Any]:
        x = self._inputs(inputs)
        c = self._concentrations(x)
        alpha, beta = c[..., : self._d], c[..., self._d :]
        dist = dists.AffineBeta(
            alpha,
            beta,
            self._action("_action_low", c),
            self._action("_action_range", c),
            self._action("_action_high", c),
        )
        return dist, state


class TruncatedProjectionNetwork(Twin, ref.TruncatedProjectionNetwork):
    """Loc and state-dependent scale heads as one GEMM; the default ``dist_ctor`` is the
    optimized ``TruncatedNormal``."""

    def fuse(self) -> None:
        if self._dist_ctor is ref_dists.TruncatedNormal:
            self._dist_ctor = dists.TruncatedNormal

    def _loc_and_scale_heads(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        first = self._loc_projection_layer
        second = getattr(self, "_scale_projection_layer", None)
        if self._state_dependent_scale and can_fuse(first, second):
            return fused_heads(x, first, second)
        if self._state_dependent_scale:
            return project(first, x), self._scale_pre_activation(x)
        return project(first, x), self._scale  # [d]: broadcast by the distribution


class ParallelCategoricalProjectionNetwork(Twin, ref.ParallelCategoricalProjectionNetwork):
    """Its logits layer is the batched ``ParallelFC``; its replicas are twins too."""

    def replica(self, i: int) -> nn.Module:
        return convert(super().replica(i))


class CategoricalProjectionNetwork(Twin, ref.CategoricalProjectionNetwork):
    """The logits head as one transposed ``addmm`` (:func:`project`)."""

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        layer = self._projection_layer
        if not isinstance(layer, NetworkWrapper):
            return super()._logits(x)
        return project(layer._module, x).reshape(*x.shape[:-1], *self._output_shape)


class OnehotCategoricalProjectionNetwork(Twin, ref.OnehotCategoricalProjectionNetwork):
    """The logits head as one transposed ``addmm`` (:func:`project`); the default
    straight-through sampler scores its own samples without a support check."""

    def _dist(self, logits: torch.Tensor) -> td.Distribution:
        if self._mode != "st":
            return super()._dist(logits)
        dist = dists.OneHotCategoricalStraightThrough(logits=logits, validate_args=False)
        extra = len(self._output_shape) - 1
        return dists.Independent(dist, extra) if extra else dist

    def forward(self, inputs: Any, state: Any = ()) -> tuple[td.Distribution, Any]:
        x = self._inputs(inputs)
        logits = project(self._projection_layer, x).reshape(*x.shape[:-1], *self._output_shape)
        return self._dist(logits), state


class MixtureProjectionNetwork(Twin, ref.MixtureProjectionNetwork):
    """Its components and mixture weights are the converted (fused) projection networks."""
