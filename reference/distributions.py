"""The distributions the projection networks return, built from ``torch.distributions``.

Each class is the plain statement of its density; ``optimized.distributions`` computes the
same numbers in closed, fused form.

* :class:`StableTanh`: the bijector ``y = tanh(x)`` with
  ``log|dy/dx| = log(1 - tanh(x)^2) = 2 (log 2 - x - softplus(-2x))``, the form that stays
  finite for large ``|x|``. Its inverse clamps ``|y|`` to ``1 - eps(dtype)`` (upstream
  clamps to the float64 constant 0.99999997, which rounds to 1 in float32 and gives an
  infinite ``atanh``; the dtype's own epsilon keeps the inverse finite in both dtypes).
* :class:`SquashedDistribution`: ``TransformedDistribution(base, [StableTanh,
  Affine(m, s)])``, the ``scale_distribution`` form ``y = m + s tanh(x)``; its density is
  ``p_Y(y) = p_X(x) / (s (1 - tanh(x)^2))`` with ``x = atanh((y - m) / s)``. ``mode`` is the
  image of the base mode (ALF's convention); mean and entropy have no closed form and are
  left undefined.
* :class:`DiagMultivariateNormal`, :class:`DiagMultivariateCauchy`,
  :class:`DiagMultivariateBeta`: independent per-dimension families, the last dim is the event.
  Cauchy's ``rsample`` clips its uniform noise to ``[-0.49, 0.49]`` before ``tan(pi u)``,
  as upstream does, so samples stay within ``31.8`` scales of the median.
* :class:`AffineTransformedDistribution`: ``y = loc + scale x`` with closed-form mean, mode,
  variance and entropy ``H[Y] = H[X] + sum log|scale|``.
* :class:`TruncatedNormal`: ``N(loc, scale^2)`` restricted to ``[lower, upper]``:
  ``log q(x) = log phi(z) - log scale - log Z``, ``z = (x - loc) / scale``,
  ``Z = Phi(b) - Phi(a)``. ``log Z`` and inverse-CDF sampling are evaluated on the side of
  the interval nearer the normal's centre (an interval entirely above ``loc`` is mirrored),
  with ``log_ndtr``, so bounds many scales into a tail keep a finite, accurate density.
  Beyond ``TAIL_START`` scales (a ``loc`` of ``1e30`` at extreme inputs) ``log Phi``
  itself underflows and ``a``, ``b`` round to one float: density and samples are then
  written relative to the near bound (``log Phi(t) + t^2 / 2`` through ``erfcx``, the
  width from the bounds, samples placed below the bound by Newton on the log-CDF), so a
  sample's own density stays finite (upstream asserts finiteness and fails there).
  (Upstream clips the uniform noise to ``[0.001, 0.999]`` of the *untruncated* CDF, which
  distorts the distribution when the interval sits in a tail; we sample exactly.) Its
  scale is at most ``TRUNCATED_MAX_WIDTHS`` (64) widths of the interval: there a normal
  centred within 8 widths of the interval is uniform on it to within ``2e-3`` of its
  density, and far wider ones make ``Z`` cancel to 0 in float32 (upstream: NaN mean,
  entropy and density).
* One-hot categoricals with straight-through and Gumbel-softmax ``rsample``.

Limits where upstream gives NaN (contract item 7): a saturated scale or concentration
activation underflows to 0 (a softplus or exp of a pre-activation below about -100) or
overflows to inf (an exp above about 90), and upstream's distribution is then improper:
NaN samples, densities, means and entropies. Every scale (std, Cauchy half width,
truncated-normal scale) and every Beta concentration here is taken as
:func:`proper_scale` of what the network computes: clamped into ``[sqrt(tiny),
sqrt(max) / 64]`` of its dtype (``[1.1e-19, 2.9e17]`` in float32), which changes nothing
in between and keeps samples, log-densities and entropies finite at every finite input.
A location computed as a product (StableNormal's ``a * sigma``) is :func:`proper_loc` of
it. A Beta scores a value on a bound of its box as the clamped sample ``[eps, 1 - eps]``
it stands for (upstream: ``+inf`` or NaN once a concentration saturates).

Values given to ``log_prob`` (contract items 6 and 7), one policy for every family here,
in both packages (:func:`scored`): a value whose trailing dims are not the event shape, or
whose leading dims do not broadcast to the batch shape, raises ``ValueError`` always (a
host-side shape check); a value outside the support raises ``ValueError`` while
``torch.distributions``' global switch is on (``Distribution.set_default_validate_args``;
on by default, as in torch) and scores ``-inf`` when it is off (upstream scores NaN, or a
squashed value clipped onto the bound, or a category truncated from ``1.5`` to ``1``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.distributions as td
import torch.nn.functional as F
from torch.distributions import constraints
from torch.types import _size

LOG_2 = math.log(2.0)
HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
CAUCHY_CLIP = 0.49


@dataclass(frozen=True)
class DistributionSpec:
    """What a distribution-valued network returns, outer (batch) dims excluded.

    ``kind`` names the family, ``batch_shape`` the inner batch dims (``(n,)`` for a
    network with ``parallelism=n``), ``event_shape`` one sample's shape and ``dtype`` the
    samples' dtype (the network's float dtype is not part of it).
    """

    kind: str
    batch_shape: tuple[int, ...]
    event_shape: tuple[int, ...]
    dtype: torch.dtype


def proper_scale(scale: torch.Tensor) -> torch.Tensor:
    """``scale`` clamped into ``[sqrt(tiny), sqrt(max) / 64]`` of its dtype (module doc): the
    limit of a scale or concentration that keeps its distribution proper (its square neither
    underflows to 0 nor overflows, even times 64^2)."""
    info = torch.finfo(scale.dtype)
    return scale.clamp(info.tiny**0.5, info.max**0.5 / 64)


def proper_scale_of(
    transform: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor
) -> torch.Tensor:
    """``proper_scale(transform(x))`` for an elementwise ``transform``, with gradient 0 where
    the scale is clamped, as the limit's: where ``transform`` overflows (``exp`` of a large
    ``x``, ``1 / softplus(x)`` of a very negative one) its derivative is infinite too, and
    the clamp's zero gradient times it would be NaN. Those elements are differentiated at
    ``x = 0`` instead, and their value is the clamped one (a NaN ``x`` stays NaN)."""
    info = torch.finfo(x.dtype)
    with torch.no_grad():
        raw = transform(x)
        clamped = (raw < info.tiny**0.5) | (raw > info.max**0.5 / 64)
        limit = proper_scale(raw)
    return torch.where(clamped, limit, transform(torch.where(clamped, 0.0, x)))


def proper_loc(loc: torch.Tensor) -> torch.Tensor:
    """``loc`` clamped into ``+-sqrt(max)`` of its dtype (``1.8e19`` in float32): a location
    that overflowed (a product of two large factors) stays one whose samples
    ``loc + scale * eps`` are finite for every :func:`proper_scale` and whose squashed
    log-density, a sum of about ``2 |x|`` over the event's dims, is too (at ``+-max / 4`` two
    dims already summed to ``+inf``)."""
    bound = torch.finfo(loc.dtype).max ** 0.5
    return loc.clamp(-bound, bound)


def validating() -> bool:
    """Whether ``log_prob`` checks values against the support: torch.distributions' global
    switch (``Distribution.set_default_validate_args``; on unless Python runs with -O)."""
    return bool(td.Distribution._validate_args)


def check_value_shape(dist: td.Distribution, value: object) -> torch.Tensor:
    """``value`` must be a tensor ``[*sample, *batch', *event]`` with ``batch'``
    broadcastable to the batch shape (module doc); returned as is."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"log_prob: expected a torch.Tensor value, got {type(value).__name__}")
    event, batch, shape = tuple(dist.event_shape), tuple(dist.batch_shape), tuple(value.shape)
    lead = shape[: len(shape) - len(event)]
    fits = len(shape) >= len(event) and shape[len(lead) :] == event
    fits = fits and all(g == w or g == 1 or w == 1 for g, w in zip(lead[::-1], batch[::-1]))
    if not fits:
        raise ValueError(
            f"log_prob: expected a value [*sample, *{list(batch)} (batch), *{list(event)} "
            f"(event)], got shape {list(shape)}"
        )
    return value


def outside_support(dist: td.Distribution, value: torch.Tensor) -> torch.Tensor:
    """Which events of ``value`` lie outside ``dist.support``: ``[*sample, *batch]``. A NaN
    is not a value outside the support: it propagates (contract item 7). An
    ``independent`` (or mixture's) support is checked elementwise and reduced by name:
    torch's own reduction cannot reshape an empty batch."""
    support: Any = dist.support
    while hasattr(support, "base_constraint"):
        support = support.base_constraint
    lead = value.dim() - len(dist.event_shape)
    inside = support.check(value)
    if inside.dim() > lead:
        inside = inside.all(dim=tuple(range(lead, inside.dim())))
    nan = torch.isnan(value)
    if nan.dim() > lead:
        nan = nan.any(dim=tuple(range(lead, nan.dim())))
    return ~inside & ~nan


def scored(
    dist: td.Distribution, value: torch.Tensor, log_prob: Callable[[torch.Tensor], torch.Tensor]
) -> torch.Tensor:
    """``log_prob(value)`` under the module's value policy: the shape checked, a value
    outside the support rejected (:func:`validating`) or scored ``-inf``. ``log_prob`` gets
    ``value`` itself (a squashed family may find a fresh sample's pre-image by identity)."""
    check_value_shape(dist, value)
    outside = outside_support(dist, value)
    if validating():
        if bool(outside.any()):
            raise ValueError(
                f"log_prob: expected values in the support {dist.support} of "
                f"{type(dist).__name__}, got {int(outside.sum())} outside, e.g. "
                f"{value.detach().reshape(-1)[:4].tolist()}"
            )
        return log_prob(value)
    return log_prob(value).masked_fill(outside, -math.inf)


# --------------------------------------------------------------------------------------
# bijectors
# --------------------------------------------------------------------------------------


class StableTanh(td.Transform):
    """``y = tanh(x)`` with the overflow-free log-det ``2 (log 2 - x - softplus(-2x))``."""

    domain = constraints.real
    codomain = constraints.interval(-1.0, 1.0)
    bijective = True
    sign = +1

    def __init__(self, cache_size: int = 1):
        # The cache lets log_prob of a fresh sample reuse its pre-image exactly.
        super().__init__(cache_size=cache_size)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StableTanh)

    def __hash__(self) -> int:
        return hash(StableTanh)

    def _call(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x)

    def _inverse(self, y: torch.Tensor) -> torch.Tensor:
        """``atanh`` of ``y`` clamped into ``+-(1 - eps)``: a value on a bound of the action
        box can land a rounding outside ``[-1, 1]`` after the affine map's inverse (and
        would give NaN); values truly outside the support never get here (``scored``)."""
        limit = 1.0 - torch.finfo(y.dtype).eps
        return torch.atanh(y.clamp(-limit, limit))

    def log_abs_det_jacobian(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return 2.0 * (LOG_2 - x - F.softplus(-2.0 * x))

    def with_cache(self, cache_size: int = 1) -> StableTanh:
        return self if self._cache_size == cache_size else StableTanh(cache_size)

    def __deepcopy__(self, memo: dict) -> StableTanh:
        """A fresh transform: the ``(x, y)`` cache is not copied. One instance is every
        network's default, and its cache may hold the autograd graph of the last
        ``rsample``, which ``copy.deepcopy`` of a network cannot copy (contract item 7)."""
        return StableTanh(self._cache_size)


class ClampedAffineTransform(td.AffineTransform):
    """``y = clamp(loc + scale x, low, high)``: the affine map onto the action box, with the
    rounding of ``loc + scale x`` (``loc - scale`` need not equal ``low`` in floating point)
    kept inside the box. The log-det is the affine one, ``log|scale|``."""

    def __init__(
        self,
        loc: torch.Tensor,
        scale: torch.Tensor,
        low: torch.Tensor,
        high: torch.Tensor,
        event_dim: int = 1,
        cache_size: int = 0,
    ):
        super().__init__(loc, scale, event_dim=event_dim, cache_size=cache_size)
        self.low, self.high = low, high

    @property
    def codomain(self) -> constraints.Constraint:  # type: ignore[override]
        """The box ``[low, high]`` (a distribution ending in this map has it as support)."""
        box = constraints.interval(self.low, self.high)
        return constraints.independent(box, self.event_dim) if self.event_dim else box

    def _call(self, x: torch.Tensor) -> torch.Tensor:
        return torch.minimum(torch.maximum(super()._call(x), self.low), self.high)

    def with_cache(self, cache_size: int = 1) -> ClampedAffineTransform:
        if self._cache_size == cache_size:
            return self
        return ClampedAffineTransform(
            self.loc,  # type: ignore[arg-type]
            self.scale,  # type: ignore[arg-type]
            self.low,
            self.high,
            self.event_dim,
            cache_size,
        )


# --------------------------------------------------------------------------------------
# continuous families
# --------------------------------------------------------------------------------------


def sum_rightmost(x: torch.Tensor, dims: int) -> torch.Tensor:
    """``x`` summed over its last ``dims`` dims (an empty batch too)."""
    return x.sum(dim=tuple(range(-dims, 0))) if dims else x


class Independent(td.Independent):
    """``torch.distributions.Independent`` whose log_prob and entropy sum over named dims:
    torch's ``reshape(..., -1)`` cannot reshape an empty batch (contract item 7)."""

    def __init__(
        self,
        base_dist: td.Distribution,
        reinterpreted_batch_ndims: int,
        validate_args: bool | None = None,
    ):
        super().__init__(base_dist, reinterpreted_batch_ndims, validate_args=False)

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        n = self.reinterpreted_batch_ndims
        return scored(self, value, lambda v: sum_rightmost(self.base_dist.log_prob(v), n))

    def entropy(self) -> torch.Tensor:
        return sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)


