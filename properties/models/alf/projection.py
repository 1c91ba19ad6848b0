"""The independent statement of the ALF projection networks' distributions: for each head,
its support and shapes from the plain-data config, a scipy.stats model of the *reference*
distribution (``dist_logprob``, ``dist_sampling``) and the declared parameter limits
(``dist_bounds``). The entries of ``properties/entries/alf/projection.py`` declare these
laws; the distribution properties check them."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.distributions as td
from scipy import special, stats

from properties.distributions import (
    Categories,
    Interval,
    Limit,
    Model,
    Real,
    Support,
    event_sum,
    find_parameter,
    squashed,
    to_numpy,
)
from properties.kinds.distribution import DistShape, Law
from reference import distributions as rd
from reference.specs import BoundedTensorSpec


def interval_of(spec: BoundedTensorSpec) -> Interval:
    lo = torch.as_tensor(np.broadcast_to(spec.minimum, spec.shape).copy())
    hi = torch.as_tensor(np.broadcast_to(spec.maximum, spec.shape).copy())
    return Interval(lo, hi)


def num_categories(spec: BoundedTensorSpec) -> int:
    return int(np.max(spec.maximum) - np.min(spec.minimum)) + 1


def scaled_support(cfg: dict) -> Support:
    """The action box with ``scale_distribution``, else the real line (``squash_mean``
    squashes the mean only)."""
    return interval_of(cfg["action_spec"]) if cfg["scale_distribution"] else Real()


def box_support(cfg: dict) -> Support:
    return interval_of(cfg["action_spec"])


def categorical_support(cfg: dict) -> Support:
    return Categories(num_categories(cfg["action_spec"]))


def onehot_support(cfg: dict) -> Support:
    return Categories(num_categories(cfg["action_spec"]), onehot=True)


def continuous_shape(cfg: dict) -> DistShape:
    return DistShape((), tuple(cfg["action_spec"].shape), torch.float32)


def categorical_shape(cfg: dict) -> DistShape:
    return DistShape((), tuple(cfg["action_spec"].shape), torch.int64)


def onehot_shape(cfg: dict) -> DistShape:
    spec = cfg["action_spec"]
    return DistShape((), (*spec.shape, num_categories(spec)), torch.float32)


def _elementwise(dist: Any) -> tuple[Any, Any, np.ndarray | None]:
    """(logpdf, cdf, entropy) elementwise (over batch + event) of a reference continuous
    distribution."""
    if isinstance(dist, rd.SquashedDistribution):
        base_lp, base_cdf, _ = _elementwise(dist.base_dist)
        m, s = to_numpy(dist.action_mean), to_numpy(dist.action_magnitude)
        lp, cdf = squashed(base_lp, base_cdf, m, s)
        return lp, cdf, None
    if isinstance(dist, rd.DiagMultivariateNormal):
        frozen = stats.norm(to_numpy(dist.loc), to_numpy(dist.scale))
    elif isinstance(dist, rd.DiagMultivariateCauchy):
        frozen = stats.cauchy(to_numpy(dist.loc), to_numpy(dist.scale))
    elif isinstance(dist, rd.AffineTransformedDistribution):
        b: Any = dist.base_dist
        frozen = stats.beta(
            to_numpy(b.concentration1),
            to_numpy(b.concentration0),
            loc=to_numpy(dist.loc),
            scale=to_numpy(dist.scale),
        )
    elif isinstance(dist, rd.TruncatedNormal):
        loc, scale = to_numpy(dist.loc), to_numpy(dist.scale)
        lo, hi = to_numpy(dist.lower_bound), to_numpy(dist.upper_bound)
        frozen = stats.truncnorm((lo - loc) / scale, (hi - loc) / scale, loc=loc, scale=scale)
        return frozen.logpdf, frozen.cdf, None  # no entropy: neither the spec nor ALF has one
    else:
        raise TypeError(f"no scipy model for {type(dist).__name__}")
    return frozen.logpdf, frozen.cdf, frozen.entropy()


def continuous_model(dist: Any, cfg: dict) -> Model:
    """scipy.stats statement of a reference continuous projection distribution."""
    lp, cdf, entropy = _elementwise(dist)
    return Model(
        lambda v: event_sum(lp(v), 1),
        None if entropy is None else event_sum(entropy, 1),
        cdf,
    )


def categorical_model(dist: Any, onehot: bool) -> Model:
    """log p(k) = log_softmax(logits)_k (k the argmax of a one-hot vector), summed over the
    action's elements; entropy -sum p log p."""
    base = dist.base_dist if isinstance(dist, td.Independent) else dist
    log_p = special.log_softmax(to_numpy(base.logits), axis=-1)
    extra = len(dist.event_shape) - (1 if onehot else 0)

    def log_prob(values: np.ndarray) -> np.ndarray:
        idx = values.argmax(-1) if onehot else values.astype(np.int64)
        table = np.broadcast_to(log_p, (*idx.shape, log_p.shape[-1]))
        return event_sum(np.take_along_axis(table, idx[..., None], -1)[..., 0], extra)

    entropy = event_sum(-(np.exp(log_p) * log_p).sum(-1), extra)
    return Model(log_prob, entropy, probs=np.exp(log_p))


