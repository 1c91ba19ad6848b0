"""Catalog entries of ``amago.nets.policy_dists``: the policy heads and the bounded-positive
functions.

* A policy head (``PolicyOutput``) is a plain object without parameters, called as
  ``head(vec)`` with ``vec: [B, *inner, input_dimension]`` (an
  :class:`~properties.kinds.amago_head.AmagoHead`); its law comes from the config: the
  support, the shapes (with AMAGO's trailing dims of 1: a Discrete head's ``sample()``, a
  GMM's ``log_prob``), a scipy model of the reference distribution and the declared limits.
  ``PolicyOutput`` itself is exercised through a minimal subclass (a Gaussian head);
  ``DiscreteLikeContinuous`` wraps the distribution of a ``Discrete`` head, read through
  the members its spec documents ("Bases: object").
* ``softplus_bounded_positive`` / ``tanh_bounded_positive`` are functions
  (:class:`~properties.kinds.function.Function`), wrapped as ``x -> f(x, low, high)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.distributions as td
import torch.nn.functional as F
from hypothesis import strategies as st
from scipy import special, stats

from properties.candidate import Impl
from properties.distributions import (
    Categories,
    Interval,
    Limit,
    Model,
    Real,
    find_parameter,
    to_numpy,
)
from properties.entry import BadConfig, Bench, BenchCase, Entry
from properties.kinds.amago_head import AmagoHead
from properties.kinds.distribution import Api, DistShape, Law
from properties.kinds.function import Function
from reference.specs import TensorSpec

UNIT = Interval(torch.tensor(-1.0), torch.tensor(1.0))
#: The epsilon of upstream's tanh-GMM log-density (its guarded inverse and Jacobian).
GMM_EPSILON = 1e-6
#: Relative slack of declared limits: a saturated exp(log low) may round below ``low``.
SLACK = 1e-6
STD_ACTIVATIONS = ("tanh_bounded_positive", "softplus_bounded_positive")
#: Outer dims of a head's input besides the batch: none, or a length (AMAGO's [B, L, d]).
INNER_BATCHES = ((), (2,))

# --------------------------------------------------------------------------------------
# configs
# --------------------------------------------------------------------------------------


def clip_ranges() -> st.SearchStrategy[tuple[float, float]]:
    return st.sampled_from([(-0.99, 0.99), (-0.999, 0.999), (-0.9, 0.95), (-0.999999, 0.999999)])


@st.composite
def tanh_gaussian_configs(draw: Any) -> dict:
    low = draw(st.sampled_from([math.exp(-5.0), 1e-3, 0.05]))
    return {
        "d_action": draw(st.integers(1, 4)),
        "std_low": low,
        "std_high": low * draw(st.sampled_from([10.0, 1000.0, math.exp(7.0)])),
        "std_activation": draw(st.sampled_from(STD_ACTIVATIONS)),
        "clip_actions_on_log_prob": draw(clip_ranges()),
        "inner_batch": draw(st.sampled_from(INNER_BATCHES)),
    }


@st.composite
def beta_configs(draw: Any) -> dict:
    def high(low: float) -> float | None:
        return draw(st.sampled_from([None, low + 5.0, low + 50.0]))

    alpha_low = draw(st.sampled_from([1.0001, 1.5, 0.5]))
    beta_low = draw(st.sampled_from([1.0001, 2.0]))
    return {
        "d_action": draw(st.integers(1, 4)),
        "alpha_low": alpha_low,
        "alpha_high": high(alpha_low),
        "beta_low": beta_low,
        "beta_high": high(beta_low),
        "clip_actions_on_log_prob": draw(clip_ranges()),
        "inner_batch": draw(st.sampled_from(INNER_BATCHES)),
    }


@st.composite
def gmm_configs(draw: Any) -> dict:
    low = draw(st.sampled_from([1e-4, 0.05]))
    activation = draw(st.sampled_from(STD_ACTIVATIONS))
    high = 3.0 if activation == "tanh_bounded_positive" else draw(st.sampled_from([None, 3.0]))
    return {
        "d_action": draw(st.integers(1, 3)),
        "gmm_modes": draw(st.integers(1, 4)),
        "std_low": low,
        "std_high": high,
        "std_activation": activation,
        "inner_batch": draw(st.sampled_from(INNER_BATCHES)),
    }


@st.composite
def discrete_configs(draw: Any) -> dict:
    return {
        "d_action": draw(st.integers(2, 6)),
        "clip_prob_low": draw(st.sampled_from([0.0, 0.001, 0.05])),
        "clip_prob_high": draw(st.sampled_from([0.99, 0.999, 1.0])),
        "inner_batch": draw(st.sampled_from(INNER_BATCHES)),
    }


@st.composite
def discrete_like_continuous_configs(draw: Any) -> dict:
    cfg = draw(discrete_configs())
    cfg["gumbel_softmax_temperature"] = draw(st.sampled_from([0.5, 1.0, 0.1]))
    return cfg


@st.composite
def plain_head_configs(draw: Any) -> dict:
    """Configs of heads with only ``d_action`` (Multibinary, the PolicyOutput base)."""
    return {
        "d_action": draw(st.integers(1, 5)),
        "inner_batch": draw(st.sampled_from(INNER_BATCHES)),
    }


@st.composite
def bounded_function_configs(draw: Any, needs_high: bool) -> dict:
    low = draw(st.sampled_from([math.exp(-5.0), 1e-4, 0.5, 1.0001]))
    high = (
        None
        if not needs_high and draw(st.booleans())
        else low * draw(st.sampled_from([2.0, 100.0, math.exp(7.0)]))
    )
    return {"d": draw(st.integers(1, 6)), "low": low, "high": high}


# --------------------------------------------------------------------------------------
# heads: builds, input sizes, shapes
# --------------------------------------------------------------------------------------


def input_dimension(name: str) -> Callable[[dict], int]:
    """The vec size the spec gives each head for a config."""

    def size(cfg: dict) -> int:
        d = cfg["d_action"]
        if name in ("TanhGaussian", "Beta", "PolicyOutput"):
            return 2 * d
        if name == "GMM":
            return 2 * cfg["gmm_modes"] * d + cfg["gmm_modes"]
        return d

    return size


def inner(cfg: dict) -> tuple[int, ...]:
    return tuple(cfg["inner_batch"])


def empty_length(cfg: dict) -> dict:
    return {**cfg, "inner_batch": (0,)}


def head_builder(name: str) -> Callable[[Impl, dict], Any]:
    def build(impl: Impl, cfg: dict) -> Any:
        drop = {"inner_batch", "gumbel_softmax_temperature"}
        kw = {k: v for k, v in cfg.items() if k not in drop}
        if "std_activation" in kw:
            kw["std_activation"] = impl.get(f"amago.{kw['std_activation']}")
        return impl.get(f"amago.{name}")(**kw)

    return build


def _normal_head_class(impl: Impl) -> type:
    """A minimal subclass of the implementation's ``PolicyOutput`` using only the spec's
    API: a Gaussian with std = softplus(raw) + 0.1; exercises the base class (input
    checks, call routing)."""
    cache = _normal_head_class.__dict__.setdefault("cache", {})
    base = impl.amago.PolicyOutput
    if base not in cache:

        class NormalHead(base):  # type: ignore[misc, valid-type]
            @property
            def actions_differentiable(self) -> bool:
                return True

            @property
            def is_discrete(self) -> bool:
                return False

            @property
            def input_dimension(self) -> int:
                return 2 * self.d_action

            def forward(self, vec: torch.Tensor, log_dict: dict | None = None) -> td.Normal:
                mu, raw = vec.chunk(2, -1)
                return td.Normal(mu, F.softplus(raw) + 0.1)

        cache[base] = NormalHead
    return cache[base]


def build_policy_output(impl: Impl, cfg: dict) -> Any:
    return _normal_head_class(impl)(cfg["d_action"])


class OneHotHead:
    """``vec -> DiscreteLikeContinuous(Discrete(d)(vec), temperature)`` of one package, the
    way AMAGO's agent wraps a discrete head; its actions are the wrapper's ``rsample()``
    (so ``actions_differentiable``), its distribution already the one-hot view."""

    actions_differentiable = True
    is_discrete = False

    def __init__(self, impl: Impl, cfg: dict):
        kw = {k: cfg[k] for k in ("d_action", "clip_prob_low", "clip_prob_high")}
        self.discrete = impl.amago.Discrete(**kw)
        self.wrapper = impl.amago.DiscreteLikeContinuous
        self.temperature = cfg["gumbel_softmax_temperature"]
        self.input_dimension = self.discrete.input_dimension

    def __call__(self, vec: torch.Tensor, log_dict: dict | None = None) -> Any:
        categorical = self.discrete(vec, log_dict=log_dict)
        return self.wrapper(categorical, gumbel_softmax_temperature=self.temperature)


def elementwise_shape(cfg: dict) -> DistShape:
    """One scalar distribution per action dim: batch ``[*inner, d]``, event ``()``."""
    return DistShape((*inner(cfg), cfg["d_action"]), (), torch.float32)


def vector_shape(dtype: torch.dtype) -> Callable[[dict], DistShape]:
    """One distribution over ``[d]`` action vectors per row: batch ``inner``, event ``[d]``."""
    return lambda cfg: DistShape(inner(cfg), (cfg["d_action"],), dtype)


def discrete_shape(cfg: dict) -> DistShape:
    return DistShape(inner(cfg), (), torch.int64)


# --------------------------------------------------------------------------------------
# heads: scipy models (float64) and limits, from the reference distribution and the config
# --------------------------------------------------------------------------------------


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

CONFIGS = {
    "PolicyOutput": plain_head_configs,
    "TanhGaussian": tanh_gaussian_configs,
    "Beta": beta_configs,
    "GMM": gmm_configs,
    "Discrete": discrete_configs,
    "DiscreteLikeContinuous": discrete_like_continuous_configs,
    "Multibinary": plain_head_configs,
}

BUILDS: dict[str, Callable[[Impl, dict], Any]] = {
    "PolicyOutput": build_policy_output,
    "DiscreteLikeContinuous": OneHotHead,
}

LEFT_OUT = {
    "GMM": {"reparam_grad": "the spec: its output does not support rsample()"},
    "Discrete": {
        "reparam_grad": "its distribution has no rsample: actions are category indices "
        "(the differentiable view is DiscreteLikeContinuous, its own entry)"
    },
    "Multibinary": {"reparam_grad": "its Bernoulli distribution has no rsample"},
    "DiscreteLikeContinuous": {
        "reparam_grad": "its rsample() is a hard Gumbel-softmax sample: one-hot forward, the "
        "gradient of a relaxed sample whose Gumbel noise the one-hot value does not reveal "
        "(actions_differentiable checks that the gradient reaches vec)"
    },
}

HEAD_BAD = {
    "TanhGaussian": (
        BadConfig(
            "std_low <= 0",
            lambda impl: impl.amago.TanhGaussian(2, std_low=0.0),
            ValueError,
            "std_low",
        ),
        BadConfig(
            "std_high <= std_low",
            lambda impl: impl.amago.TanhGaussian(2, std_low=1.0, std_high=0.5),
            ValueError,
            "std_high",
        ),
        BadConfig(
            "clip outside [-1, 1]",
            lambda impl: impl.amago.TanhGaussian(2, clip_actions_on_log_prob=(-1.5, 0.9)),
            ValueError,
            "clip_actions_on_log_prob",
        ),
        BadConfig("d_action 0", lambda impl: impl.amago.TanhGaussian(0), ValueError, "d_action"),
    ),
    "Beta": (
        BadConfig(
            "alpha_low <= 0",
            lambda impl: impl.amago.Beta(2, alpha_low=0.0),
            ValueError,
            "alpha_low",
        ),
        BadConfig(
            "beta_high <= beta_low",
            lambda impl: impl.amago.Beta(2, beta_high=1.0),
            ValueError,
            "beta_high",
        ),
    ),
    "GMM": (
        BadConfig(
            "gmm_modes 0", lambda impl: impl.amago.GMM(2, gmm_modes=0), ValueError, "gmm_modes"
        ),
        BadConfig(
            "std_low <= 0", lambda impl: impl.amago.GMM(2, std_low=-1.0), ValueError, "std_low"
        ),
    ),
    "Discrete": (
        BadConfig(
            "clip_prob_low > clip_prob_high",
            lambda impl: impl.amago.Discrete(3, 0.5, 0.4),
            ValueError,
            "clip_prob",
        ),
    ),
    "DiscreteLikeContinuous": (
        BadConfig(
            "not a Categorical",
            lambda impl: impl.amago.DiscreteLikeContinuous(td.Normal(0.0, 1.0)),
            TypeError,
            "Categorical",
        ),
        BadConfig(
            "temperature 0",
            lambda impl: impl.amago.DiscreteLikeContinuous(
                td.Categorical(logits=torch.zeros(3)), 0.0
            ),
            ValueError,
            "gumbel_softmax_temperature",
        ),
    ),
    "Multibinary": (
        BadConfig("d_action -1", lambda impl: impl.amago.Multibinary(-1), ValueError, "d_action"),
    ),
}


def _tanh_gaussian_bench() -> Bench:
    cfg = {
        "d_action": 6,
        "std_low": math.exp(-5.0),
        "std_high": math.exp(2.0),
        "std_activation": "tanh_bounded_positive",
        "clip_actions_on_log_prob": (-0.99, 0.99),
        "inner_batch": (),
    }
    return Bench((BenchCase("B*L=4096,d=6", cfg, 4096),))


def head_entries() -> list[Entry]:
    return [
        Entry(
            f"amago.{name}",
            AmagoHead(
                law=LAWS[name],
                input_dimension=input_dimension(name),
                inner=inner,
                empty_length=empty_length,
            ),
            configs,
            BUILDS.get(name) or head_builder(name),
            left_out=LEFT_OUT.get(name, {}),
            bad_configs=HEAD_BAD.get(name, ()),
            bench=_tanh_gaussian_bench() if name == "TanhGaussian" else Bench(),
        )
        for name, configs in CONFIGS.items()
    ]


# --------------------------------------------------------------------------------------
# bounded positive functions
# --------------------------------------------------------------------------------------


class Bounded:
    """``x -> f(x, low, high)``: a function entry seen as a callable of one tensor."""

    def __init__(self, fn: Callable, low: float, high: float | None):
        self.fn, self.low, self.high = fn, low, high

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x, self.low, self.high)


def _function_entry(name: str, needs_high: bool) -> Entry:
    def build(impl: Impl, cfg: dict) -> Bounded:
        return Bounded(impl.get(f"amago.{name}"), cfg["low"], cfg["high"])

    return Entry(
        f"amago.{name}",
        Function(
            spec=lambda cfg: TensorSpec((cfg["d"],)),
            input_scale=3.0,
            output_range=lambda cfg: (cfg["low"], cfg["high"]),
        ),
        lambda: bounded_function_configs(needs_high),
        build,
    )


def entries() -> list[Entry]:
    return [
        *head_entries(),
        _function_entry("softplus_bounded_positive", needs_high=False),
        _function_entry("tanh_bounded_positive", needs_high=True),
    ]
