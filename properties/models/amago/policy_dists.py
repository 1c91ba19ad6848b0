"""The independent statement of AMAGO's policy-head distributions: for each head, its
support and shapes from the plain-data config (with AMAGO's trailing dims of 1), a scipy
model (float64) of the *reference* distribution and the declared parameter limits, as
:class:`~properties.kinds.distribution.Law` objects the entries of
``properties/entries/amago/policy_dists.py`` declare."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from scipy import special, stats

from properties.distributions import (
    Categories,
    Interval,
    Limit,
    Model,
    Real,
    find_parameter,
    to_numpy,
)
from properties.kinds.distribution import Api, DistShape, Law

UNIT = Interval(torch.tensor(-1.0), torch.tensor(1.0))
#: The epsilon of upstream's tanh-GMM log-density (its guarded inverse and Jacobian).
GMM_EPSILON = 1e-6
#: Relative slack of declared limits: a saturated exp(log low) may round below ``low``.
SLACK = 1e-6


def inner(cfg: dict) -> tuple[int, ...]:
    return tuple(cfg["inner_batch"])


def elementwise_shape(cfg: dict) -> DistShape:
    """One scalar distribution per action dim: batch ``[*inner, d]``, event ``()``."""
    return DistShape((*inner(cfg), cfg["d_action"]), (), torch.float32)


def vector_shape(dtype: torch.dtype) -> Callable[[dict], DistShape]:
    """One distribution over ``[d]`` action vectors per row: batch ``inner``, event ``[d]``."""
    return lambda cfg: DistShape(inner(cfg), (cfg["d_action"],), dtype)


def discrete_shape(cfg: dict) -> DistShape:
    return DistShape(inner(cfg), (), torch.int64)


def _upper(high: float | None) -> float | None:
    return None if high is None else high * (1 + SLACK)


def tanh_gaussian_model(dist: Any, cfg: dict) -> Model:
    """tanh(N(loc, scale)) per dim: ``log p(y) = log N(atanh(c); loc, scale) - log(1 - c^2)``
    with ``c = clip(y)`` (the head clips before atanh); a fresh sample's is the same at
    ``c = y`` (its cached pre-tanh value is not clipped); ``CDF(y) = Phi((atanh y - loc) /
    scale)``."""
    loc, scale = to_numpy(dist.base_dist.loc), to_numpy(dist.base_dist.scale)
    lo, hi = cfg["clip_actions_on_log_prob"]

    def density(c: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return stats.norm.logpdf(np.arctanh(c), loc, scale) - np.log1p(-c * c)

    def cdf(y: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return stats.norm.cdf(np.arctanh(y), loc, scale)

    return Model(lambda y: density(np.clip(y, lo, hi)), cdf=cdf, fresh_log_prob=density)


def tanh_gaussian_limits(dist: Any, cfg: dict) -> list[Limit]:
    low, high = cfg["std_low"] * (1 - SLACK), cfg["std_high"] * (1 + SLACK)
    return [Limit("std", find_parameter(dist, "scale"), low, high)]


def beta_model(dist: Any, cfg: dict) -> Model:
    """2 Beta(a, b) - 1: scipy ``beta(a, b, loc=-1, scale=2)``, log_prob at clip(y)."""
    base = dist.base_dist
    a, b = to_numpy(base.concentration1), to_numpy(base.concentration0)
    lo, hi = cfg["clip_actions_on_log_prob"]
    law = stats.beta(a, b, loc=-1.0, scale=2.0)
    return Model(lambda y: law.logpdf(np.clip(y, lo, hi)), cdf=law.cdf)


def beta_limits(dist: Any, cfg: dict) -> list[Limit]:
    return [
        Limit(
            "alpha",
            find_parameter(dist, "concentration1"),
            cfg["alpha_low"],
            _upper(cfg["alpha_high"]),
        ),
        Limit(
            "beta",
            find_parameter(dist, "concentration0"),
            cfg["beta_low"],
            _upper(cfg["beta_high"]),
        ),
    ]


def gmm_model(dist: Any, cfg: dict) -> Model:
    """tanh of sum_m w_m N(mu_m, diag s_m^2): with upstream's guarded inverse
    x = log(max(1 + y, eps) / max(1 - y, eps)) / 2 (atanh(y) for |y| < 1 - eps) and its
    epsilon-regularised Jacobian, eps = 1e-6,

        log p(y) = logsumexp_m(log w_m + sum_d log N(x_d; mu_md, s_md))
                   - sum_d log(1 - y_d^2 + eps)

    (the ``[..., 1]`` of its log_prob is the law's suffix); the marginal CDF of y_d is
    sum_m w_m Phi((atanh(y_d) - mu_md) / s_md).
    """
    mixture = dist.base_dist
    normal = mixture.component_distribution.base_dist
    means, stds = to_numpy(normal.loc), to_numpy(normal.scale)
    log_w = special.log_softmax(to_numpy(mixture.mixture_distribution.logits), -1)

    def log_prob(y: np.ndarray) -> np.ndarray:
        eps = GMM_EPSILON
        x = 0.5 * np.log(np.maximum(1 + y, eps) / np.maximum(1 - y, eps))[..., None, :]
        per_mode = stats.norm.logpdf(x, means, stds).sum(-1) + log_w
        return special.logsumexp(per_mode, -1) - np.log(1 - y * y + eps).sum(-1)

    def cdf(y: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            x = np.arctanh(y)[..., None, :]
        return (np.exp(log_w)[..., None] * stats.norm.cdf(x, means, stds)).sum(-2)

    return Model(log_prob, cdf=cdf)


def gmm_limits(dist: Any, cfg: dict) -> list[Limit]:
    low = cfg["std_low"] * (1 - SLACK)
    return [Limit("std", find_parameter(dist, "scale"), low, _upper(cfg["std_high"]))]


def categorical_model(probs: torch.Tensor, onehot: bool) -> Model:
    """Category probabilities ``p``: log_prob(k) = log p_k (k the argmax of a one-hot
    vector), entropy -sum p log p."""
    p = to_numpy(probs)
    with np.errstate(divide="ignore"):
        log_p = np.log(p)

    def log_prob(values: np.ndarray) -> np.ndarray:
        k = values.argmax(-1) if onehot else values.astype(np.int64)
        table = np.broadcast_to(log_p, (*k.shape, p.shape[-1]))
        return np.take_along_axis(table, k[..., None], -1)[..., 0]

    return Model(log_prob, entropy=-special.xlogy(p, p).sum(-1), probs=p)


def discrete_limits(dist: Any, cfg: dict) -> list[Limit]:
    """Renormalising the clipped probabilities c (low <= c <= high, sum S) keeps every p
    within [low / (1 + K low), high / (high + (K - 1) low)]: S <= 1 + K low, and a
    category's share is largest when every other sits at ``low``. (Not inside
    [low, high] itself: K = 2, softmax (1, 0) gives p = (0.99 / 0.991, 0.001 / 0.991).)"""
    k, lo, hi = cfg["d_action"], cfg["clip_prob_low"], cfg["clip_prob_high"]
    low, high = lo / (1 + k * lo), hi / (hi + (k - 1) * lo)
    return [Limit("probs", find_parameter(dist, "probs"), low * (1 - SLACK), high * (1 + SLACK))]


def bernoulli_model(dist: Any, cfg: dict) -> Model:
    p = to_numpy(dist.probs)

    def log_prob(values: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.where(values > 0.5, np.log(p), np.log1p(-p))

    entropy = -(special.xlogy(p, p) + special.xlogy(1 - p, 1 - p))
    return Model(log_prob, entropy=entropy, probs=np.stack([1 - p, p], -1))


def normal_model(dist: Any, cfg: dict) -> Model:
    law = stats.norm(to_numpy(dist.loc), to_numpy(dist.scale))
    return Model(law.logpdf, entropy=law.entropy(), cdf=law.cdf)


def _categories(cfg: dict) -> Categories:
    return Categories(cfg["d_action"])


LAWS: dict[str, Law] = {
    "PolicyOutput": Law(lambda cfg: Real(), elementwise_shape, normal_model),
    "TanhGaussian": Law(
        lambda cfg: UNIT, elementwise_shape, tanh_gaussian_model, tanh_gaussian_limits
    ),
    "Beta": Law(lambda cfg: UNIT, elementwise_shape, beta_model, beta_limits),
    "GMM": Law(
        lambda cfg: UNIT,
        vector_shape(torch.float32),
        gmm_model,
        gmm_limits,
        api=Api(log_prob_suffix=(1,)),
        sample_preimage=False,
    ),
    "Discrete": Law(
        _categories,
        discrete_shape,
        lambda dist, cfg: categorical_model(dist.probs, onehot=False),
        discrete_limits,
        api=Api(sample_suffix=(1,)),
    ),
    "DiscreteLikeContinuous": Law(
        lambda cfg: Categories(cfg["d_action"], onehot=True),
        vector_shape(torch.float32),
        lambda dist, cfg: categorical_model(dist.probs, onehot=True),
        api=Api(torch=False, rsample=True),
    ),
    "Multibinary": Law(
        lambda cfg: Categories(2, float_values=True), elementwise_shape, bernoulli_model
    ),
}
