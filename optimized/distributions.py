"""Fused forms of ``reference.distributions``: same numbers, far fewer tensor ops.

Every class computes ``log_prob`` / ``rsample`` / ``entropy`` in one closed expression
instead of a chain of ``torch.distributions`` objects (no argument validation, no
per-transform bookkeeping), and the squashed forms remember the pre-image of their last
reparameterised sample, so ``log_prob(rsample())`` skips the ``atanh``:

* :class:`SquashedNormal`: ``y = clamp(m + s tanh(x), low, high)``, ``x = loc + scale e``,
  ``log p(y) = sum(-e^2/2 - log scale - log sqrt(2 pi) - 2 (log 2 - x - softplus(-2x))
  - log s)``;
* :class:`SquashedCauchy`: the same with ``x = loc + scale tan(pi u)`` (``u`` clipped to
  ``[-0.49, 0.49]``) and ``log p_X(x) = -log(pi scale (1 + z^2))``;
* :class:`DiagMultivariateNormal` / :class:`DiagMultivariateCauchy`: one expression each;
* :class:`AffineBeta`: ``y = low + range u``, ``u ~ Beta(a, b)`` drawn as torch's Beta (implicit
  reparameterisation), ``log p(y) = sum((a-1) log u + (b-1) log(1-u) - B(a, b) - log range)``,
  entropy ``sum(log B(a,b) - (a-1) psi(a) - (b-1) psi(b) + (a+b-2) psi(a+b) + log range)``.

Scales and concentrations are the reference's ``proper_scale`` of the network's (the limits
where upstream is improper). Every ``log_prob`` follows the reference's value policy through
its ``scored`` (shapes always checked on the host; the support behind torch's validation
switch, else ``-inf``).
The truncated normal and the categoricals are the reference's own classes: they are already
closed-form (``log_ndtr`` / inverse-CDF) or single torch objects.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import torch
import torch.distributions as td
import torch.nn.functional as F
from torch.distributions import constraints
from torch.types import _size

from reference import distributions as ref
from reference.distributions import (
    CAUCHY_CLIP,
    HALF_LOG_2PI,
    LOG_2,
    TAIL_START,
    AffineTransformedDistribution,
    Beta,
    ClampedAffineTransform,
    DiagMultivariateBeta,
    DistributionSpec,
    Independent,
    OneHotCategorical,
    OneHotCategoricalGumbelSoftmax,
    SquashedDistribution,
    StableTanh,
    check_value_shape,
    log1mexp,
    log_ndtr_scaled,
    log_normal_mass,
    proper_scale,
    scored,
    standard_interval,
    tail_log_mass_ratio,
    tail_offset,
)

__all__ = [
    "AffineBeta",
    "AffineTransformedDistribution",
    "Beta",
    "ClampedAffineTransform",
    "DiagMultivariateBeta",
    "DiagMultivariateCauchy",
    "DiagMultivariateNormal",
    "DistributionSpec",
    "Independent",
    "OneHotCategorical",
    "OneHotCategoricalGumbelSoftmax",
    "OneHotCategoricalStraightThrough",
    "SquashedCauchy",
    "SquashedDistribution",
    "SquashedNormal",
    "StableTanh",
    "TruncatedNormal",
    "log_normal_mass",
]

LOG_PI = math.log(math.pi)


def normal_log_density(x: torch.Tensor, loc: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Elementwise ``-(x - loc)^2 / (2 scale^2) - log scale - log sqrt(2 pi)`` (the
    reference's grouping, so float32 rounding agrees)."""
    return -((x - loc) ** 2) / (2 * scale * scale) - scale.log() - HALF_LOG_2PI