class TransformedDistribution(td.TransformedDistribution):
    """``torch.distributions.TransformedDistribution`` (unchecked) whose log_prob sums over
    named dims, so an empty batch scores too: ``log p(y) = log p_X(x) - sum_t log|J_t|``,
    inverting the transforms from the last, each log-det summed over the event dims it
    does not already reduce."""

    def __init__(
        self,
        base_dist: td.Distribution,
        transforms: td.Transform | list,
        validate_args: bool | None = None,
    ):
        super().__init__(base_dist, transforms, validate_args=False)

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        return scored(self, value, self._log_prob)

    def _log_prob(self, value: torch.Tensor) -> torch.Tensor:
        event_dim = len(self.event_shape)
        log_prob: torch.Tensor | float = 0.0
        y = value
        for transform in reversed(self.transforms):
            x = transform.inv(y)
            event_dim += transform.domain.event_dim - transform.codomain.event_dim
            log_det = transform.log_abs_det_jacobian(x, y)
            log_prob = log_prob - sum_rightmost(log_det, event_dim - transform.domain.event_dim)
            y = x
        base = self.base_dist.log_prob(y)
        return log_prob + sum_rightmost(base, event_dim - len(self.base_dist.event_shape))


class ComposeTransform(td.ComposeTransform):
    """``torch.distributions.ComposeTransform`` whose log-det sums over named dims (an
    empty batch too)."""

    def log_abs_det_jacobian(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if not self.parts:
            return torch.zeros_like(x)
        xs = [x]
        for part in self.parts[:-1]:
            xs.append(part(xs[-1]))
        xs.append(y)
        total: torch.Tensor | float = 0.0
        event_dim = self.domain.event_dim
        for part, x_in, y_out in zip(self.parts, xs[:-1], xs[1:]):
            log_det = part.log_abs_det_jacobian(x_in, y_out)
            total = total + sum_rightmost(log_det, event_dim - part.domain.event_dim)
            event_dim += part.codomain.event_dim - part.domain.event_dim
        assert isinstance(total, torch.Tensor)
        return total


class _Diagonal(Independent):
    """An elementwise location-scale family, independent over the last axis."""

    @property
    def loc(self) -> torch.Tensor:
        return self.base_dist.loc

    @property
    def scale(self) -> torch.Tensor:
        return self.base_dist.scale

    @property
    def mode(self) -> torch.Tensor:
        return self.base_dist.loc


class DiagMultivariateNormal(_Diagonal):
    """Independent ``N(loc_i, scale_i^2)`` per dimension of the last axis."""

    def __init__(self, loc: torch.Tensor, scale: torch.Tensor):
        normal = td.Normal(loc, proper_scale(scale), validate_args=False)
        super().__init__(normal, 1)

    @property
    def stddev(self) -> torch.Tensor:
        return self.base_dist.stddev


class StableCauchy(td.Cauchy):
    """Cauchy whose reparameterised sample clips the noise: ``loc + scale tan(pi u)``,
    ``u ~ U(-0.5, 0.5)`` clipped to ``[-0.49, 0.49]``."""

    def rsample(self, sample_shape: _size = ()) -> torch.Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        u = torch.rand(shape, dtype=self.loc.dtype, device=self.loc.device) - 0.5
        u = u.clamp(-CAUCHY_CLIP, CAUCHY_CLIP)
        return self.loc + self.scale * torch.tan(math.pi * u)


class DiagMultivariateCauchy(_Diagonal):
    """Independent Cauchy(median ``loc_i``, half width ``scale_i``) per dimension."""

    def __init__(self, loc: torch.Tensor, scale: torch.Tensor):
        cauchy = StableCauchy(loc, proper_scale(scale), validate_args=False)
        super().__init__(cauchy, 1)

    @property
    def mean(self) -> torch.Tensor:
        raise NotImplementedError("a Cauchy distribution has no mean")

    @property
    def variance(self) -> torch.Tensor:
        raise NotImplementedError("a Cauchy distribution has no variance")


#: Dtypes torch has no kernels for in a Beta's sampler (``dirichlet``) or in ``log_ndtr``
#: (a truncated normal's mass) on CPU.
HALF_DTYPES = (torch.float16, torch.bfloat16)


def check_full_precision(param: torch.Tensor, what: str) -> None:
    """A Beta's or a truncated normal's parameters must be float32 or float64: in float16 or
    bfloat16 torch raises a bare ``NotImplementedError`` from deep inside (``"dirichlet" not
    implemented for 'Half'``), and only for some methods; this rejects the dtype at
    construction, with what to use instead."""
    if param.dtype in HALF_DTYPES:
        raise TypeError(
            f"{what}: expected float32 or float64 parameters (torch implements the "
            f"distribution's kernels only for those; cast with .float()), got {param.dtype}"
        )


class Beta(td.Beta):
    """Beta(``concentration1`` = alpha, ``concentration0`` = beta) keeping the very tensors
    it was given (so a gradient hook on them sees their gradient), with samples clamped to
    ``[eps, 1 - eps]`` and the mode ``(a - 1) / (a + b - 2)`` (``0`` or ``1`` when a
    concentration is below 1, by which is larger)."""

    def __init__(self, concentration1: torch.Tensor, concentration0: torch.Tensor):
        check_full_precision(concentration1, "Beta concentration1")
        self._alpha, self._beta = concentration1, concentration0
        super().__init__(concentration1, concentration0, validate_args=False)
        self._eps = torch.finfo(concentration1.dtype).eps

    @property
    def concentration1(self) -> torch.Tensor:
        return self._alpha

    @property
    def concentration0(self) -> torch.Tensor:
        return self._beta

    @property
    def mode(self) -> torch.Tensor:
        a, b = self._alpha, self._beta
        interior = (a - 1) / (a + b - 2)
        edge = (a >= b).to(a.dtype)
        return torch.where((a > 1) & (b > 1), interior, edge)

    def rsample(self, sample_shape: _size = ()) -> torch.Tensor:
        x = super().rsample(torch.Size(sample_shape))
        return x.clamp(self._eps, 1 - self._eps)

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        """The density at ``value`` clamped into ``[eps, 1 - eps]``, where samples are: a
        value on a bound (a sample that rounded there after an affine map) scores as the
        clamped sample it stands for, finite where upstream gives ``+inf`` (a concentration
        below 1) or NaN."""
        return super().log_prob(value.clamp(self._eps, 1 - self._eps))


class DiagMultivariateBeta(Independent):
    """Independent Beta(alpha_i, beta_i) per dimension of the last axis."""

    def __init__(self, concentration1: torch.Tensor, concentration0: torch.Tensor):
        alpha, beta = proper_scale(concentration1), proper_scale(concentration0)
        super().__init__(Beta(alpha, beta), 1)

    @property
    def concentration1(self) -> torch.Tensor:
        return self.base_dist.concentration1

    @property
    def concentration0(self) -> torch.Tensor:
        return self.base_dist.concentration0

    @property
    def mode(self) -> torch.Tensor:
        return self.base_dist.mode


class AffineTransformedDistribution(TransformedDistribution):
    """``Y = loc + scale X``: ``E[Y] = loc + scale E[X]``, ``mode(Y) = loc + scale mode(X)``,
    ``Var[Y] = scale^2 Var[X]``, ``H[Y] = H[X] + sum_event log|scale|``."""

    def __init__(
        self,
        base_dist: td.Distribution,
        loc: torch.Tensor,
        scale: torch.Tensor,
        high: torch.Tensor | None = None,
    ):
        event_dim = len(base_dist.event_shape)
        transform: td.Transform
        if high is None:
            transform = td.AffineTransform(loc, scale, event_dim=event_dim)
        else:  # samples clamped into [loc, high], the box this maps [0, 1] onto
            transform = ClampedAffineTransform(loc, scale, loc, high, event_dim=event_dim)
        super().__init__(base_dist, transform)
        self.loc, self.scale, self.high = loc, scale, high

    @property
    def support(self) -> constraints.Constraint:
        """The box ``[loc, high]`` where ``high`` is given (a Beta mapped onto the action box)."""
        if self.high is None:
            return super().support
        return constraints.independent(constraints.interval(self.loc, self.high), 1)

    def _box(self, y: torch.Tensor) -> torch.Tensor:
        if self.high is None:
            return y
        return torch.minimum(torch.maximum(y, self.loc), self.high)

    @property
    def mean(self) -> torch.Tensor:
        return self._box(self.loc + self.scale * self.base_dist.mean)

    @property
    def mode(self) -> torch.Tensor:
        return self._box(self.loc + self.scale * self.base_dist.mode)

    @property
    def variance(self) -> torch.Tensor:
        return self.scale**2 * self.base_dist.variance

    @property
    def stddev(self) -> torch.Tensor:
        return self.scale.abs() * self.base_dist.stddev

    def entropy(self) -> torch.Tensor:
        log_scale = self.scale.abs().log().expand(self.base_dist.event_shape)
        return self.base_dist.entropy() + log_scale.sum()


class SquashedDistribution(TransformedDistribution):
    """``Y = clamp(m + s tanh(X), low, high)`` for a base ``X`` with a real support
    (scale_distribution), ``m = (high + low) / 2``, ``s = (high - low) / 2``."""

    def __init__(
        self,
        base_dist: td.Distribution,
        low: torch.Tensor,
        high: torch.Tensor,
        squashing: td.Transform | None = None,
    ):
        mean, magnitude = (high + low) / 2, (high - low) / 2
        transforms = [
            squashing if squashing is not None else StableTanh(),
            # cached, like the squashing, so log_prob of a fresh sample finds its exact
            # pre-image even where it rounded onto a bound
            ClampedAffineTransform(mean, magnitude, low, high, event_dim=1, cache_size=1),
        ]
        super().__init__(base_dist, transforms)
        self.low, self.high = low, high
        self.action_mean, self.action_magnitude = mean, magnitude

    @property
    def mode(self) -> torch.Tensor:
        y = self.base_dist.mode
        for t in self.transforms:
            y = t(y)
        return y


# --------------------------------------------------------------------------------------
# truncated normal
# --------------------------------------------------------------------------------------


def log1mexp(t: torch.Tensor) -> torch.Tensor:
    """``log(1 - exp(t))`` for ``t <= 0``, accurate near 0 and for very negative ``t``."""
    return torch.where(t > -LOG_2, torch.log(-torch.expm1(t)), torch.log1p(-torch.exp(t)))


def standard_interval(
    loc: torch.Tensor, scale: torch.Tensor, lower: torch.Tensor, upper: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The standardised bounds ``(a, b)`` mirrored, where the whole interval lies above the
    centre, to ``(-b, -a)`` (so ``a <= 0`` or ``b <= 0``), and the mirror flag."""
    a, b = (lower - loc) / scale, (upper - loc) / scale
    flip = a > 0
    return torch.where(flip, -b, a), torch.where(flip, -a, b), flip


def log_normal_mass(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``log(Phi(b) - Phi(a))`` for ``a < b`` with ``a <= 0`` or ``b <= 0``:
    ``log Phi(b) + log(1 - exp(log Phi(a) - log Phi(b)))``."""
    log_b = torch.special.log_ndtr(b)
    return log_b + log1mexp(torch.special.log_ndtr(a) - log_b)


#: Where the mirrored interval's near bound ``b`` lies below ``TAIL_START`` (in scales from
#: ``loc``), the truncated normal's density and samples are computed relative to ``b``
#: (module doc: ``log Phi`` alone underflows there, to ``-inf`` in float32 from ``b ~ -1e19``).
TAIL_START = -4.0
#: Newton steps of the tail sampler: from ``delta = 0`` on the convex ``f`` below, with
#: ``|b| >= 4``, three reach float64 precision; eight leave a margin.
TAIL_NEWTON_STEPS = 8
SQRT_HALF = math.sqrt(0.5)
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def log_ndtr_scaled(t: torch.Tensor) -> torch.Tensor:
    """``h(t) = log Phi(t) + t^2 / 2 = log(erfcx(-t / sqrt 2) / 2)`` for ``t <= 0``: finite
    (about ``-log|t| - log sqrt(2 pi)``) where ``log Phi(t)`` itself underflows."""
    return torch.log(torch.special.erfcx(-t * SQRT_HALF) / 2)


def tail_log_mass_ratio(b: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """``log Phi(a) - log Phi(b) = w (2 b - w) / 2 + h(a) - h(b)`` for ``a = b - w``,
    ``w > 0``, ``b <= 0``: the difference of squares factored, and the standardised width
    ``w`` taken from the bounds themselves (``a`` and ``b`` of ``1e30`` round to one float),
    so that it stays finite and accurate at any ``b``."""
    return 0.5 * w * (2 * b - w) + log_ndtr_scaled(b - w) - log_ndtr_scaled(b)


def tail_offset(b: torch.Tensor, w: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """The inverse CDF in the tail, as the distance ``delta >= 0`` below the near bound
    ``b <= 0`` of the interval ``[a, b] = [b - w, b]``: ``z = b - delta`` solves
    ``Phi(z) = Phi(a) + u (Phi(b) - Phi(a))``, i.e.
    ``f(delta) = delta (delta - 2 b) / 2 - (h(b - delta) - h(b)) + log r = 0`` with
    ``log r = log(u + (1 - u) Phi(a) / Phi(b))``, by Newton from ``delta = 0`` (``f`` is
    increasing and convex: the iterates pass the root once, then fall onto it), with
    ``f'(delta) = delta - b + h'(b - delta)``, ``h'(t) = sqrt(2 / pi) / erfcx(-t / sqrt 2) + t``;
    clamped to ``w`` (the far bound ``a``)."""
    log_r = torch.logaddexp(tail_log_mass_ratio(b, w) + torch.log1p(-u), torch.log(u))
    h_b = log_ndtr_scaled(b)
    delta = torch.zeros_like(log_r)
    for _ in range(TAIL_NEWTON_STEPS):
        t = b - delta
        f = 0.5 * delta * (delta - 2 * b) - (log_ndtr_scaled(t) - h_b) + log_r
        slope = delta - b + SQRT_2_OVER_PI / torch.special.erfcx(-t * SQRT_HALF) + t
        delta = (delta - f / slope).clamp(min=0)
    return torch.minimum(delta, w)


#: The largest scale of a truncated normal, in widths of its interval (module doc).
TRUNCATED_MAX_WIDTHS = 64


class TruncatedNormal(td.Distribution):
    """``N(loc, scale^2)`` truncated to ``[lower_bound, upper_bound]`` (the last ``event``
    dims, shaped like the bounds, form the event). Like upstream ALF's
    ``TruncatedDistribution`` it defines ``mode`` but no ``mean`` or ``entropy`` (torch's
    ``NotImplementedError``): the spec promises neither."""

    arg_constraints: ClassVar[dict] = {"loc": constraints.real, "scale": constraints.positive}
    has_rsample = True

    def __init__(
        self,
        loc: torch.Tensor,
        scale: torch.Tensor,
        lower_bound: torch.Tensor,
        upper_bound: torch.Tensor,
    ):
        check_full_precision(loc, "TruncatedNormal loc")
        event_shape = torch.broadcast_shapes(lower_bound.shape, upper_bound.shape)
        shape = torch.broadcast_shapes(loc.shape, scale.shape, event_shape)
        batch_shape = shape[: len(shape) - len(event_shape)]
        self.lower_bound = lower_bound.to(loc)
        self.upper_bound = upper_bound.to(loc)
        width = self.upper_bound - self.lower_bound
        self.loc = loc
        self.scale = torch.minimum(proper_scale(scale), TRUNCATED_MAX_WIDTHS * width)
        super().__init__(batch_shape, event_shape, validate_args=False)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.interval(self.lower_bound, self.upper_bound)

    def _reduce(self, x: torch.Tensor) -> torch.Tensor:
        n = len(self.event_shape)
        return x.sum(dim=tuple(range(-n, 0))) if n else x

    def _standard(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return standard_interval(self.loc, self.scale, self.lower_bound, self.upper_bound)

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        return scored(self, value, self._log_prob)

    def _width(self) -> torch.Tensor:
        """The interval's width in scales, ``b - a``, from the bounds (not from ``a``, ``b``)."""
        return (self.upper_bound - self.lower_bound) / self.scale

    def _near_bound(self, flip: torch.Tensor) -> torch.Tensor:
        """The bound of the mirrored frame's ``b``: the upper one, the lower where mirrored."""
        return torch.where(flip, self.lower_bound, self.upper_bound)

    def _log_prob(self, value: torch.Tensor) -> torch.Tensor:
        """``log q = -z^2 / 2 - log sqrt(2 pi) - log scale - log Z``; in the tail (``b <
        TAIL_START``) the same with ``z^2 / 2 + log Phi(b)`` regrouped around the near bound:
        ``-d (d + 2 b) / 2 - h(b) - log(1 - Phi(a) / Phi(b))``, ``d = z - b`` measured from
        the bound itself (``(value - bound) / scale``, mirrored), so ``loc`` of ``1e30``
        cancels in neither ``d`` nor ``z^2 - b^2``. Each branch reads inputs that are safe
        where it is not selected (finite values and gradients)."""
        a, b, flip = self._standard()
        tail = b < TAIL_START
        a_in, b_in = torch.where(tail, -1.0, a), torch.where(tail, 0.0, b)
        z = torch.where(tail, 0.0, (value - self.loc) / self.scale)
        inside = -0.5 * z * z - log_normal_mass(a_in, b_in)
        b_t, w = torch.where(tail, b, TAIL_START), self._width()
        near = self._near_bound(flip)
        d = torch.where(flip, near - value, value - near) / self.scale
        outside = (
            -0.5 * d * (d + 2 * b_t) - log_ndtr_scaled(b_t) - log1mexp(tail_log_mass_ratio(b_t, w))
        )
        log_q = torch.where(tail, outside, inside) - HALF_LOG_2PI - self.scale.log()
        return self._reduce(log_q)

    def rsample(self, sample_shape: _size = ()) -> torch.Tensor:
        """Inverse CDF, in float64: ``z = Phi^-1(Phi(a) + u (Phi(b) - Phi(a)))``, written in
        log space as ``log Phi(z) = logaddexp(log Phi(a) + log(1 - u), log Phi(b) + log u)``;
        in the tail (``b < TAIL_START``, where ``Phi(z)`` underflows) by
        :func:`tail_offset`, below the near bound. As in :meth:`_log_prob`, the inside form
        reads a safe interval where the tail form is selected: there ``Phi(z)`` underflows,
        ``z`` is ``-inf`` before its clamp, and its gradient would be NaN."""
        shape = self._extended_shape(torch.Size(sample_shape))
        a, b, flip = self._standard()
        a, b = a.double(), b.double()
        tail = b < TAIL_START
        a_in, b_in = torch.where(tail, -1.0, a), torch.where(tail, 0.0, b)
        u = torch.rand(shape, dtype=torch.float64, device=self.loc.device)
        log_phi = torch.logaddexp(
            torch.special.log_ndtr(a_in) + torch.log1p(-u),
            torch.special.log_ndtr(b_in) + torch.log(u),
        )
        z = torch.special.ndtri(log_phi.exp())
        z = torch.minimum(torch.maximum(z, a_in), b_in)
        z = torch.where(flip, -z, z).to(self.loc.dtype)
        x = self.loc + self.scale * z
        # in the tail, ``x`` is placed from its near bound (``loc + scale z`` would cancel)
        b_t = torch.where(tail, b, TAIL_START)
        delta = self.scale * tail_offset(b_t, self._width().double(), u).to(self.loc.dtype)
        near = self._near_bound(flip)
        x = torch.where(tail, torch.where(flip, near + delta, near - delta), x)
        return torch.minimum(torch.maximum(x, self.lower_bound), self.upper_bound)

    @property
    def mode(self) -> torch.Tensor:
        lo, hi = self.lower_bound, self.upper_bound
        return torch.minimum(torch.maximum(self.loc, lo), hi).expand(self._extended_shape())


# --------------------------------------------------------------------------------------
# one-hot categoricals
# --------------------------------------------------------------------------------------


def straight_through_mode(logits: torch.Tensor, probs: torch.Tensor) -> torch.Tensor:
    """One-hot of ``argmax logits`` whose gradient is that of ``probs`` (straight-through)."""
    hard = F.one_hot(logits.argmax(-1), logits.shape[-1]).to(probs)
    return hard + probs - probs.detach()


def finite_logits(logits: torch.Tensor | None) -> torch.Tensor | None:
    """``logits`` with ``+-inf`` (a linear layer that overflowed at inputs such as
    ``1e300``) clamped to ``+-finfo.max``: the categories whose logit overflowed share the
    mass instead of every probability being ``inf - inf = NaN``. Finite logits (and their
    gradients) are unchanged; NaN stays NaN."""
    if logits is None or not logits.is_floating_point():
        return logits
    big = torch.finfo(logits.dtype).max
    return logits.clamp(-big, big)


class OneHotCategorical(td.OneHotCategorical):
    """``torch.distributions.OneHotCategorical`` whose inner Categorical is built unchecked
    (torch checks it always, and its check cannot reshape an empty batch)."""

    def __init__(
        self,
        probs: torch.Tensor | None = None,
        logits: torch.Tensor | None = None,
        validate_args: bool | None = None,
    ):
        self._categorical = td.Categorical(probs, finite_logits(logits), validate_args=False)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        td.Distribution.__init__(self, batch_shape, event_shape, validate_args=False)

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        return scored(self, value, super().log_prob)


class Categorical(td.Categorical):
    """``torch.distributions.Categorical`` (unchecked) under the module's value policy; a
    value outside ``0..K-1`` (or not whole) is scored on a clamped index, then ``-inf``.
    Overflowed ``+-inf`` logits count as ``+-finfo.max`` (:func:`finite_logits`)."""

    def __init__(
        self,
        probs: torch.Tensor | None = None,
        logits: torch.Tensor | None = None,
        validate_args: bool | None = None,
    ):
        # torch's own check is never run (``validate_args`` is accepted for torch's
        # signature, e.g. a copy made with ``type(d)(logits=..., validate_args=False)``)
        super().__init__(probs, finite_logits(logits), validate_args=False)

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        k = self._num_events
        return scored(self, value, lambda v: super(Categorical, self).log_prob(v.clamp(0, k - 1)))


class Bernoulli(td.Bernoulli):
    """``torch.distributions.Bernoulli`` (unchecked) under the module's value policy."""

    def __init__(
        self,
        probs: torch.Tensor | None = None,
        logits: torch.Tensor | None = None,
        validate_args: bool | None = None,
    ):
        super().__init__(probs, logits, validate_args=False)

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        return scored(self, value, super().log_prob)


class MixtureSameFamily(td.MixtureSameFamily):
    """``torch.distributions.MixtureSameFamily`` (unchecked) under the module's value
    policy."""

    def __init__(
        self,
        mixture: td.Categorical,
        components: td.Distribution,
        validate_args: bool | None = None,
    ):
        super().__init__(mixture, components, validate_args=False)

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        return scored(self, value, super().log_prob)


class OneHotCategoricalStraightThrough(OneHotCategorical, td.OneHotCategoricalStraightThrough):
    """One-hot samples whose ``rsample`` and ``mode`` pass the gradient of ``probs``."""

    @property
    def mode(self) -> torch.Tensor:
        return straight_through_mode(self.logits, self.probs)


class OneHotCategoricalGumbelSoftmax(OneHotCategorical):
    """One-hot categorical whose ``rsample`` is the Gumbel-softmax relaxation
    ``softmax((logits + g) / tau)``, ``g ~ Gumbel(0, 1)`` (made one-hot with a
    straight-through gradient when ``hard_sample``)."""

    has_rsample = True
    #: relaxed samples live on the simplex; log_prob scores their argmax (upstream's)
    support = constraints.simplex  # type: ignore[assignment]

    def __init__(self, logits: torch.Tensor, tau: float = 1.0, hard_sample: bool = True):
        super().__init__(logits=logits, validate_args=False)
        self._tau, self._hard_sample = tau, hard_sample

    def rsample(self, sample_shape: _size = ()) -> torch.Tensor:
        logits = self.logits.expand(self._extended_shape(torch.Size(sample_shape)))
        return F.gumbel_softmax(logits, tau=self._tau, hard=self._hard_sample, dim=-1)

    @property
    def mode(self) -> torch.Tensor:
        return straight_through_mode(self.logits, self.probs)
