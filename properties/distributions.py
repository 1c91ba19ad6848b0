"""Distributions in the generic properties: supports, probe points, independent models.

A kind whose call returns a distribution (the ``Distributional`` mixin of
``properties.kinds.distribution``) compares it through a *summary*: a nest of tensors,
every leaf with the batch dims first: ``mode`` and ``mean`` (where defined and not NaN),
``log_prob`` at fixed probe points inside the support (``[*batch, P]``), ``entropy``
(where defined) and, for categorical supports, ``probs``. The dist_* properties use the
rest of an entry's law: the support, an independent :class:`Model` (scipy.stats, float64)
of a *reference* distribution, and declared parameter :class:`Limit` s.

A candidate's distribution is read through public ``torch.distributions`` attributes
only (``base_dist``, ``component_distribution``, ``probs``...); the reparameterisation
maps of :func:`rebuild` read the *reference's* distribution objects.

Nothing here is specific to ALF: a family of policies plugs in by writing a law.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import torch
import torch.distributions as td
import torch.nn.functional as F

from reference import distributions as rd

# --------------------------------------------------------------------------------------
# supports and probe points
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Real:
    """Unbounded support: probes are ``center + z`` for a few fixed offsets ``z``."""


@dataclass(frozen=True)
class Interval:
    """Closed box ``[low, high]`` (tensors broadcastable to the event shape)."""

    low: torch.Tensor
    high: torch.Tensor


@dataclass(frozen=True)
class Categories:
    """``K`` categories per element: index values ``0..K-1``, or one-hot vectors of
    length ``K`` (the last event dim) when ``onehot``; ``float_values``: the indices are
    given as floats (a Bernoulli's 0. / 1.)."""

    k: int
    onehot: bool = False
    float_values: bool = False


Support = Real | Interval | Categories

#: Fractions of an interval where log_prob is probed (parity, scipy): well inside.
INTERVAL_PROBES = (0.03, 0.31, 0.5, 0.77, 0.96)
#: Offsets from the center (mode, mean or 0) where a real-support log_prob is probed.
REAL_PROBES = (-1.7, -0.4, 0.25, 1.3)
#: Absolute distance from a bound at which log_prob must still be finite (dist_bounds).
NEAR_BOUND = 1e-6


def probe_points(
    support: Support,
    shape: tuple[int, ...],
    dtype: torch.dtype,
    device: torch.device,
    center: torch.Tensor | None = None,
) -> torch.Tensor:
    """Values ``[P, *shape]`` inside the support (``shape``: batch + event shape);
    a real support's probes lie around ``center`` (0 where None)."""
    lead = (-1, *([1] * len(shape)))
    if isinstance(support, Interval):
        lo, hi = support.low.to(device, dtype), support.high.to(device, dtype)
        u = torch.tensor(INTERVAL_PROBES, dtype=dtype, device=device).reshape(lead)
        return (lo + u * (hi - lo)).expand(len(INTERVAL_PROBES), *shape)
    if isinstance(support, Categories):
        k = support.k
        if support.onehot:
            eye = torch.eye(k, dtype=dtype, device=device).reshape(k, *([1] * (len(shape) - 1)), k)
            return eye.expand(k, *shape)
        c = torch.arange(k, device=device).reshape(lead).expand(k, *shape)
        return c.to(dtype) if support.float_values else c
    if center is None:
        center = torch.zeros(shape, dtype=dtype, device=device)
    z = torch.tensor(REAL_PROBES, dtype=dtype, device=device).reshape(lead)
    return center.to(dtype).unsqueeze(0) + z


def near_bounds(support: Interval, shape: tuple[int, ...], dtype: torch.dtype, device: Any):
    """Points ``NEAR_BOUND`` inside each bound (at least a few ulps), ``[2, *shape]``."""
    lo, hi = support.low.to(device, dtype), support.high.to(device, dtype)
    eps = torch.finfo(dtype).eps
    gap = torch.maximum(
        torch.full_like(lo, NEAR_BOUND), 8 * eps * torch.maximum(lo.abs(), hi.abs())
    )
    return torch.stack([(lo + gap).expand(shape), (hi - gap).expand(shape)])


def rounding_scale(support: Support, y: torch.Tensor) -> torch.Tensor:
    """The scale at which a sample ``y`` is known: ``|y|`` itself, but ``|low| + |high|``
    per element for an interval support (a squashed sample ``m + s tanh(x)`` is computed
    from terms of that size, so its rounding error is ulps of it, not of ``y``: a sample
    next to a bound near 0 is far less certain than its own ulp says)."""
    if not isinstance(support, Interval):
        return y.abs()
    low, high = support.low.to(y), support.high.to(y)
    return (low.abs() + high.abs()).expand_as(y)


# --------------------------------------------------------------------------------------
# reading a distribution through torch's public attributes
# --------------------------------------------------------------------------------------


def chain(dist: Any) -> list[Any]:
    """``dist`` and the distributions it wraps through torch's public attributes
    (``base_dist`` of Independent / Transformed, ``component_distribution`` of a mixture)."""
    out = [dist]
    for attr in ("base_dist", "component_distribution"):
        inner = getattr(dist, attr, None)
        if isinstance(inner, td.Distribution):
            out.extend(chain(inner))
    return out


def find_parameter(dist: Any, name: str) -> torch.Tensor | None:
    """The first tensor attribute ``name`` of ``dist`` or of a distribution it wraps."""
    for d in chain(dist):
        value = getattr(d, name, None)
        if isinstance(value, torch.Tensor):
            return value
    return None


def float_dtype(dist: Any) -> tuple[torch.dtype, torch.device]:
    """The floating dtype and device of a distribution's parameters."""
    for name in ("loc", "logits", "concentration1", "probs", "scale"):
        t = find_parameter(dist, name)
        if t is not None and t.is_floating_point():
            return t.dtype, t.device
    return torch.get_default_dtype(), torch.device("cpu")


def category_probs(dist: Any) -> torch.Tensor | None:
    """``[*batch, *elements, K]`` category probabilities of a (wrapped) categorical or
    Bernoulli distribution, else None (a mixture's weights are not its categories)."""
    if isinstance(dist, td.MixtureSameFamily):
        return None
    for d in chain(dist):
        if isinstance(d, (td.Categorical, td.OneHotCategorical)):
            return d.probs
        if isinstance(d, td.Bernoulli):
            return torch.stack([1 - d.probs, d.probs], -1)
    return None


def mode_of(dist: Any) -> torch.Tensor:
    """``dist.mode``; for a transformed distribution that leaves it undefined, the image of
    its base distribution's mode under its transforms (ALF's convention, ``dist_utils.get_mode``,
    and the reference's: the spec promises no ``mode`` property on the squashed and scaled
    distributions its networks return, so a comparison asks for this image instead).
    Raises ``NotImplementedError`` where neither is defined."""
    try:
        return dist.mode
    except NotImplementedError:
        if not isinstance(dist, td.TransformedDistribution):
            raise
    y = mode_of(dist.base_dist)
    for transform in dist.transforms:
        y = transform(y)
    return y


def defined(get: Callable[[], torch.Tensor]) -> torch.Tensor | None:
    """``get()``, or None where the distribution leaves it undefined (NotImplementedError,
    or all NaN: torch's way of saying so for a Cauchy's or a categorical's mean)."""
    try:
        value = get()
    except NotImplementedError:
        return None
    if value.dtype.is_floating_point and bool(torch.isnan(value).all()):
        return None
    return value


# --------------------------------------------------------------------------------------
# what an entry declares
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """An independent statement (numpy, float64) of one distribution.

    ``log_prob(values [P, *batch, *event]) -> [P, *batch]``: the log-density the spec gives
    for any value (after the clipping a family applies, e.g. AMAGO's
    ``clip_actions_on_log_prob``); ``fresh_log_prob``: the one it gives the distribution's
    own fresh samples, where the distribution remembers their exact pre-image (a squashed
    sample's cached pre-tanh value: no clipping); None: the same as ``log_prob``.
    ``entropy`` ``[*batch]`` or None where the family has none in closed form;
    ``cdf(values) -> same shape``: an elementwise map under which samples become
    independent U(0, 1) values (continuous families): the *marginal* CDF of a family with
    independent elements, the prior's CDF of the inverse map for a flow (a Rosenblatt
    transform); ``probs`` ``[*batch, *elements, K]`` for categorical families.
    """

    log_prob: Callable[[np.ndarray], np.ndarray]
    entropy: np.ndarray | None = None
    cdf: Callable[[np.ndarray], np.ndarray] | None = None
    probs: np.ndarray | None = None
    fresh_log_prob: Callable[[np.ndarray], np.ndarray] | None = None

    def log_prob_of_samples(self, values: np.ndarray) -> np.ndarray:
        return (self.fresh_log_prob or self.log_prob)(values)


@dataclass(frozen=True)
class Limit:
    """A declared range of a distribution parameter (``None``: unbounded on that side;
    ``value`` None: the distribution does not expose the parameter)."""

    name: str
    value: torch.Tensor | None
    low: float | None = None
    high: float | None = None


# --------------------------------------------------------------------------------------
# scipy helpers for models
# --------------------------------------------------------------------------------------


def to_numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().double().numpy()


def event_sum(x: np.ndarray, event_dims: int) -> np.ndarray:
    return x.sum(axis=tuple(range(-event_dims, 0))) if event_dims else x


def squashed(
    base_logpdf: Callable[[np.ndarray], np.ndarray],
    base_cdf: Callable[[np.ndarray], np.ndarray],
    mean: np.ndarray,
    magnitude: np.ndarray,
) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]:
    """Elementwise logpdf / cdf of ``Y = m + s tanh(X)`` from those of ``X``:
    ``log p_Y(y) = log p_X(atanh(u)) - log(1 - u^2) - log s``, ``u = (y - m) / s``."""

    def logpdf(y: np.ndarray) -> np.ndarray:
        u = (y - mean) / magnitude
        with np.errstate(divide="ignore", invalid="ignore"):
            return base_logpdf(np.arctanh(u)) - np.log1p(-u * u) - np.log(magnitude)

    def cdf(y: np.ndarray) -> np.ndarray:
        u = np.clip((y - mean) / magnitude, -1.0, 1.0)
        with np.errstate(divide="ignore"):
            return base_cdf(np.arctanh(u))

    return logpdf, cdf


