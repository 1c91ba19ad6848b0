"""Distribution-valued networks in the generic properties: summaries, supports, models.

An entry whose network returns a ``torch.distributions.Distribution`` sets ``Entry.dist``
to a :class:`DistSpec` and ``Entry.outputs`` to :func:`dist_outputs` of it. Then

* parity / grad_parity / batch_invariance / parallel / state_dict compare the *summary*
  of the distribution (:func:`summarize`): a nest of tensors, every leaf with the batch
  dims first: ``mode``, ``mean`` (where defined and not NaN), ``log_prob`` at fixed probe
  points inside the support (``[*batch, P]``), ``entropy`` (where defined) and, for
  categorical supports, ``probs``;
* shape checks ``batch_shape`` / ``event_shape`` / sample shape and dtype against the
  network's ``output_spec`` (a :class:`reference.distributions.DistributionSpec`);
* dist_bounds / dist_logprob / dist_sampling / determinism use the rest of the spec:
  the support, an independent :class:`Model` (scipy.stats, float64) of a *reference*
  distribution, declared parameter limits, and whether extreme inputs are meaningful.

Nothing here is specific to ALF: a family of policies plugs in by writing a ``DistSpec``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.distributions as td
from torch import nn

from reference.specs import Nest

# --------------------------------------------------------------------------------------
# supports
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Real:
    """Unbounded support: probes are ``mode + z`` for a few fixed offsets ``z``."""


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
#: Offsets from the mode where a real-support log_prob is probed.
REAL_PROBES = (-1.7, -0.4, 0.25, 1.3)
#: Absolute distance from a bound at which log_prob must still be finite (dist_bounds).
NEAR_BOUND = 1e-6


def probe_points(dist: td.Distribution, support: Support) -> torch.Tensor:
    """Values ``[P, *batch_shape, *event_shape]`` inside the support of ``dist``."""
    shape = (*dist.batch_shape, *dist.event_shape)
    dtype = _float_dtype(dist)
    ref = _defined(lambda: dist.mode) if isinstance(support, Real) else None
    if isinstance(support, Real) and ref is None:
        # a mixture has a mean but no closed-form mode; a flow has neither: probe around 0
        ref = _defined(lambda: dist.mean)
        if ref is None:
            param = _float_parameter(dist)
            ref = torch.zeros(shape, dtype=dtype, device=None if param is None else param.device)
    if isinstance(support, Interval):
        lo, hi = support.low.to(dtype), support.high.to(dtype)
        u = torch.tensor(INTERVAL_PROBES, dtype=dtype).reshape(-1, *([1] * len(shape)))
        return (lo + u * (hi - lo)).expand(len(INTERVAL_PROBES), *shape)
    if isinstance(support, Categories):
        k = support.k
        if support.onehot:
            eye = torch.eye(k, dtype=dtype).reshape(k, *([1] * (len(shape) - 1)), k)
            return eye.expand(k, *shape)
        c = torch.arange(k).reshape(-1, *([1] * len(shape)))
        return c.expand(k, *shape).to(dtype if support.float_values else c.dtype)
    assert ref is not None
    z = torch.tensor(REAL_PROBES, dtype=ref.dtype).reshape(-1, *([1] * len(shape)))
    return ref.unsqueeze(0) + z


def _float_parameter(dist: td.Distribution) -> torch.Tensor | None:
    """A floating parameter tensor of ``dist`` or of a distribution it wraps."""
    for name in ("logits", "loc", "concentration1", "probs"):
        for d in _chain(dist):
            t = getattr(d, name, None)
            if isinstance(t, torch.Tensor) and t.dtype.is_floating_point:
                return t
    return None


def _float_dtype(dist: td.Distribution) -> torch.dtype:
    t = _float_parameter(dist)
    return torch.get_default_dtype() if t is None else t.dtype


def _chain(dist: td.Distribution) -> list[Any]:
    """``dist`` and the distributions it wraps (Independent / Transformed / Mixture)."""
    out = [dist]
    for attr in ("base_dist", "_component_distribution", "_mixture_distribution"):
        inner = getattr(dist, attr, None)
        if isinstance(inner, td.Distribution):
            out.extend(_chain(inner))
    return out


def base_probs(dist: td.Distribution) -> torch.Tensor | None:
    """Category probabilities of a (wrapped) categorical distribution, else None."""
    if isinstance(dist, td.MixtureSameFamily):
        return None
    for d in _chain(dist):
        if isinstance(d, (td.Categorical, td.OneHotCategorical)):
            return d.probs
    return None


def _defined(get: Callable[[], torch.Tensor]) -> torch.Tensor | None:
    try:
        value = get()
    except NotImplementedError:
        return None
    if value.dtype.is_floating_point and bool(torch.isnan(value).all()):
        return None  # torch's way of saying "undefined" (Cauchy mean, Categorical mean)
    return value


def summarize(dist: td.Distribution, support: Support) -> dict[str, torch.Tensor]:
    """The comparable nest of a distribution (module doc); batch dims lead every leaf."""
    out: dict[str, torch.Tensor] = {}
    for key, get in (
        ("mode", lambda: dist.mode),
        ("mean", lambda: dist.mean),
        ("entropy", dist.entropy),
    ):
        value = _defined(get)
        if value is not None:
            out[key] = value
    out["log_prob"] = dist.log_prob(probe_points(dist, support)).movedim(0, -1)
    probs = base_probs(dist)
    if probs is not None:
        out["probs"] = probs
    return out


# --------------------------------------------------------------------------------------
# what an entry declares
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """An independent statement (numpy, float64) of one distribution.

    ``log_prob(values [P, *batch, *event]) -> [P, *batch]``; ``entropy`` ``[*batch]`` or None
    where the family has none in closed form; ``cdf(values) -> same shape``: an elementwise
    map under which samples become independent U(0, 1) values (continuous families): the
    *marginal* CDF of a family with independent elements, the prior's CDF of the inverse
    map for a flow (a Rosenblatt transform); ``probs`` ``[*batch, *elements, K]`` for
    categorical families.
    """

    log_prob: Callable[[np.ndarray], np.ndarray]
    entropy: np.ndarray | None = None
    cdf: Callable[[np.ndarray], np.ndarray] | None = None
    probs: np.ndarray | None = None


@dataclass(frozen=True)
class Limit:
    """A declared range of a distribution parameter (``None``: unbounded on that side)."""

    name: str
    value: torch.Tensor
    low: float | None = None
    high: float | None = None


def default_dist(net: nn.Module, inputs: Nest) -> td.Distribution:
    return net(inputs)[0]


def no_limits(dist: td.Distribution, net: nn.Module) -> Sequence[Limit]:
    return ()


@dataclass(frozen=True)
class DistSpec:
    """Per-entry data of the distribution properties.

    * ``support(net)``: the support of the distribution ``net`` returns;
    * ``model(dist, net)``: the independent :class:`Model` of a *reference* distribution
      (the candidate's log_prob, entropy and samples are checked against it);
    * ``limits(dist, net)``: parameters with declared ranges (std, scale, concentrations);
    * ``extreme(cfg)``: whether inputs of magnitude ``1e4`` give a well-defined distribution
      for this config (False where the math itself degenerates, e.g. a scale of 0);
    * ``dist(net, inputs)``: the distribution (default ``net(inputs)[0]``);
    * ``sample_size``: draws per distribution in the KS / chi-square test.
    """

    support: Callable[[nn.Module], Support]
    model: Callable[[td.Distribution, nn.Module], Model]
    limits: Callable[[td.Distribution, nn.Module], Sequence[Limit]] = no_limits
    extreme: Callable[[dict], bool] = field(default=lambda cfg: True)
    dist: Callable[[nn.Module, Nest], td.Distribution] = default_dist
    sample_size: int = 400
    #: ``shape_check(dist, spec, batch, what)``: the shape property (default
    #: :func:`check_dist_shape`); a family with other shape conventions plugs in its own
    #: (AMAGO's discrete samples keep a trailing action dim of 1, its GMM's log_prob too).
    shape_check: Callable[[td.Distribution, Any, int, str], None] | None = None

    def check_shape(self, dist: td.Distribution, spec: Any, batch: int, what: str) -> None:
        (self.shape_check or check_dist_shape)(dist, spec, batch, what)

    def outputs(self, net: nn.Module, inputs: Nest) -> dict[str, torch.Tensor]:
        """``Entry.outputs`` of a distribution entry: the summary of its distribution."""
        return summarize(self.dist(net, inputs), self.support(net))

    def timed(self, net: nn.Module, inputs: Nest) -> tuple[torch.Tensor, torch.Tensor]:
        """The benchmarked step: forward, a (reparameterised where possible) sample and its
        log-probability."""
        dist = self.dist(net, inputs)
        y = dist.rsample() if dist.has_rsample else dist.sample()
        return y, dist.log_prob(y)


def check_dist_shape(dist: td.Distribution, spec: Any, batch: int, what: str) -> None:
    """batch_shape ``[B, *spec.batch_shape]``, ``event_shape``, and samples shaped and typed
    ``[*batch_shape, *event_shape]`` / ``spec.dtype`` (``spec``: a DistributionSpec)."""
    want_batch = (batch, *spec.batch_shape)
    assert tuple(dist.batch_shape) == want_batch, (
        f"{what}: batch_shape {list(dist.batch_shape)}, expected {list(want_batch)}"
    )
    assert tuple(dist.event_shape) == tuple(spec.event_shape), (
        f"{what}: event_shape {list(dist.event_shape)}, expected {list(spec.event_shape)}"
    )
    y = dist.sample((2,))
    assert tuple(y.shape) == (2, *want_batch, *spec.event_shape), (
        f"{what}: sample((2,)) shape {list(y.shape)}"
    )
    assert y.dtype == spec.dtype, f"{what}: sample dtype {y.dtype}, expected {spec.dtype}"
    if dist.has_rsample:
        assert dist.rsample().shape == y.shape[1:], f"{what}: rsample shape"
    assert tuple(dist.log_prob(y).shape) == (2, *want_batch), f"{what}: log_prob shape"


def dist_outputs(spec: DistSpec) -> Callable[[nn.Module, Nest], Nest]:
    return spec.outputs


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
        return base_logpdf(np.arctanh(u)) - np.log1p(-u * u) - np.log(magnitude)

    def cdf(y: np.ndarray) -> np.ndarray:
        u = np.clip((y - mean) / magnitude, -1.0, 1.0)
        with np.errstate(divide="ignore"):
            return base_cdf(np.arctanh(u))

    return logpdf, cdf