def cauchy_log_density(x: torch.Tensor, loc: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Elementwise ``-log pi - log scale - log(1 + ((x - loc) / scale)^2)``."""
    return -LOG_PI - scale.log() - (((x - loc) / scale) ** 2).log1p()


class _Diag(td.Distribution):
    """Shared shape bookkeeping: ``loc`` ``[*batch, d]``, ``scale`` broadcastable to it (a
    state-independent scale stays ``[d]`` / ``[n, d]``, so its transforms and logs run on d
    numbers, not B*d), event ``[d]``."""

    has_rsample = True
    arg_constraints: ClassVar[dict] = {}
    support = constraints.real

    def __init__(self, loc: torch.Tensor, scale: torch.Tensor):
        self.loc, self._scale = loc, proper_scale(scale)
        super().__init__(loc.shape[:-1], loc.shape[-1:], validate_args=False)

    @property
    def scale(self) -> torch.Tensor:
        return self._scale.expand(self.loc.shape)

    def _log_scale_sum(self) -> torch.Tensor:
        """``sum_d log scale_d``, per row when the scale is per row."""
        return self._scale.log().sum(-1)

    def _shape(self, sample_shape: _size) -> torch.Size:
        return torch.Size(sample_shape) + self.loc.shape

    def expand(self, batch_shape, _instance=None):  # type: ignore[no-untyped-def]
        shape = torch.Size(batch_shape) + self.event_shape
        return type(self)(self.loc.expand(shape), self.scale.expand(shape))


class DiagMultivariateNormal(_Diag):
    """Independent normals: ``log p = sum(-z^2/2 - log scale) - d log sqrt(2 pi)``."""

    @property
    def mean(self) -> torch.Tensor:
        return self.loc

    @property
    def mode(self) -> torch.Tensor:
        return self.loc

    @property
    def stddev(self) -> torch.Tensor:
        return self.scale

    @property
    def variance(self) -> torch.Tensor:
        return self.scale * self.scale

    def rsample(self, sample_shape: _size = ()) -> torch.Tensor:
        eps = torch.randn(self._shape(sample_shape), dtype=self.loc.dtype, device=self.loc.device)
        return torch.addcmul(self.loc, self._scale, eps)

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        return scored(self, value, lambda v: normal_log_density(v, self.loc, self._scale).sum(-1))

    def entropy(self) -> torch.Tensor:
        d = self.loc.shape[-1]
        return (self._log_scale_sum() + d * (0.5 + HALF_LOG_2PI)).expand(self.batch_shape)


class DiagMultivariateCauchy(_Diag):
    """Independent Cauchys: ``log p = -sum(log(pi scale (1 + z^2)))``, ``H = sum log(4 pi s)``."""

    @property
    def mode(self) -> torch.Tensor:
        return self.loc

    @property
    def mean(self) -> torch.Tensor:
        raise NotImplementedError("a Cauchy distribution has no mean")

    def rsample(self, sample_shape: _size = ()) -> torch.Tensor:
        u = torch.rand(self._shape(sample_shape), dtype=self.loc.dtype, device=self.loc.device)
        u = (u - 0.5).clamp_(-CAUCHY_CLIP, CAUCHY_CLIP)
        return torch.addcmul(self.loc, self._scale, torch.tan(math.pi * u))

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        return scored(self, value, lambda v: cauchy_log_density(v, self.loc, self._scale).sum(-1))

    def entropy(self) -> torch.Tensor:
        d = self.loc.shape[-1]
        return (self._log_scale_sum() + d * math.log(4 * math.pi)).expand(self.batch_shape)


def fresh_log_prob(
    x: torch.Tensor, scale: torch.Tensor, c: torch.Tensor, k: torch.Tensor
) -> torch.Tensor:
    """``log p(y)`` of a fresh sample ``y = m + s tanh(x)``, ``x = loc + scale e``, from its
    pre-image: ``c(e) - sum log scale + 2 sum(x + softplus(-2x)) - k``, where
    ``2 sum(x + softplus(-2x)) - 2 d log 2 = -sum log|dtanh/dx|`` (no ``atanh`` needed)."""
    log_det = (x + F.softplus(x * -2.0)).sum(-1).mul(2.0)
    return (c - scale.log().sum(-1)) + log_det - k


class _SquashedSampleFn(torch.autograd.Function):
    """A reparameterised sample and its log-density as one autograd node (one Python node
    instead of a dozen tensor nodes: the SAC step calls ``rsample`` then ``log_prob``):

    ``x = loc + scale e``, ``t = tanh(x)``, ``y = clamp(m + s t, low, high)``,
    ``log p(y) = c(e) - sum log scale + 2 sum(x + softplus(-2x)) - k``

    with ``c(e)`` the base density's noise term and ``k = 2 d log 2 + sum log s``; the
    closed-form backward is ``g_x = s (1 - t^2) g_y + 2 t g_lp``, ``g_loc = g_x``,
    ``g_scale = e g_x - g_lp / scale``. The clamp only absorbs rounding (``m + s t`` can
    land one ulp outside the box where ``|t|`` rounds to 1 and ``1 - t^2`` is 0 or an ulp),
    so its gradient mask is dropped."""

    @staticmethod
    def forward(
        ctx: Any,
        loc: torch.Tensor,
        scale: torch.Tensor,
        e: torch.Tensor,
        c: torch.Tensor,
        k: torch.Tensor,
        box: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
    ) -> tuple[torch.Tensor, torch.Tensor]:  # type: ignore[override]
        m, s, low, high = box
        x = torch.addcmul(loc, scale, e)
        t = torch.tanh(x)
        y = torch.clamp(torch.addcmul(m, s, t), low, high)
        ctx.save_for_backward(t, e, scale, s)
        ctx.loc_shape = loc.shape
        ctx.set_materialize_grads(False)
        return y, fresh_log_prob(x, scale, c, k)

    @staticmethod
    def backward(ctx: Any, g_y: torch.Tensor | None, g_lp: torch.Tensor | None) -> tuple:  # type: ignore[override]
        t, e, scale, s = ctx.saved_tensors
        g_x = None if g_y is None else torch.addcmul(g_y, g_y * t, t, value=-1.0) * s
        g_l = None if g_lp is None else g_lp.unsqueeze(-1)
        if g_l is not None:
            g_x = t * (2.0 * g_l) if g_x is None else g_x + t * (2.0 * g_l)
        if g_x is None:
            return None, None, None, None, None, None
        g_scale = g_x * e if g_l is None else g_x * e - g_l / scale
        return (
            g_x.sum_to_size(ctx.loc_shape),
            g_scale.sum_to_size(scale.shape),
            None,
            None,
            None,
            None,
        )


class _Squashed(_Diag):
    """``y = clamp(m + s tanh(x), low, high)`` over a diagonal base ``x``; the per-element
    log-density is ``log p_X(x) - 2 (log 2 - x - softplus(-2x)) - log s``."""

    def __init__(
        self,
        loc: torch.Tensor,
        scale: torch.Tensor,
        low: torch.Tensor,
        high: torch.Tensor,
        box: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
    ):
        super().__init__(loc, scale)
        self.low, self.high = low, high
        if box is None:  # (m, s, sum log s), precomputed by the networks
            mag = (high - low) / 2
            box = ((high + low) / 2, mag, mag.log().sum(-1))
        self.action_mean, self.action_magnitude, self._log_mag_sum = box
        # the last rsample and its log-density, or the pre-image and noise to score it
        self._cache: tuple[torch.Tensor, torch.Tensor | tuple[torch.Tensor, torch.Tensor]] | None
        self._cache = None

    def expand(self, batch_shape, _instance=None):  # type: ignore[no-untyped-def]
        shape = torch.Size(batch_shape) + self.event_shape
        return type(self)(self.loc.expand(shape), self.scale.expand(shape), self.low, self.high)

    def _squash(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.addcmul(self.action_mean, self.action_magnitude, torch.tanh(x))
        return torch.clamp(y, self.low, self.high)

    def _noise(self, shape: torch.Size) -> torch.Tensor:
        """Standard base noise ``e`` (``x = loc + scale e``)."""
        raise NotImplementedError

    def _noise_log_density(self, e: torch.Tensor) -> torch.Tensor:
        """``sum_d log p_X(x) + sum_d log scale``, the part of the base log-density that
        the standard noise ``e = (x - loc) / scale`` alone determines."""
        raise NotImplementedError

    def _constant(self) -> torch.Tensor:
        """``k = 2 d log 2 + sum log s`` of :func:`fresh_log_prob`."""
        return self._log_mag_sum + 2 * self.loc.shape[-1] * LOG_2

    def rsample(self, sample_shape: _size = ()) -> torch.Tensor:
        """With gradients, the sample and its log-density come from one autograd node
        (:class:`_SquashedSampleFn`); ``log_prob`` of this sample returns the latter."""
        e = self._noise(self._shape(sample_shape))
        box = (self.action_mean, self.action_magnitude, self.low, self.high)
        if torch.is_grad_enabled() and (self.loc.requires_grad or self._scale.requires_grad):
            c = self._noise_log_density(e)
            y, log_p = _SquashedSampleFn.apply(self.loc, self._scale, e, c, self._constant(), box)
            self._cache = (y, log_p)
            return y
        x = torch.addcmul(self.loc, self._scale, e)
        y = self._squash(x)
        self._cache = (y, (x, e))
        return y

    def _base_log_density(self, x: torch.Tensor) -> torch.Tensor:
        """Elementwise ``log p_X(x)``."""
        raise NotImplementedError

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        if self._cache is not None and value is self._cache[0]:
            # a fresh rsample is clamped into [low, high] (or NaN): nothing for the support
            # check to find, and no host sync for it on the SAC path
            return self._log_prob(check_value_shape(self, value))
        return scored(self, value, self._log_prob)

    def _log_prob(self, value: torch.Tensor) -> torch.Tensor:
        if self._cache is not None and value is self._cache[0]:
            # a fresh rsample: scored with it, or from its pre-image x and noise e
            scored_with = self._cache[1]
            if isinstance(scored_with, torch.Tensor):
                return scored_with
            x, e = scored_with
            return fresh_log_prob(x, self._scale, self._noise_log_density(e), self._constant())
        # any other value: x = atanh((y - m) / s), grouped as the reference's chain
        limit = 1.0 - torch.finfo(value.dtype).eps
        u = ((value - self.action_mean) / self.action_magnitude).clamp(-limit, limit)
        x = torch.atanh(u)
        tanh_log_det = (2.0 * (LOG_2 - x - F.softplus(-2.0 * x))).sum(-1)
        return (-self._log_mag_sum - tanh_log_det) + self._base_log_density(x).sum(-1)

    @property
    def mode(self) -> torch.Tensor:
        return self._squash(self.loc)

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.interval(self.low, self.high)


class SquashedNormal(_Squashed):
    """``m + s tanh(N(loc, scale^2))`` (module doc)."""

    def _noise(self, shape: torch.Size) -> torch.Tensor:
        return torch.randn(shape, dtype=self.loc.dtype, device=self.loc.device)

    def _noise_log_density(self, e: torch.Tensor) -> torch.Tensor:
        return (e * e).sum(-1).mul(-0.5) - self.loc.shape[-1] * HALF_LOG_2PI

    def _base_log_density(self, x: torch.Tensor) -> torch.Tensor:
        return normal_log_density(x, self.loc, self._scale)


class SquashedCauchy(_Squashed):
    """``m + s tanh(Cauchy(loc, scale))`` (module doc)."""

    def _noise(self, shape: torch.Size) -> torch.Tensor:
        u = torch.rand(shape, dtype=self.loc.dtype, device=self.loc.device)
        return torch.tan(math.pi * (u - 0.5).clamp_(-CAUCHY_CLIP, CAUCHY_CLIP))

    def _noise_log_density(self, e: torch.Tensor) -> torch.Tensor:
        return -torch.log1p(e * e).sum(-1) - self.loc.shape[-1] * LOG_PI

    def _base_log_density(self, x: torch.Tensor) -> torch.Tensor:
        return cauchy_log_density(x, self.loc, self._scale)


class AffineBeta(td.Distribution):
    """``low + range * Beta(a, b)`` per dimension, clamped into ``[low, high]`` (module doc)."""

    has_rsample = True
    arg_constraints: ClassVar[dict] = {}

    def __init__(
        self,
        concentration1: torch.Tensor,
        concentration0: torch.Tensor,
        low: torch.Tensor,
        scale: torch.Tensor,
        high: torch.Tensor,
    ):
        ref.check_full_precision(concentration1, "Beta concentration1")
        self.concentration1 = proper_scale(concentration1)
        self.concentration0 = proper_scale(concentration0)
        self.loc, self.scale, self.high = low, scale, high
        self._eps = torch.finfo(concentration1.dtype).eps
        shape = concentration1.shape
        super().__init__(shape[:-1], shape[-1:], validate_args=False)

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.interval(self.loc, self.high)

    def _clamp(self, y: torch.Tensor) -> torch.Tensor:
        return torch.minimum(torch.maximum(y, self.loc), self.high)

    def rsample(self, sample_shape: _size = ()) -> torch.Tensor:
        """``u ~ Beta(a, b)`` drawn and differentiated as torch's Beta (the reference's): a
        two-class Dirichlet with the implicit reparameterised gradient ``du/dtheta =
        -(dF/dtheta) / p`` at ``u``. (A ratio of gamma draws ``G_a / (G_a + G_b)`` has the
        same law but another per-sample gradient.)"""
        conc = torch.stack([self.concentration1, self.concentration0], -1)
        shape = torch.Size(sample_shape) + conc.shape
        u = td.Dirichlet(conc.expand(shape), validate_args=False).rsample()[..., 0]
        u = u.clamp(self._eps, 1 - self._eps)
        return self._clamp(torch.addcmul(self.loc, self.scale, u))

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        return scored(self, value, self._log_prob)

    def _log_prob(self, value: torch.Tensor) -> torch.Tensor:
        """Grouped as torch's Beta (a two-class Dirichlet) under an affine map, so float32
        rounding agrees: ``-sum log range + sum((a-1) log u + (b-1) log(1-u)
        + lgamma(a+b) - (lgamma a + lgamma b))``, ``u`` clamped into ``[eps, 1 - eps]`` as
        the reference's Beta scores it."""
        a, b = self.concentration1, self.concentration0
        u = ((value - self.loc) / self.scale).clamp(self._eps, 1 - self._eps)
        per = (
            (torch.xlogy(a - 1.0, u) + torch.xlogy(b - 1.0, 1 - u))
            + torch.lgamma(a + b)
            - (torch.lgamma(a) + torch.lgamma(b))
        )
        return (0.0 - self.scale.log().expand(value.shape).sum(-1)) + per.sum(-1)

    def entropy(self) -> torch.Tensor:
        """Summed in the order of torch's two-class Dirichlet entropy, so float32 rounding
        matches the reference: ``lgamma a + lgamma b - lgamma a0 - (2 - a0) psi(a0)
        - (a-1) psi(a) - (b-1) psi(b)``, ``a0 = a + b``."""
        a, b = self.concentration1, self.concentration0
        a0 = a + b
        h = (
            (torch.lgamma(a) + torch.lgamma(b))
            - torch.lgamma(a0)
            - (2.0 - a0) * torch.digamma(a0)
            - ((a - 1.0) * torch.digamma(a) + (b - 1.0) * torch.digamma(b))
        )
        return h.sum(-1) + self.scale.log().sum(-1)

    @property
    def mean(self) -> torch.Tensor:
        a, b = self.concentration1, self.concentration0
        return self._clamp(self.loc + self.scale * (a / (a + b)))

    @property
    def mode(self) -> torch.Tensor:
        a, b = self.concentration1, self.concentration0
        interior = (a - 1) / (a + b - 2)
        u = torch.where((a > 1) & (b > 1), interior, (a >= b).to(a.dtype))
        return self._clamp(self.loc + self.scale * u)

    @property
    def variance(self) -> torch.Tensor:
        a, b = self.concentration1, self.concentration0
        total = a + b
        return self.scale**2 * a * b / (total * total * (total + 1))