# --------------------------------------------------------------------------------------
# reparameterisation maps of the reference's families (reparam_grad)
# --------------------------------------------------------------------------------------

#: Bisection steps that take an elementwise bijection's inverse to float64 resolution.
BISECTIONS = 160
#: Doublings of the bracket [-1, 1] in which an elementwise inverse is searched.
DOUBLINGS = 12


class Rebuilt(NamedTuple):
    """A sample rebuilt through a reference's reparameterisation map: ``value`` (with
    autograd), where its noise was recovered (``ok``) and that noise (``noise``, detached;
    all three shaped like the sample)."""

    value: torch.Tensor
    ok: torch.Tensor
    noise: torch.Tensor


def rebuild(dist: td.Distribution, y: torch.Tensor) -> Rebuilt:
    """The reference distribution's own reparameterisation map, evaluated with autograd at
    the noise that produced the sample ``y`` (a sample of the same law, detached).

    The noise is recovered by inverting the reference's map: a
    ``TransformedDistribution`` inverts its transforms (elementwise ones by bisection of
    their forward map, as a transform's own inverse may clip: AMAGO's tanh clips to its
    ``clip_actions_on_log_prob``), then its base; a Normal or Cauchy standardises,
    ``e = (x - loc) / scale``. Families without an explicit noise map use implicit
    reparameterisation, ``dy/dtheta = -(dF/dtheta)(y) / p(y)`` at ``y`` (Beta, as torch's
    Beta does; the reference's TruncatedNormal): their noise is the sample itself, given as
    the logit of its position in the support (so that its precision counts relative to the
    nearer end). A
    Gumbel-softmax sample gives its Gumbel noise up to a constant (``log y - logits /
    tau``); a straight-through one-hot sample is its own noise and carries the gradient of
    ``probs``. A hard Gumbel-softmax sample (one-hot forward, relaxed backward) does not
    reveal its noise: nothing is recovered.

    ``value == y`` up to rounding wherever ``ok``; elsewhere it is built from stand-in noise.
    """
    if isinstance(dist, td.TransformedDistribution):
        with torch.no_grad():
            x, ok = y, torch.ones_like(y, dtype=torch.bool)
            for t in reversed(dist.transforms):
                ok = ok & inside_codomain(t, x)
                x = invert(t, torch.where(ok, x, torch.zeros_like(x)))
                ok = ok & torch.isfinite(x)
        base = rebuild(dist.base_dist, torch.where(ok, x, torch.zeros_like(x)))
        value = base.value
        for t in dist.transforms:
            value = t(value)
        return Rebuilt(value, _events(ok & base.ok, len(dist.event_shape)), base.noise)
    if isinstance(dist, td.Independent):
        base = rebuild(dist.base_dist, y)
        return base._replace(ok=_events(base.ok, dist.reinterpreted_batch_ndims))
    if isinstance(dist, (td.Normal, td.Cauchy)):
        with torch.no_grad():
            e = (y - dist.loc) / dist.scale
            ok = torch.isfinite(e)
            e = torch.where(ok, e, torch.zeros_like(e))
        return Rebuilt(dist.loc + dist.scale * e, ok, e)
    if isinstance(dist, td.Beta):
        return _implicit_beta(dist, y)
    if isinstance(dist, rd.TruncatedNormal):
        return _implicit_truncated_normal(dist, y)
    if isinstance(dist, td.OneHotCategoricalStraightThrough):
        probs = dist.probs
        value = y.detach() + (probs - probs.detach())
        return Rebuilt(value, torch.ones_like(y, dtype=torch.bool), y.detach())
    if isinstance(dist, rd.OneHotCategoricalGumbelSoftmax):
        return _gumbel_softmax(dist, y)
    raise TypeError(f"no reparameterisation map is known for {type(dist).__name__}")


