"""ALF's projection networks: a feature vector in, an action distribution out.

Every network maps ``[B, input_size]`` (``[B, n, input_size]`` or a shared ``[B,
input_size]`` when built with ``parallelism=n``) to a distribution whose batch shape is
``[B]`` (``[B, n]``) and whose event is one action. Parameters mirror ALF's so an ALF
checkpoint loads tensor by tensor:

* Normal / StableNormal / Cauchy: ``_means_projection_layer`` (FC ``[d, in]``, ParallelFC
  ``[n, d, in]``) and either ``_std_projection_layer`` (same shapes, state-dependent std)
  or the free parameter ``_std`` (``[d]`` / ``[n, d]``).
* Beta: ``_concentration_projection_layer`` with ``2d`` outputs, ``[alpha | beta]``.
* Truncated: ``_loc_projection_layer`` and ``_scale_projection_layer`` or ``_scale``.
* Categorical / Onehot: a layer with ``prod(action shape) * K`` outputs, which
  Categorical (as ALF) wraps as a Network (``_projection_layer._module.*``) and Onehot and
  ParallelCategorical keep bare (``_projection_layer.*``).
* Mixture: ``_components_proj`` (a parallel component network) and ``_mixture_proj``.

A parallel network (``parallelism=n``, ``make_parallel(n)``) reports the single network's
``input_tensor_spec`` ``[in]``, as ALF does, and takes ``[B, n, in]`` or ``[B, in]``.

Formulas (``m = (high + low) / 2``, ``s = (high - low) / 2``):

* squash_mean: ``mean = m + s tanh(a)``; scale_distribution: ``Y = m + s tanh(X)`` with
  ``X ~ N(a, sigma)`` (the mean is then left as is), samples clamped into ``[low, high]``
  against rounding;
* StableNormal: ``sigma = c0 + 1 / (c1 + g(b))`` with ``g`` = exp or softplus,
  ``c0 = min_std``, ``c1 = 1 / (max_std - min_std)`` (0 without max_std), the bias of ``b``
  initialised to ``g^-1(1 / (init_std - min_std) - c1)`` so that ``sigma = init_std`` at
  start, and ``mu = a * sigma`` (before the squash), clamped into ``+-max / 4`` of the
  dtype where the product overflows (upstream: an infinite mean and NaN samples);
* Beta: ``alpha, beta = act(W x + b) + min_concentration``, the Beta on ``[0, 1]`` mapped
  affinely onto ``[low, high]``; ``grad_clip`` rescales each row's concentration gradient to
  an L2 norm of at most ``grad_clip`` (the norm is taken over the last dim, per replica;
  upstream takes it over dim 1, which for a parallel network would mix replicas);
* Truncated: ``loc = m + s loc_transform(a)``, ``scale = clamp(scale_transform(b), min, max)``.

Categorical distributions are over the category index ``0..K-1`` whatever the spec's
minimum, as in ALF.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

import numpy as np
import torch
import torch.distributions as td
import torch.nn.functional as F
from torch import nn

from reference import checks
from reference import distributions as dists
from reference.alf.initializers import identity, variance_scaling_init
from reference.alf.layers import FC, ParallelFC, check_activation
from reference.alf.network import Network, replicate_input, wrap_as_network
from reference.alf.replicas import Replicated
from reference.distributions import (
    Categorical,
    DistributionSpec,
    Independent,
    MixtureSameFamily,
    StableTanh,
    proper_loc,
    proper_scale_of,
)
from reference.specs import BoundedTensorSpec, Nest, TensorSpec

DEFAULT_SQUASHING = StableTanh()
ONEHOT_MODES = ("st", "gumbel", "st-gumbel", "plain")


# --------------------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------------------


def optional(check: Callable[[object, str], float], value: object, what: str) -> float | None:
    """``None``, or ``value`` checked by ``check`` (one of ``reference.checks``)."""
    return None if value is None else check(value, what)


def check_positive_int(value: object, what: str, allow_none: bool = False) -> None:
    if allow_none and value is None:
        return
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{what}: expected a positive int, got {value!r}")


def check_continuous_spec(
    spec: object, what: str, bounded: bool, reason: str = ""
) -> TensorSpec | BoundedTensorSpec:
    """A 1-D floating action spec (bounded, with minimum < maximum, when ``bounded``)."""
    if not isinstance(spec, TensorSpec):
        raise TypeError(f"{what}: expected a TensorSpec action spec, got {type(spec).__name__}")
    if not spec.is_continuous:
        raise TypeError(
            f"{what}: expected a continuous (floating) action spec, got dtype {spec.dtype} "
            f"({spec}); use a categorical projection for discrete actions"
        )
    if spec.ndim != 1:
        raise ValueError(f"{what}: expected a 1-D action spec, got shape {spec.shape}")
    if bounded:
        if not isinstance(spec, BoundedTensorSpec):
            raise TypeError(
                f"{what}: expected a BoundedTensorSpec{reason}, got {type(spec).__name__}"
            )
        check_bounds_order(spec, what)
    return spec


def check_bounds_order(spec: BoundedTensorSpec, what: str) -> None:
    lo = np.broadcast_to(spec.minimum, spec.shape)
    hi = np.broadcast_to(spec.maximum, spec.shape)
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        raise ValueError(
            f"{what}: expected finite action bounds (they scale or squash the actions), got "
            f"minimum={spec.minimum.tolist()}, maximum={spec.maximum.tolist()}"
        )
    if np.any(lo >= hi):
        raise ValueError(
            f"{what}: expected action bounds with minimum < maximum, got "
            f"minimum={spec.minimum.tolist()}, maximum={spec.maximum.tolist()}"
        )


def num_categories(spec: object, what: str) -> int:
    """K of a discrete bounded spec whose every element has the same K >= 1 values."""
    if not isinstance(spec, BoundedTensorSpec) or not spec.is_discrete:
        got = spec if isinstance(spec, TensorSpec) else type(spec).__name__
        raise TypeError(
            f"{what}: expected a discrete (integer) BoundedTensorSpec action spec, got {got}"
        )
    counts = np.unique(np.broadcast_to(spec.maximum - spec.minimum + 1, spec.shape))
    if counts.size == 0:
        counts = np.asarray([int(spec.maximum - spec.minimum + 1)])
    if counts.size > 1 or np.any(counts <= 0):
        raise ValueError(
            f"{what}: expected the same number (>= 1) of actions for every dimension, got "
            f"minimum={spec.minimum.tolist()}, maximum={spec.maximum.tolist()}"
        )
    return int(counts[0])


def bounds_tensors(spec: BoundedTensorSpec) -> tuple[torch.Tensor, torch.Tensor]:
    """The spec's bounds as float64 tensors (kept exact until the network's ``.to(dtype)``)."""
    lo = torch.as_tensor(np.broadcast_to(spec.minimum, spec.shape).copy(), dtype=torch.float64)
    hi = torch.as_tensor(np.broadcast_to(spec.maximum, spec.shape).copy(), dtype=torch.float64)
    return lo, hi


# --------------------------------------------------------------------------------------
# base
# --------------------------------------------------------------------------------------


class ProjectionNetwork(Replicated, Network):
    """Shared plumbing: input validation (with the replica dim when parallel), the FC (or
    ParallelFC) heads, ``output_spec`` as a :class:`DistributionSpec`, make_parallel."""

    # non-persistent buffers (the action box) of the continuous projections
    _action_low: torch.Tensor
    _action_high: torch.Tensor
    _action_range: torch.Tensor
    _action_means: torch.Tensor
    _action_magnitudes: torch.Tensor

    def __init__(self, input_size: int, name: str, parallelism: int | None = None):
        check_positive_int(input_size, f"{name} input_size")
        check_positive_int(parallelism, f"{name} parallelism", allow_none=True)
        spec = TensorSpec((int(input_size),))
        super().__init__(spec)  # a parallel network reports the single spec too, as ALF does
        self._name = name
        self._single_spec = spec
        self._input_size = int(input_size)
        self._parallelism = parallelism
        self._n = parallelism or 1
        self._dist_spec: DistributionSpec | None = None

    def _action(self, name: str, like: torch.Tensor) -> torch.Tensor:
        """An action-box buffer (float64 until ``.to(dtype)``) in the dtype of ``like``."""
        return getattr(self, name).to(like.dtype)

    # -- layers ---------------------------------------------------------------------------
    def _fc(self, out: int, **kwargs: Any) -> nn.Module:
        if self._parallelism is None:
            return FC(self._input_size, out, **kwargs)
        return ParallelFC(self._input_size, out, self._parallelism, **kwargs)

    def _param_shape(self, d: int) -> tuple[int, ...]:
        return (d,) if self._parallelism is None else (self._parallelism, d)

    # -- inputs ---------------------------------------------------------------------------
    def _inputs(self, inputs: Nest) -> torch.Tensor:
        """Validated inputs: ``[B, in]``, or ``[B, n, in]`` for a parallel network."""
        what = f"{self._name} input"
        if self._parallelism is None:
            self.check_inputs(inputs)
            return inputs
        return replicate_input(
            self._single_spec, inputs, self._parallelism, what, self.float_dtype()
        )

    # -- specs ----------------------------------------------------------------------------
    def _make_dist_spec(self) -> DistributionSpec:
        raise NotImplementedError

    @property
    def output_spec(self) -> DistributionSpec:
        if self._dist_spec is None:
            self._dist_spec = self._make_dist_spec()
        return self._dist_spec

    @property
    def is_distribution_output(self) -> bool:
        return True

    def _batch(self) -> tuple[int, ...]:
        return () if self._parallelism is None else (self._parallelism,)

    # -- replicas -------------------------------------------------------------------------
    def make_parallel(self, n: int) -> Network:
        """The same network with ``parallelism=n`` (n independently initialised replicas)."""
        if self._parallelism is not None:
            raise ValueError(
                f"{self._name}.make_parallel: expected a non-parallel network, got one with "
                f"parallelism={self._parallelism}"
            )
        args = {**self.saved_args, "parallelism": n, "name": f"parallel_{self._name}"}
        net = type(self)(**args)
        net.set_prototype(self)
        return net

    def replica(self, i: int) -> nn.Module:
        if "_prototype" not in self.__dict__:
            args = {**self.saved_args, "parallelism": None}
            self.set_prototype(type(self)(**args))
        return super().replica(i)


def _expand_param(p: torch.Tensor, batch: int) -> torch.Tensor:
    return p.expand(batch, *p.shape)


# --------------------------------------------------------------------------------------
# normal family
# --------------------------------------------------------------------------------------


class NormalProjectionNetwork(ProjectionNetwork):
    """Diagonal normal ``N(mean(x), std(x)^2)``; see the module doc for the options."""

    def __init__(
        self,
        input_size: int,
        action_spec: TensorSpec,
        parallelism: int | None = None,
        activation: Callable = identity,
        projection_output_init_gain: float = 0.3,
        std_bias_initializer_value: float = 0.0,
        squash_mean: bool = True,
        state_dependent_std: bool = False,
        std_transform: Callable | None = F.softplus,
        scale_distribution: bool = False,
        dist_squashing_transform: td.Transform = DEFAULT_SQUASHING,
        name: str = "NormalProjectionNetwork",
    ):
        checks.finite(projection_output_init_gain, f"{name} projection_output_init_gain")
        checks.finite(std_bias_initializer_value, f"{name} std_bias_initializer_value")
        checks.flag(scale_distribution, f"{name} scale_distribution")
        checks.flag(squash_mean, f"{name} squash_mean")
        checks.flag(state_dependent_std, f"{name} state_dependent_std")
        super().__init__(input_size, name, parallelism)
        bounded = bool(squash_mean or scale_distribution)
        reason = " (squash_mean / scale_distribution need bounds)"
        spec = check_continuous_spec(action_spec, name, bounded, reason)
        d = spec.shape[0]
        self._action_spec = spec
        self._squash_mean = bounded and not scale_distribution
        self._scale_distribution = scale_distribution
        # its own copy: the default is one module-level object, and a transform's cache
        # may hold the graph of the last rsample (no shared mutable default, item 7)
        self._squashing = copy.deepcopy(dist_squashing_transform)
        self._std_transform = std_transform if std_transform is not None else identity
        self._state_dependent_std = state_dependent_std
        if bounded:
            lo, hi = bounds_tensors(spec)  # type: ignore[arg-type]
            self.register_buffer("_action_low", lo, persistent=False)
            self.register_buffer("_action_high", hi, persistent=False)
            self.register_buffer("_action_means", (hi + lo) / 2, persistent=False)
            self.register_buffer("_action_magnitudes", (hi - lo) / 2, persistent=False)
        self._means_projection_layer = self._fc(
            d, activation=activation, kernel_init_gain=projection_output_init_gain
        )
        if state_dependent_std:
            self._std_projection_layer = self._fc(
                d,
                activation=activation,
                kernel_init_gain=projection_output_init_gain,
                bias_init_value=std_bias_initializer_value,
            )
        else:
            self._std = nn.Parameter(torch.full(self._param_shape(d), std_bias_initializer_value))

    def _std_pre_activation(self, x: torch.Tensor) -> torch.Tensor:
        if self._state_dependent_std:
            return self._std_projection_layer(x)
        return _expand_param(self._std, x.shape[0])

    def _mean_transform(self, a: torch.Tensor) -> torch.Tensor:
        if self._squash_mean:
            mean, magnitude = (
                self._action("_action_means", a),
                self._action("_action_magnitudes", a),
            )
            return mean + magnitude * torch.tanh(a)
        return a

    def _normal_dist(self, means: torch.Tensor, stds: torch.Tensor) -> td.Distribution:
        normal = dists.DiagMultivariateNormal(means, stds)
        if not self._scale_distribution:
            return normal
        return dists.SquashedDistribution(
            normal,
            self._action("_action_low", means),
            self._action("_action_high", means),
            self._squashing,
        )

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[td.Distribution, Nest]:
        x = self._inputs(inputs)
        means = self._mean_transform(self._means_projection_layer(x))
        stds = proper_scale_of(self._std_transform, self._std_pre_activation(x))
        return self._normal_dist(means, stds), state

    def _make_dist_spec(self) -> DistributionSpec:
        kind = "squashed_normal" if self._scale_distribution else "normal"
        return DistributionSpec(kind, self._batch(), self._action_spec.shape, torch.float32)


class StableNormalProjectionNetwork(NormalProjectionNetwork):
    """Normal with ``sigma = c0 + 1 / (c1 + g(b))`` and ``mu = a * sigma`` (module doc)."""

    def __init__(
        self,
        input_size: int,
        action_spec: TensorSpec,
        parallelism: int | None = None,
        activation: Callable = identity,
        projection_output_init_gain: float = 1e-5,
        squash_mean: bool = True,
        state_dependent_std: bool = False,
        inverse_std_transform: str = "softplus",
        scale_distribution: bool = False,
        init_std: float = 1.0,
        min_std: float = 0.0,
        max_std: float | None = None,
        dist_squashing_transform: td.Transform = DEFAULT_SQUASHING,
        name: str = "StableNormalProjectionNetwork",
    ):
        checks.positive(init_std, f"{name} init_std")
        checks.nonnegative(min_std, f"{name} min_std")
        optional(checks.positive, max_std, f"{name} max_std")
        if min_std < 0 or not init_std > min_std:
            raise ValueError(
                f"{name}: expected 0 <= min_std < init_std, got min_std={min_std}, "
                f"init_std={init_std}"
            )
        if max_std is not None and not init_std < max_std:
            raise ValueError(
                f"{name}: expected init_std < max_std, got init_std={init_std}, max_std={max_std}"
            )
        c1 = 0.0 if max_std is None else 1.0 / (max_std - min_std)
        target = 1.0 / (init_std - min_std) - c1  # g(bias) at start
        transform: Callable
        if inverse_std_transform == "exp":
            transform, bias = torch.exp, math.log(target)
        elif inverse_std_transform == "softplus":
            transform, bias = F.softplus, math.log(math.expm1(target))
        else:
            raise ValueError(
                f"{name}: expected inverse_std_transform 'exp' or 'softplus', "
                f"got {inverse_std_transform!r}"
            )
        super().__init__(
            input_size,
            action_spec,
            parallelism,
            activation,
            projection_output_init_gain,
            bias,
            squash_mean,
            state_dependent_std,
            transform,
            scale_distribution,
            dist_squashing_transform,
            name,
        )
        self._min_std, self._max_std, self._c1 = min_std, max_std, c1

    def _inverse(self, b: torch.Tensor) -> torch.Tensor:
        """``1 / (c1 + g(b))`` (``c1`` only with a ``max_std``): ``1 / 0`` where ``g``
        underflows, clamped by :func:`proper_scale_of`."""
        inv_std = self._std_transform(b)
        if self._max_std is not None:
            inv_std = inv_std + self._c1
        return 1.0 / inv_std

    def _stds(self, x: torch.Tensor) -> torch.Tensor:
        std = proper_scale_of(self._inverse, self._std_pre_activation(x))
        return std + self._min_std if self._min_std > 0 else std

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[td.Distribution, Nest]:
        x = self._inputs(inputs)
        stds = self._stds(x)
        # a * sigma overflows for extreme inputs: kept finite (proper_loc)
        means = self._mean_transform(proper_loc(self._means_projection_layer(x) * stds))
        return self._normal_dist(means, stds), state


class CauchyProjectionNetwork(NormalProjectionNetwork):
    """Diagonal Cauchy(median, scale), heads as in NormalProjectionNetwork (no parallel form:
    the spec gives it no ``parallelism`` argument)."""

    def __init__(
        self,
        input_size: int,
        action_spec: TensorSpec,
        squash_median: bool = True,
        scale_bias_initializer_value: float = 0.0,
        state_dependent_scale: bool = False,
        scale_transform: Callable | None = F.softplus,
        scale_distribution: bool = False,
        dist_squashing_transform: td.Transform = DEFAULT_SQUASHING,
        name: str = "CauchyProjectionNetwork",
    ):
        checks.flag(squash_median, f"{name} squash_median")
        checks.finite(scale_bias_initializer_value, f"{name} scale_bias_initializer_value")
        checks.flag(state_dependent_scale, f"{name} state_dependent_scale")
        super().__init__(
            input_size,
            action_spec,
            squash_mean=squash_median,
            std_bias_initializer_value=scale_bias_initializer_value,
            state_dependent_std=state_dependent_scale,
            std_transform=scale_transform,
            scale_distribution=scale_distribution,
            dist_squashing_transform=dist_squashing_transform,
            name=name,
        )

    def _cauchy_dist(self, median: torch.Tensor, scale: torch.Tensor) -> td.Distribution:
        cauchy = dists.DiagMultivariateCauchy(median, scale)
        if not self._scale_distribution:
            return cauchy
        return dists.SquashedDistribution(
            cauchy,
            self._action("_action_low", median),
            self._action("_action_high", median),
            self._squashing,
        )

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[td.Distribution, Nest]:
        x = self._inputs(inputs)
        median = self._mean_transform(self._means_projection_layer(x))
        scale = proper_scale_of(self._std_transform, self._std_pre_activation(x))
        return self._cauchy_dist(median, scale), state

    def make_parallel(self, n: int) -> Network:
        raise NotImplementedError(
            f"{self._name}: CauchyProjectionNetwork has no parallel form (no parallelism "
            "argument in the spec)"
        )

    def _make_dist_spec(self) -> DistributionSpec:
        kind = "squashed_cauchy" if self._scale_distribution else "cauchy"
        return DistributionSpec(kind, (), self._action_spec.shape, torch.float32)


# --------------------------------------------------------------------------------------
# beta and truncated
# --------------------------------------------------------------------------------------


class BetaProjectionNetwork(ProjectionNetwork):
    """Independent Beta(alpha, beta) per dimension, mapped affinely onto the action bounds."""

    def __init__(
        self,
        input_size: int,
        action_spec: BoundedTensorSpec,
        parallelism: int | None = None,
        activation: Callable = F.softplus,
        min_concentration: float = 0.0,
        projection_output_init_gain: float = 0.0,
        bias_init_value: float = 0.541324854612918,
        grad_clip: float | None = 0.01,
        name: str = "BetaProjectionNetwork",
    ):
        super().__init__(input_size, name, parallelism)
        spec = check_continuous_spec(action_spec, name, True, " (Beta maps onto the bounds)")
        checks.nonnegative(min_concentration, f"{name} min_concentration")
        checks.finite(projection_output_init_gain, f"{name} projection_output_init_gain")
        checks.finite(bias_init_value, f"{name} bias_init_value")
        optional(checks.positive, grad_clip, f"{name} grad_clip")
        self._action_spec = spec
        lo, hi = bounds_tensors(spec)  # type: ignore[arg-type]
        self.register_buffer("_action_low", lo, persistent=False)
        self.register_buffer("_action_high", hi, persistent=False)
        self.register_buffer("_action_range", hi - lo, persistent=False)
        self._d = spec.shape[0]
        # the activation is applied here, not in the layer, so the concentration's limit is
        # taken with a finite gradient (``proper_scale_of``); the kernel is initialised as
        # the layer would initialise it for that activation
        self._concentration_projection_layer = self._fc(
            2 * self._d,
            bias_init_value=bias_init_value,
            kernel_initializer=functools.partial(
                variance_scaling_init, gain=projection_output_init_gain, nonlinearity=activation
            ),
        )
        self._activation = check_activation(activation, f"{name} activation")
        self._grad_clip = grad_clip
        self._min_concentration = min_concentration

    def _clip_hook(self, grad: torch.Tensor) -> torch.Tensor:
        """``g / max(1, |g| / grad_clip)`` per row (last dim)."""
        assert self._grad_clip is not None
        norm = grad.norm(dim=-1, keepdim=True)
        return grad / (norm / self._grad_clip).clamp(min=1.0)

    def _concentration(self, pre: torch.Tensor) -> torch.Tensor:
        """``activation(pre) + min_concentration``."""
        c = self._activation(pre)
        return c + self._min_concentration if self._min_concentration != 0 else c

    def _concentrations(self, x: torch.Tensor) -> torch.Tensor:
        c = proper_scale_of(self._concentration, self._concentration_projection_layer(x))
        if self._grad_clip is not None and x.requires_grad:
            c.register_hook(self._clip_hook)
        return c

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[td.Distribution, Nest]:
        x = self._inputs(inputs)
        c = self._concentrations(x)
        alpha, beta = c[..., : self._d], c[..., self._d :]
        beta01 = dists.DiagMultivariateBeta(alpha, beta)
        return dists.AffineTransformedDistribution(
            beta01,
            self._action("_action_low", c),
            self._action("_action_range", c),
            self._action("_action_high", c),
        ), state

    def _make_dist_spec(self) -> DistributionSpec:
        return DistributionSpec("beta", self._batch(), self._action_spec.shape, torch.float32)


class TruncatedProjectionNetwork(ProjectionNetwork):
    """A truncated distribution (``dist_ctor``, default TruncatedNormal) on the action bounds."""

    def __init__(
        self,
        input_size: int,
        action_spec: BoundedTensorSpec,
        activation: Callable = identity,
        projection_output_init_gain: float = 0.3,
        scale_bias_initializer_value: float = 0.0,
        state_dependent_scale: bool = False,
        loc_transform: Callable = torch.tanh,
        scale_transform: Callable | None = F.softplus,
        min_scale: float | None = None,
        max_scale: float | None = None,
        dist_ctor: Callable = dists.TruncatedNormal,
        name: str = "TruncatedProjectionNetwork",
    ):
        super().__init__(input_size, name)
        spec = check_continuous_spec(action_spec, name, True, " (the truncation bounds)")
        checks.finite(projection_output_init_gain, f"{name} projection_output_init_gain")
        checks.finite(scale_bias_initializer_value, f"{name} scale_bias_initializer_value")
        checks.flag(state_dependent_scale, f"{name} state_dependent_scale")
        optional(checks.nonnegative, min_scale, f"{name} min_scale")
        optional(checks.positive, max_scale, f"{name} max_scale")
        if min_scale is not None and max_scale is not None and min_scale > max_scale:
            raise ValueError(
                f"{name}: expected min_scale <= max_scale, got {min_scale} > {max_scale}"
            )
        d = spec.shape[0]
        self._action_spec = spec
        lo, hi = bounds_tensors(spec)  # type: ignore[arg-type]
        self.register_buffer("_action_low", lo, persistent=False)
        self.register_buffer("_action_high", hi, persistent=False)
        self._loc_transform = loc_transform
        self._scale_transform = scale_transform if scale_transform is not None else identity
        self._min_scale, self._max_scale = min_scale, max_scale
        self._dist_ctor = dist_ctor
        self._state_dependent_scale = state_dependent_scale
        self._loc_projection_layer = self._fc(
            d, activation=activation, kernel_init_gain=projection_output_init_gain
        )
        if state_dependent_scale:
            self._scale_projection_layer = self._fc(
                d,
                activation=activation,
                kernel_init_gain=projection_output_init_gain,
                bias_init_value=scale_bias_initializer_value,
            )
        else:
            self._scale = nn.Parameter(torch.full((d,), scale_bias_initializer_value))

    def _scale_pre_activation(self, x: torch.Tensor) -> torch.Tensor:
        if self._state_dependent_scale:
            return self._scale_projection_layer(x)
        return _expand_param(self._scale, x.shape[0])

    def _loc_and_scale_heads(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self._loc_projection_layer(x), self._scale_pre_activation(x)

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[td.Distribution, Nest]:
        x = self._inputs(inputs)
        low, high = self._action("_action_low", x), self._action("_action_high", x)
        mid, half = (high + low) / 2, (high - low) / 2
        a, b = self._loc_and_scale_heads(x)
        loc = mid + half * self._loc_transform(a)
        scale = proper_scale_of(self._scale_transform, b)
        if self._min_scale is not None or self._max_scale is not None:
            scale = scale.clamp(min=self._min_scale, max=self._max_scale)
        dist = self._dist_ctor(loc=loc, scale=scale, lower_bound=low, upper_bound=high)
        return dist, state

    def make_parallel(self, n: int) -> Network:
        raise NotImplementedError(f"{self._name}: TruncatedProjectionNetwork has no parallel form")

    def _make_dist_spec(self) -> DistributionSpec:
        return DistributionSpec("truncated", (), self._action_spec.shape, torch.float32)


# --------------------------------------------------------------------------------------
# categoricals
# --------------------------------------------------------------------------------------


def categorical(logits: torch.Tensor, event_dims: int) -> td.Distribution:
    """``Categorical(logits)``, with the last ``event_dims`` batch dims made the event."""
    dist = Categorical(logits=logits)
    return Independent(dist, event_dims) if event_dims else dist


class CategoricalProjectionNetwork(ProjectionNetwork):
    """``Categorical(logits = W x + b)`` over K categories per action element.

    ``fc_ctor`` builds the logits layer; ``weight_opt_args`` and ``bias_opt_args`` are
    optimizer hints that ALF attaches to the parameters; they are stored on the parameters
    as ``opt_args`` and change nothing here."""

    def __init__(
        self,
        input_size: int,
        action_spec: BoundedTensorSpec,
        fc_ctor: Callable = FC,
        logits_init_output_factor: float = 0.1,
        weight_opt_args: dict | None = None,
        bias_opt_args: dict | None = None,
        name: str = "CategoricalProjectionNetwork",
    ):
        checks.finite(logits_init_output_factor, f"{name} logits_init_output_factor")
        super().__init__(input_size, name)
        k = num_categories(action_spec, name)
        self._action_spec = action_spec
        self._output_shape = (*action_spec.shape, k)
        layer = fc_ctor(
            self._input_size,
            int(np.prod(self._output_shape)),
            kernel_init_gain=logits_init_output_factor,
        )
        for p, args in ((getattr(layer, "weight", None), weight_opt_args),):
            if p is not None and args is not None:
                p.opt_args = args
        bias = getattr(layer, "bias", None)
        if bias is not None and bias_opt_args is not None:
            bias.opt_args = bias_opt_args
        # ALF wraps the layer as a Network: its parameters read _projection_layer._module.*
        self._projection_layer: nn.Module = wrap_as_network(layer, None)

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        layer = self._projection_layer
        y = layer(x)[0] if isinstance(layer, Network) else layer(x)
        return y.reshape(*x.shape[:-1], *self._output_shape)

    def _dist(self, logits: torch.Tensor) -> td.Distribution:
        return categorical(logits, len(self._output_shape) - 1)

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[td.Distribution, Nest]:
        return self._dist(self._logits(self._inputs(inputs))), state

    def make_parallel(self, n: int) -> Network:
        """A ParallelCategoricalProjectionNetwork of n independently initialised replicas."""
        args = self.saved_args
        net = ParallelCategoricalProjectionNetwork(
            args["input_size"],
            args["action_spec"],
            n,
            logits_init_output_factor=args["logits_init_output_factor"],
            name=f"parallel_{self._name}",
        )
        net.set_prototype(self)
        return net

    def _make_dist_spec(self) -> DistributionSpec:
        shape = self._action_spec.shape
        return DistributionSpec("categorical", self._batch(), shape, torch.int64)


class ParallelCategoricalProjectionNetwork(CategoricalProjectionNetwork):
    """n categorical projections; logits ``[B, n, *action_shape, K]`` from one ParallelFC."""

    def __init__(
        self,
        input_size: int,
        action_spec: BoundedTensorSpec,
        n: int,
        fc_ctor: Callable = FC,
        logits_init_output_factor: float = 0.1,
        name: str = "ParallelCategoricalProjectionNetwork",
    ):
        check_positive_int(n, f"{name} n")
        checks.finite(logits_init_output_factor, f"{name} logits_init_output_factor")
        if not (isinstance(fc_ctor, type) and issubclass(fc_ctor, FC)):
            raise ValueError(f"{name}: expected fc_ctor to be alf.layers.FC, got {fc_ctor!r}")
        ProjectionNetwork.__init__(self, input_size, name, n)
        k = num_categories(action_spec, name)
        self._action_spec = action_spec
        self._output_shape = (*action_spec.shape, k)
        self._projection_layer = self._fc(
            int(np.prod(self._output_shape)), kernel_init_gain=logits_init_output_factor
        )

    def make_parallel(self, n: int) -> Network:
        raise ValueError(
            f"{self._name}.make_parallel: expected a non-parallel network, got one with n={self._n}"
        )

    def replica(self, i: int) -> nn.Module:
        if "_prototype" not in self.__dict__:
            args = self.saved_args
            single = CategoricalProjectionNetwork(
                args["input_size"],
                args["action_spec"],
                logits_init_output_factor=args["logits_init_output_factor"],
            )
            self.set_prototype(single)
        return Replicated.replica(self, i)


class OnehotCategoricalProjectionNetwork(ProjectionNetwork):
    """One-hot categorical over K classes; ``mode`` picks the sampler (spec / module doc):
    ``plain`` (no gradient through samples), ``st`` (straight-through), ``gumbel``
    (Gumbel-softmax soft samples at ``gumbel_temperature``), ``st-gumbel`` (its argmax
    with a straight-through gradient)."""

    def __init__(
        self,
        input_size: int,
        action_spec: BoundedTensorSpec,
        logits_init_output_factor: float = 0.1,
        mode: str = "st",
        gumbel_temperature: float = 1.0,
        name: str = "OnehotCategoricalProjectionNetwork",
    ):
        super().__init__(input_size, name)
        k = num_categories(action_spec, name)
        if mode not in ONEHOT_MODES:
            raise ValueError(f"{name}: expected mode in {ONEHOT_MODES}, got {mode!r}")
        checks.finite(logits_init_output_factor, f"{name} logits_init_output_factor")
        checks.positive(gumbel_temperature, f"{name} gumbel_temperature")
        self._action_spec = action_spec
        self._output_shape = (*action_spec.shape, k)
        self._mode, self._tau = mode, gumbel_temperature
        self._projection_layer = self._fc(
            int(np.prod(self._output_shape)), kernel_init_gain=logits_init_output_factor
        )

    def _dist(self, logits: torch.Tensor) -> td.Distribution:
        if self._mode == "plain":
            dist: td.Distribution = dists.OneHotCategorical(logits=logits)
        elif self._mode == "st":
            dist = dists.OneHotCategoricalStraightThrough(logits=logits, validate_args=False)
        else:
            hard = self._mode == "st-gumbel"
            dist = dists.OneHotCategoricalGumbelSoftmax(logits, self._tau, hard)
        extra = len(self._output_shape) - 1
        return dists.Independent(dist, extra) if extra else dist

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[td.Distribution, Nest]:
        x = self._inputs(inputs)
        logits = self._projection_layer(x).reshape(*x.shape[:-1], *self._output_shape)
        return self._dist(logits), state

    def make_parallel(self, n: int) -> Network:
        raise NotImplementedError(f"{self._name}: no parallel form in the spec")

    def _make_dist_spec(self) -> DistributionSpec:
        return DistributionSpec("onehot_categorical", (), self._output_shape, torch.float32)


# --------------------------------------------------------------------------------------
# mixture
# --------------------------------------------------------------------------------------


#: The spec's default state of ``MixtureProjectionNetwork.forward`` (read-only).
MIXTURE_STATE = MappingProxyType({"components": (), "mixture": ()})


class MixtureProjectionNetwork(ProjectionNetwork):
    """``MixtureSameFamily(Categorical(mixture logits), K parallel components)``:
    ``p(y) = sum_k w_k(x) p_k(y | x)``. The components come from
    ``component_ctor(input_size, action_spec).make_parallel(num_components)``, the weights
    from ``mixture_ctor(input_size, BoundedTensorSpec((), int64, 0, K - 1))``.
    """

    def __init__(
        self,
        input_size: int,
        action_spec: TensorSpec,
        num_components: int,
        component_ctor: Callable[[int, TensorSpec], Network],
        mixture_ctor: Callable[[int, BoundedTensorSpec], Network] = CategoricalProjectionNetwork,
        name: str = "mix_proj_net",
    ):
        super().__init__(input_size, name)
        check_positive_int(num_components, f"{name} num_components")
        if not callable(component_ctor):
            raise TypeError(f"{name}: expected a callable component_ctor, got {component_ctor!r}")
        components = component_ctor(input_size, action_spec).make_parallel(num_components)
        mixture = mixture_ctor(
            input_size, BoundedTensorSpec((), torch.int64, 0, num_components - 1)
        )
        self._num_components = num_components
        self._action_spec = action_spec
        self._components_proj = components
        self._mixture_proj = mixture
        self._state_spec = {"components": components.state_spec, "mixture": mixture.state_spec}

    @property
    def num_components(self) -> int:
        return self._num_components

    def _mixture(self, mix: td.Distribution, components: td.Distribution) -> td.Distribution:
        return MixtureSameFamily(mix, components)  # type: ignore[arg-type]

    def forward(self, inputs: Nest, state: Nest = MIXTURE_STATE) -> tuple[td.Distribution, Nest]:
        x = self._inputs(inputs)
        state = state or MIXTURE_STATE
        mix, mix_state = self._mixture_proj(x, state["mixture"])
        components, comp_state = self._components_proj(x, state["components"])
        new_state = {"components": comp_state, "mixture": mix_state}
        return self._mixture(mix, components), new_state

    def make_parallel(self, n: int) -> Network:
        raise NotImplementedError(f"{self._name}: no parallel form in the spec")

    def _make_dist_spec(self) -> DistributionSpec:
        return DistributionSpec("mixture", (), tuple(self._action_spec.shape), torch.float32)