class TruncatedNormal(ref.TruncatedNormal):
    """``reference.distributions.TruncatedNormal`` with its standardised interval and both
    forms of ``log Z`` (inside, and relative to the near bound in the tail) computed once
    per distribution (not per call), a scale that may stay ``[d]``-shaped and broadcast,
    and the inverse-CDF sample drawn in the distribution's own dtype (the mirrored,
    log-space form keeps float32 exact enough: ``log Phi`` is accurate down to
    ``Phi ~ 1e-38``; beyond ``TAIL_START`` the reference's :func:`tail_offset`).

    The tail forms (``tail_offset``'s Newton steps alone are ~170 tensor ops) are computed
    only when some element's interval lies in the tail: one host read of ``b < TAIL_START``
    decides, once per distribution. Where none does, every ``torch.where`` of the reference
    would select the inside form, so values and gradients are the same."""

    _std: tuple[Any, ...] | None = None  # the cache, filled on first use

    def _standard_with_mass(self) -> tuple[Any, ...]:
        """``(a, b, flip, log Phi(a), log Phi(b), log Z, tail)`` and, where some element is
        in the tail (else None each), ``(b_t, w, tail log Z, near bound)``."""
        if self._std is None:
            a, b, flip = standard_interval(self.loc, self.scale, self.lower_bound, self.upper_bound)
            tail = b < TAIL_START
            if not bool(tail.any()):
                log_a, log_b = torch.special.log_ndtr(a), torch.special.log_ndtr(b)
                log_z = log_b + log1mexp(log_a - log_b)
                self._std = (a, b, flip, log_a, log_b, log_z, None, None, None, None, None)
                return self._std
            log_a = torch.special.log_ndtr(torch.where(tail, -1.0, a))
            log_b = torch.special.log_ndtr(torch.where(tail, 0.0, b))
            b_t, w = torch.where(tail, b, TAIL_START), self._width()
            tail_log_z = log_ndtr_scaled(b_t) + log1mexp(tail_log_mass_ratio(b_t, w))
            near = self._near_bound(flip)
            log_z = log_b + log1mexp(log_a - log_b)
            self._std = (a, b, flip, log_a, log_b, log_z, tail, b_t, w, tail_log_z, near)
        return self._std

    def _log_prob(self, value: torch.Tensor) -> torch.Tensor:
        _, _, flip, _, _, log_z, tail, b_t, _, tail_log_z, near = self._standard_with_mass()
        if tail is None:
            z = (value - self.loc) / self.scale
            return self._reduce(-0.5 * z * z - log_z - HALF_LOG_2PI - self.scale.log())
        z = torch.where(tail, 0.0, (value - self.loc) / self.scale)
        d = torch.where(flip, near - value, value - near) / self.scale
        log_q = torch.where(tail, -0.5 * d * (d + 2 * b_t) - tail_log_z, -0.5 * z * z - log_z)
        return self._reduce(log_q - HALF_LOG_2PI - self.scale.log())

    def rsample(self, sample_shape: _size = ()) -> torch.Tensor:
        a, b, flip, log_a, log_b, _, tail, b_t, w, _, near = self._standard_with_mass()
        shape = self._extended_shape(torch.Size(sample_shape))
        u = torch.rand(shape, dtype=self.loc.dtype, device=self.loc.device)
        log_phi = torch.logaddexp(log_a + torch.log1p(-u), log_b + torch.log(u))
        z = torch.special.ndtri(log_phi.exp())
        z = torch.minimum(torch.maximum(z, a), b)
        x = torch.addcmul(self.loc, self.scale, torch.where(flip, -z, z))
        if tail is not None:
            delta = self.scale * tail_offset(b_t, w, u)
            x = torch.where(tail, torch.where(flip, near + delta, near - delta), x)
        return torch.minimum(torch.maximum(x, self.lower_bound), self.upper_bound)


class OneHotCategoricalStraightThrough(ref.OneHotCategoricalStraightThrough):
    """The reference's straight-through one-hot categorical whose fresh sample is scored
    without a support check: ``rsample`` remembers the indices it drew, and ``log_prob`` of
    that very tensor gathers the normalised logits at them (a drawn one-hot vector is in the
    support by construction; the value policy's check costs ~10 tensor ops and a host sync,
    most of a B = 1 call). Any other value is scored as the reference scores it."""

    _fresh: tuple[torch.Tensor, torch.Tensor] | None = None

    def rsample(self, sample_shape: _size = ()) -> torch.Tensor:
        probs = self._categorical.probs
        indices = self._categorical.sample(torch.Size(sample_shape))
        hard = F.one_hot(indices, probs.shape[-1]).to(probs)
        y = hard + (probs - probs.detach())
        self._fresh = (y, indices)
        return y

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        if self._fresh is None or value is not self._fresh[0]:
            return super().log_prob(value)
        indices = self._fresh[1]
        log_pmf = self._categorical.logits  # normalised: logits - logsumexp
        log_pmf = log_pmf.expand(*indices.shape, log_pmf.shape[-1])
        return log_pmf.gather(-1, indices.unsqueeze(-1)).squeeze(-1)