def _events(ok: torch.Tensor, event_dims: int) -> torch.Tensor:
    """``ok`` made uniform over each event of ``event_dims`` trailing dims (an event whose
    noise is recovered only in part is left out whole)."""
    if not event_dims:
        return ok
    dims = tuple(range(-event_dims, 0))
    return ok.all(dim=dims, keepdim=True).expand(ok.shape)


def inside_codomain(t: td.Transform, y: torch.Tensor) -> torch.Tensor:
    """Whether ``y`` lies strictly inside an interval codomain of ``t`` (a squashed sample
    rounded onto a bound has no finite pre-image); True for other codomains."""
    codomain = t.codomain
    while isinstance(codomain, td.constraints.independent):
        codomain = codomain.base_constraint
    low = getattr(codomain, "lower_bound", None)
    high = getattr(codomain, "upper_bound", None)
    ok = torch.ones_like(y, dtype=torch.bool)
    if isinstance(low, (int, float, torch.Tensor)):
        ok = ok & (y > low)
    if isinstance(high, (int, float, torch.Tensor)):
        ok = ok & (y < high)
    return ok


def invert(t: td.Transform, y: torch.Tensor) -> torch.Tensor:
    """``t^{-1}(y)``: by bisection of the forward map for an elementwise (event_dim 0)
    monotone transform, else through ``t.inv``; NaN where no pre-image was bracketed."""
    if t.domain.event_dim != 0:
        return t.inv(y)
    sign = t.sign  # +-1, or a tensor of them (an affine map's)

    def f(x: torch.Tensor) -> torch.Tensor:
        return sign * t(x)

    target = sign * y
    lo, hi = torch.full_like(y, -1.0), torch.full_like(y, 1.0)
    for _ in range(DOUBLINGS):
        lo = torch.where(f(lo) > target, lo * 2, lo)
        hi = torch.where(f(hi) < target, hi * 2, hi)
    bracketed = (f(lo) <= target) & (f(hi) >= target)
    for _ in range(BISECTIONS):
        mid = lo + (hi - lo) / 2
        below = f(mid) < target
        lo, hi = torch.where(below, mid, lo), torch.where(below, hi, mid)
    x = lo + (hi - lo) / 2
    return torch.where(bracketed, x, torch.full_like(x, float("nan")))