def mixture_model(dist: Any, cfg: dict) -> Model:
    """p(y) = sum_k w_k p_k(y) with the components' elementwise scipy laws; the marginal
    CDF is the weighted sum of the components'."""
    lp, cdf, _ = _elementwise(dist.component_distribution)
    log_w = special.log_softmax(to_numpy(dist.mixture_distribution.logits), -1)

    def log_prob(values: np.ndarray) -> np.ndarray:
        per = event_sum(lp(values[..., None, :]), 1)  # [P, *batch, K]
        return special.logsumexp(per + log_w, axis=-1)

    def mix_cdf(values: np.ndarray) -> np.ndarray:
        return (cdf(values[..., None, :]) * np.exp(log_w)[..., None]).sum(-2)

    return Model(log_prob, None, mix_cdf)


#: Relative slack of declared limits (a limit computed in float32 may round past it).
SLACK = 1e-5


def normal_limits(dist: Any, cfg: dict) -> list[Limit]:
    return [Limit("std", find_parameter(dist, "scale"), low=0.0)]


def stable_limits(dist: Any, cfg: dict) -> list[Limit]:
    low = cfg["min_std"] - SLACK * (1 + cfg["min_std"])
    high = None if cfg["max_std"] is None else cfg["max_std"] * (1 + SLACK)
    return [Limit("std", find_parameter(dist, "scale"), low=low, high=high)]


def beta_limits(dist: Any, cfg: dict) -> list[Limit]:
    low = cfg["min_concentration"]
    return [
        Limit("concentration1", find_parameter(dist, "concentration1"), low=low),
        Limit("concentration0", find_parameter(dist, "concentration0"), low=low),
    ]


def truncated_limits(dist: Any, cfg: dict) -> list[Limit]:
    return [
        Limit("scale", find_parameter(dist, "scale"), low=cfg["min_scale"], high=cfg["max_scale"])
    ]


NORMAL = Law(
    scaled_support,
    continuous_shape,
    continuous_model,
    normal_limits,
)
STABLE = Law(
    scaled_support,
    continuous_shape,
    continuous_model,
    stable_limits,
)
CAUCHY = Law(
    scaled_support,
    continuous_shape,
    continuous_model,
    normal_limits,
)
BETA = Law(
    box_support,
    continuous_shape,
    continuous_model,
    beta_limits,
    finite_rsample_grad=lambda cfg: False,  # torch's implicit Beta gradient (Law doc)
)
TRUNCATED = Law(
    box_support,
    continuous_shape,
    continuous_model,
    truncated_limits,
    # at the smallest proper scale (1e-19 in float32) the standardised bounds reach 1e19,
    # where torch's log_ndtr backward and 1 / scale^2 overflow into NaN: not yet handled
    finite_rsample_grad=lambda cfg: False,
)
CATEGORICAL = Law(
    categorical_support,
    categorical_shape,
    lambda dist, cfg: categorical_model(dist, onehot=False),
)
ONEHOT = Law(onehot_support, onehot_shape, lambda dist, cfg: categorical_model(dist, onehot=True))
MIXTURE = Law(scaled_support, continuous_shape, mixture_model, sample_preimage=False)