class _ImplicitBeta(torch.autograd.Function):
    """``x`` (a Beta sample, as is) with torch's implicit reparameterised gradient w.r.t.
    the concentrations: the Beta as a two-class Dirichlet, ``torch._dirichlet_grad``."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(x, a, b)
        return x.clone()

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[None, torch.Tensor, torch.Tensor]:  # type: ignore[override]
        x, a, b = ctx.saved_tensors
        x2 = torch.stack([x, 1 - x], -1)
        conc = torch.stack([a.expand_as(x), b.expand_as(x)], -1)
        total = conc.sum(-1, keepdim=True).expand_as(conc)
        dx = torch._dirichlet_grad(x2, conc, total)
        g2 = torch.stack([grad, torch.zeros_like(grad)], -1)
        d = dx * (g2 - (x2 * g2).sum(-1, keepdim=True))
        return None, _reduce_to(d[..., 0], a), _reduce_to(d[..., 1], b)


def _reduce_to(g: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``g`` summed over the dims ``like`` was broadcast along."""
    while g.dim() > like.dim():
        g = g.sum(0)
    dims = tuple(i for i, n in enumerate(like.shape) if n == 1 and g.shape[i] != 1)
    return g.sum(dims, keepdim=True) if dims else g


def _implicit_beta(dist: td.Beta, y: torch.Tensor) -> Rebuilt:
    """The Beta's implicit map; samples within ``eps`` of 0 or 1 (where the reference
    clamps them) reveal no noise."""
    eps = torch.finfo(y.dtype).eps
    with torch.no_grad():
        ok = (y > eps) & (y < 1 - eps)
        x = torch.where(ok, y, torch.full_like(y, 0.5))
    value = _ImplicitBeta.apply(x, dist.concentration1, dist.concentration0)
    return Rebuilt(value, ok, torch.logit(x))


def _implicit_truncated_normal(dist: rd.TruncatedNormal, y: torch.Tensor) -> Rebuilt:
    """``y' = y - (F(y) - stop(F(y))) / stop(p(y))`` with the truncated normal's CDF
    ``F = (Phi(z) - Phi(a)) / (Phi(b) - Phi(a))`` (in the frame mirrored about ``loc``
    where the interval lies above it, for accuracy) and density ``p = phi(z) / (scale Z)``;
    samples on a bound reveal no noise."""
    loc, scale = dist.loc, dist.scale
    lo, hi = dist.lower_bound, dist.upper_bound
    with torch.no_grad():
        ok = (y > lo) & (y < hi)
        y = torch.where(ok, y, ((lo + hi) / 2).expand_as(y))
    a, b, z = (lo - loc) / scale, (hi - loc) / scale, (y - loc) / scale
    flip = (a > 0).expand_as(z)
    ndtr = torch.special.ndtr
    mass = torch.where(flip, ndtr(-a) - ndtr(-b), ndtr(b) - ndtr(a))
    below = torch.where(flip, ndtr(-a) - ndtr(-z), ndtr(z) - ndtr(a))
    cdf = below / mass
    log_p = -0.5 * z * z - rd.HALF_LOG_2PI - scale.log() - mass.log()
    p = log_p.exp().detach()
    position = ((y - lo) / (hi - lo)).detach()
    return Rebuilt(y - (cdf - cdf.detach()) / p, ok & (p > 0), torch.logit(position))


def _gumbel_softmax(dist: rd.OneHotCategoricalGumbelSoftmax, y: torch.Tensor) -> Rebuilt:
    """``softmax(logits / tau + g)`` with ``g = log y - logits / tau`` (the Gumbel noise
    over tau, up to a constant per event); a hard sample reveals nothing."""
    tau, hard = dist._tau, dist._hard_sample
    logits = dist.logits
    if hard:
        return Rebuilt(y.detach(), torch.zeros_like(y, dtype=torch.bool), y.detach())
    with torch.no_grad():
        g = y.log() - logits / tau
        ok = torch.isfinite(g).all(-1, keepdim=True).expand_as(g)
        g = torch.where(ok, g, torch.zeros_like(g))
    return Rebuilt(F.softmax(logits / tau + g, dim=-1), ok, g)
