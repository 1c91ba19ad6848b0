"""Catalog entries of AMAGO's ``amago`` family: policy output heads and timestep encoders.

Not ALF-shaped, on purpose:

* a policy head (``PolicyOutput``) is a plain callable object without parameters, called
  as ``head(vec)`` with ``vec: [B, *inner, input_dimension]``; its distribution is
  compared through :mod:`properties.distributions` (summary, support, scipy model);
  ``DiscreteLikeContinuous`` wraps the distribution of a ``Discrete`` head;
* ``softplus_bounded_positive`` / ``tanh_bounded_positive`` are functions, wrapped as
  ``x -> f(x, low, high)``;
* a timestep encoder is an ``nn.Module`` called as ``net(obs_dict, rl2s)`` on
  ``[B, L, ...]`` tensors; its input nest here is ``{"obs": {...}, "rl2s": ...}``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.distributions as td
import torch.nn.functional as F
from scipy import special, stats
from torch import nn

from properties import strategies_amago as SA
from properties.distributions import (
    Categories,
    DistSpec,
    Interval,
    Limit,
    Model,
    Real,
    check_dist_shape,
    to_numpy,
)
from properties.entry import GENERIC, BadConfig, BenchCase, Entry
from reference.distributions import DistributionSpec
from reference.specs import Nest, TensorSpec

FAMILY = "amago"
DIST_PROPS = frozenset({"dist_bounds", "dist_logprob", "dist_sampling", "determinism"})
HEAD_PROPS = (GENERIC - {"init"}) | DIST_PROPS | {"actions_differentiable"}
UNIT = Interval(torch.tensor(-1.0), torch.tensor(1.0))
SLACK = 1e-6  # relative slack of declared limits: a saturated exp(log low) may round below

# --------------------------------------------------------------------------------------
# heads: building, inputs, shapes
# --------------------------------------------------------------------------------------


def input_dimension(name: str, cfg: dict) -> int:
    """The vec size each head needs, from the spec (independent of any implementation)."""
    d = cfg["d_action"]
    if name in ("TanhGaussian", "Beta", "PolicyOutput"):
        return 2 * d
    if name == "GMM":
        return 2 * cfg["gmm_modes"] * d + cfg["gmm_modes"]
    return d


def _std_activation(impl: Any, cfg: dict) -> Callable:
    return getattr(impl.amago, cfg["std_activation"])


def _head_kwargs(cfg: dict) -> dict:
    drop = {"inner_batch", "std_activation", "gumbel_softmax_temperature"}
    return {k: v for k, v in cfg.items() if k not in drop}


def _head_builder(name: str) -> Callable[[Any, dict], Any]:
    def build(impl: Any, cfg: dict) -> Any:
        kw = _head_kwargs(cfg)
        if "std_activation" in cfg:
            kw["std_activation"] = _std_activation(impl, cfg)
        return getattr(impl.amago, name)(**kw)

    return build


def _normal_head_class(impl: Any) -> type:
    """A minimal subclass of the implementation's ``PolicyOutput``: a Gaussian with
    std = softplus(raw) + 0.1; exercises the base class (input checks, call routing)."""
    cache = _normal_head_class.__dict__.setdefault("cache", {})
    base = impl.amago.PolicyOutput
    if base not in cache:

        class NormalHead(base):  # type: ignore[misc, valid-type]
            actions_differentiable = True
            is_discrete = False

            @property
            def input_dimension(self) -> int:
                return 2 * self.d_action

            def forward(self, vec: torch.Tensor, log_dict: dict | None = None) -> td.Normal:
                mu, raw = vec.chunk(2, -1)
                return td.Normal(mu, F.softplus(raw) + 0.1)

        cache[base] = NormalHead
    return cache[base]


def build_policy_output(impl: Any, cfg: dict) -> Any:
    return _normal_head_class(impl)(cfg["d_action"])


class OneHotHead:
    """``vec -> DiscreteLikeContinuous(Discrete(d)(vec), temperature)`` of one package."""

    def __init__(self, impl: Any, cfg: dict):
        kw = {k: cfg[k] for k in ("d_action", "clip_prob_low", "clip_prob_high")}
        self.discrete = impl.amago.Discrete(**kw)
        self.wrapper = impl.amago.DiscreteLikeContinuous
        self.temperature = cfg["gumbel_softmax_temperature"]
        self.input_dimension = self.discrete.input_dimension
        self.actions_differentiable = True

    def __call__(self, vec: torch.Tensor) -> Any:
        return self.wrapper(self.discrete(vec), gumbel_softmax_temperature=self.temperature)


def head_inputs(name: str) -> Callable[..., Nest]:
    def inputs(
        net: Any, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype
    ) -> torch.Tensor:
        shape = (batch, *cfg["inner_batch"], input_dimension(name, cfg))
        return 2.0 * torch.randn(shape, generator=generator, dtype=dtype)

    return inputs


def head_input_spec(net: Any, cfg: dict) -> TensorSpec:
    return TensorSpec((net.input_dimension,))


def head_output_spec(name: str) -> Callable[[Any, dict], DistributionSpec]:
    def spec(net: Any, cfg: dict) -> DistributionSpec:
        d, inner = cfg["d_action"], tuple(cfg["inner_batch"])
        if name in ("TanhGaussian", "Beta", "PolicyOutput"):
            return DistributionSpec(name, (*inner, d), (), torch.float32)
        if name == "Multibinary":
            return DistributionSpec(name, (*inner, d), (), torch.float32)
        if name == "GMM":
            return DistributionSpec(name, inner, (d,), torch.float32)
        if name == "Discrete":
            return DistributionSpec(name, inner, (), torch.int64)
        return DistributionSpec(name, inner, (d,), torch.float32)  # one-hot

    return spec


def amago_dist_shape(dist: td.Distribution, spec: Any, batch: int, what: str) -> None:
    """The generic shape check, with upstream's trailing dims of 1: a Discrete head's
    ``sample()`` is ``[..., 1]`` (and ``log_prob`` takes the indices without it); a GMM's
    ``log_prob`` is ``[..., 1]``."""
    if spec.kind not in ("Discrete", "GMM"):
        check_dist_shape(dist, spec, batch, what)
        return
    want_batch = (batch, *spec.batch_shape)
    assert tuple(dist.batch_shape) == want_batch, f"{what}: batch_shape {list(dist.batch_shape)}"
    assert tuple(dist.event_shape) == tuple(spec.event_shape), f"{what}: event_shape"
    y = dist.sample((2,))
    if spec.kind == "Discrete":
        assert tuple(y.shape) == (2, *want_batch, 1), f"{what}: sample shape {list(y.shape)}"
        assert y.dtype == spec.dtype
        assert tuple(dist.log_prob(y.squeeze(-1)).shape) == (2, *want_batch)
    else:
        assert tuple(y.shape) == (2, *want_batch, *spec.event_shape), f"{what}: sample shape"
        assert y.dtype == spec.dtype
        assert tuple(dist.log_prob(y).shape) == (2, *want_batch, 1), f"{what}: log_prob shape"


def head_bad_inputs(net: Any, cfg: dict, x: torch.Tensor) -> list:
    return [
        ("vec last dim +1", torch.cat([x, x[..., :1]], -1), ValueError),
        ("vec last dim -1", x[..., :-1], ValueError),
        ("vec as int64", x.to(torch.int64), TypeError),
        ("vec as a list", [x], TypeError),
        ("vec without dims", x.reshape(-1)[0], ValueError),
    ]


# --------------------------------------------------------------------------------------
# heads: distribution specs (scipy models, float64)
# --------------------------------------------------------------------------------------


def _clip(net: Any) -> tuple[float, float]:
    return tuple(getattr(net, "clip_actions_on_log_prob", (-1.0, 1.0)))  # type: ignore[return-value]


def with_saturation(cdf: Callable[[np.ndarray], np.ndarray]) -> Callable:
    """A CDF on [-1, 1] whose samples may round to exactly +-1 (tanh saturates in floating
    point): values at a bound get the randomised probability integral transform over the
    mass that rounds there (seeded), so a correct sampler still gives U(0, 1)."""

    def pit(y: np.ndarray) -> np.ndarray:
        u = np.array(cdf(np.clip(y, -1.0, 1.0)), dtype=np.float64)
        top, bottom = y >= 1.0, y <= -1.0
        if top.any() or bottom.any():
            r = np.random.default_rng(0).uniform(size=y.shape)
            below_top = cdf(np.full_like(y, np.nextafter(1.0, 0.0)))
            above_bottom = cdf(np.full_like(y, np.nextafter(-1.0, 0.0)))
            u = np.where(top, below_top + r * (1.0 - below_top), u)
            u = np.where(bottom, r * above_bottom, u)
        return u

    return pit


def tanh_gaussian_model(dist: td.Distribution, net: Any) -> Model:
    """tanh(N(loc, scale)) per dim: log p(y) = log N(atanh(c); loc, scale) - log(1 - c^2)
    with c = clip(y) (the head clips before atanh); CDF(y) = Phi((atanh y - loc) / scale)."""
    base = dist.base_dist
    loc, scale = to_numpy(base.loc), to_numpy(base.scale)
    lo, hi = _clip(net)

    def log_prob(y: np.ndarray) -> np.ndarray:
        c = np.clip(y, lo, hi)
        return stats.norm.logpdf(np.arctanh(c), loc, scale) - np.log1p(-c * c)

    def cdf(y: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return stats.norm.cdf(np.arctanh(y), loc, scale)

    return Model(log_prob, cdf=with_saturation(cdf))


def tanh_gaussian_limits(dist: td.Distribution, net: Any) -> list[Limit]:
    return [
        Limit("std", dist.base_dist.scale, net.std_low * (1 - SLACK), net.std_high * (1 + SLACK))
    ]


def beta_model(dist: td.Distribution, net: Any) -> Model:
    """2 Beta(a, b) - 1: scipy ``beta(a, b, loc=-1, scale=2)``, log_prob at clip(y)."""
    base = dist.base_dist
    a, b = to_numpy(base.concentration1), to_numpy(base.concentration0)
    lo, hi = _clip(net)
    law = stats.beta(a, b, loc=-1.0, scale=2.0)
    return Model(lambda y: law.logpdf(np.clip(y, lo, hi)), cdf=law.cdf)


def _upper(high: float | None) -> float | None:
    return None if high is None else high * (1 + SLACK)


def beta_limits(dist: td.Distribution, net: Any) -> list[Limit]:
    base = dist.base_dist
    return [
        Limit("alpha", base.concentration1, net.alpha_low, _upper(net.alpha_high)),
        Limit("beta", base.concentration0, net.beta_low, _upper(net.beta_high)),
    ]


def _mixture_parts(dist: td.Distribution) -> tuple[torch.Tensor, ...]:
    """(means, stds, logits) of a tanh-wrapped mixture (via its ``base_dist``)."""
    mixture = dist.base_dist
    normal = mixture.component_distribution.base_dist
    return normal.loc, normal.scale, mixture.mixture_distribution.logits


def gmm_model(dist: td.Distribution, net: Any) -> Model:
    """tanh of sum_m w_m N(mu_m, diag s_m^2): with x = atanh(y),

        log p(y) = logsumexp_m(log w_m + sum_d log N(x_d; mu_md, s_md))
                   - sum_d log(1 - y_d^2 + 1e-6)

    (upstream's epsilon-regularised Jacobian), with a trailing dim of 1; the marginal CDF
    of y_d is sum_m w_m Phi((x_d - mu_md) / s_md).
    """
    means, stds, logits = (to_numpy(t) for t in _mixture_parts(dist))
    log_w = special.log_softmax(logits, -1)

    def log_prob(y: np.ndarray) -> np.ndarray:
        x = np.arctanh(y)[..., None, :]
        per_mode = stats.norm.logpdf(x, means, stds).sum(-1) + log_w
        lp = special.logsumexp(per_mode, -1) - np.log(1 - y * y + 1e-6).sum(-1)
        return lp[..., None]

    def cdf(y: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            x = np.arctanh(y)[..., None, :]
        return (np.exp(log_w)[..., None] * stats.norm.cdf(x, means, stds)).sum(-2)

    return Model(log_prob, cdf=with_saturation(cdf))


def gmm_limits(dist: td.Distribution, net: Any) -> list[Limit]:
    _, stds, _ = _mixture_parts(dist)
    return [Limit("std", stds, net.std_low * (1 - SLACK), _upper(net.std_high))]


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


def discrete_limits(dist: td.Distribution, net: Any) -> list[Limit]:
    """Renormalising the clipped probabilities c (low <= c <= high, sum S) keeps every p
    within [low / (1 + K low), high / (high + (K - 1) low)]: S <= 1 + K low, and a
    category's share is largest when every other sits at ``low``. (Not inside
    [low, high] itself: K = 2, softmax (1, 0) gives p = (0.99 / 0.991, 0.001 / 0.991).)"""
    k, lo, hi = net.d_action, net.clip_prob_low, net.clip_prob_high
    bounds = (lo / (1 + k * lo), hi / (hi + (k - 1) * lo))
    return [Limit("probs", dist.probs, bounds[0] * (1 - SLACK), bounds[1] * (1 + SLACK))]


def bernoulli_model(dist: td.Distribution, net: Any) -> Model:
    p = to_numpy(dist.probs)
    probs = np.stack([1 - p, p], -1)

    def log_prob(values: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.where(values == 1, np.log(p), np.log1p(-p))

    entropy = -(special.xlogy(p, p) + special.xlogy(1 - p, 1 - p))
    return Model(log_prob, entropy=entropy, probs=probs)


def normal_model(dist: td.Distribution, net: Any) -> Model:
    loc, scale = to_numpy(dist.loc), to_numpy(dist.scale)
    law = stats.norm(loc, scale)
    return Model(law.logpdf, entropy=law.entropy(), cdf=law.cdf)


def _head_dist(net: Any, vec: torch.Tensor) -> td.Distribution:
    return net(vec)


def _dist_spec(support: Any, model: Callable, limits: Callable | None = None) -> DistSpec:
    kw: dict[str, Any] = {"limits": limits} if limits is not None else {}
    return DistSpec(
        support=lambda net: support(net) if callable(support) else support,
        model=model,
        dist=_head_dist,
        shape_check=amago_dist_shape,
        **kw,
    )


HEAD_DISTS: dict[str, DistSpec] = {
    "PolicyOutput": _dist_spec(Real(), normal_model),
    "TanhGaussian": _dist_spec(UNIT, tanh_gaussian_model, tanh_gaussian_limits),
    "Beta": _dist_spec(UNIT, beta_model, beta_limits),
    "GMM": _dist_spec(UNIT, gmm_model, gmm_limits),
    "Discrete": _dist_spec(
        lambda net: Categories(net.d_action),
        lambda dist, net: categorical_model(dist.probs, onehot=False),
        discrete_limits,
    ),
    "DiscreteLikeContinuous": _dist_spec(
        lambda net: Categories(net.discrete.d_action, onehot=True),
        lambda dist, net: categorical_model(dist.probs, onehot=True),
    ),
    "Multibinary": _dist_spec(Categories(2, float_values=True), bernoulli_model),
}

HEAD_CONFIGS = {
    "PolicyOutput": SA.plain_head_configs,
    "TanhGaussian": SA.tanh_gaussian_configs,
    "Beta": SA.beta_configs,
    "GMM": SA.gmm_configs,
    "Discrete": SA.discrete_configs,
    "DiscreteLikeContinuous": SA.discrete_like_continuous_configs,
    "Multibinary": SA.plain_head_configs,
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


def _tanh_gaussian_bench() -> tuple[BenchCase, ...]:
    cfg = {
        "d_action": 6,
        "std_low": float(np.exp(-5.0)),
        "std_high": float(np.exp(2.0)),
        "std_activation": "tanh_bounded_positive",
        "clip_actions_on_log_prob": (-0.99, 0.99),
        "inner_batch": (),
    }
    return (BenchCase("B*L=4096,d=6", cfg, 4096),)


def head_entries() -> list[Entry]:
    out = []
    for name, configs in HEAD_CONFIGS.items():
        if name == "PolicyOutput":
            build = build_policy_output
        elif name == "DiscreteLikeContinuous":
            build = OneHotHead
        else:
            build = _head_builder(name)
        spec = HEAD_DISTS[name]
        out.append(
            Entry(
                f"amago.{name}",
                FAMILY,
                configs,
                build,
                HEAD_PROPS,
                inputs=head_inputs(name),
                outputs=spec.outputs,
                input_spec=head_input_spec,
                output_spec=head_output_spec(name),
                bad_inputs=head_bad_inputs,
                bad_configs=HEAD_BAD.get(name, ()),
                bench=_tanh_gaussian_bench() if name == "TanhGaussian" else (),
                dist=spec,
            )
        )
    return out


# --------------------------------------------------------------------------------------
# bounded positive functions
# --------------------------------------------------------------------------------------


class Bounded:
    """``x -> f(x, low, high)``: a function entry seen as a network without parameters."""

    def __init__(self, fn: Callable, low: float, high: float | None):
        self.fn, self.low, self.high = fn, low, high

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x, self.low, self.high)


def _function_entry(name: str, needs_high: bool) -> Entry:
    def build(impl: Any, cfg: dict) -> Bounded:
        return Bounded(getattr(impl.amago, name), cfg["low"], cfg["high"])

    def inputs(net: Any, cfg: dict, batch: int, g: torch.Generator, dtype: torch.dtype):
        return cfg["scale"] * torch.randn((batch, cfg["d"]), generator=g, dtype=dtype)

    spec = lambda net, cfg: TensorSpec((cfg["d"],))  # noqa: E731
    return Entry(
        f"amago.{name}",
        FAMILY,
        functools.partial(SA.bounded_function_configs, needs_high),
        build,
        GENERIC - {"init", "bad_input"} | {"output_range"},
        inputs=inputs,
        outputs=lambda net, x: net(x),
        input_spec=spec,
        output_spec=spec,
    )


# --------------------------------------------------------------------------------------
# timestep encoders
# --------------------------------------------------------------------------------------


def encoder_spaces(cfg: dict) -> tuple[Any, Any]:
    return SA.obs_space(cfg["obs_shapes"]), SA.rl2_space(cfg["rl2_dim"])


def _encoder_kwargs(cfg: dict) -> dict:
    return {k: v for k, v in cfg.items() if k not in ("obs_shapes", "rl2_dim", "length", "cnn")}


def build_ff(impl: Any, cfg: dict) -> nn.Module:
    return impl.amago.FFTstepEncoder(*encoder_spaces(cfg), **_encoder_kwargs(cfg))


def build_cnn(impl: Any, cfg: dict) -> nn.Module:
    kw = _encoder_kwargs(cfg)
    if cfg.get("cnn") is not None:
        kw["cnn_type"] = functools.partial(impl.amago.NatureishCNN, **cfg["cnn"])
    return impl.amago.CNNTstepEncoder(*encoder_spaces(cfg), **kw)


def _tstep_class(impl: Any) -> type:
    """A minimal subclass of the implementation's ``TstepEncoder``: concatenated flat
    observations and rl2s through one linear layer; exercises the base class."""
    cache = _tstep_class.__dict__.setdefault("cache", {})
    base = impl.amago.TstepEncoder
    if base not in cache:

        class LinearTstep(base):  # type: ignore[misc, valid-type]
            def __init__(self, obs_space: Any, rl2_space: Any, d_output: int):
                super().__init__(obs_space, rl2_space)
                d_in = sum(int(np.prod(s)) for s in self.obs_shapes.values()) + self.rl2_dim
                self.linear = nn.Linear(d_in, d_output)
                self._emb_dim = d_output

            @property
            def emb_dim(self) -> int:
                return self._emb_dim

            def inner_forward(self, obs, rl2s, log_dict=None):  # type: ignore[no-untyped-def]
                b, n = rl2s.shape[:2]
                flat = [obs[k].reshape(b, n, -1).to(rl2s.dtype) for k in self.obs_keys]
                return self.linear(torch.cat([*flat, rl2s], -1))

        cache[base] = LinearTstep
    return cache[base]


def build_tstep_base(impl: Any, cfg: dict) -> nn.Module:
    return _tstep_class(impl)(*encoder_spaces(cfg), cfg["d_output"])


def encoder_input_spec(net: Any, cfg: dict) -> dict:
    shapes = cfg["obs_shapes"]
    return {
        "obs": {k: TensorSpec(shape) for k, shape in shapes.items()},
        "rl2s": TensorSpec((cfg["rl2_dim"],)),
    }


def encoder_output_spec(net: Any, cfg: dict) -> TensorSpec:
    return TensorSpec((net.emb_dim,))


def encoder_inputs(
    net: Any, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype
) -> dict:
    """Observations ~ N(0, 1) (pixels uniform in [0, 255]) and rl2s ~ N(0, 2^2)."""
    outer = (batch, cfg["length"])
    obs = {}
    for key, shape in cfg["obs_shapes"].items():
        if len(shape) == 3 and key == cfg.get("obs_key"):
            obs[key] = 255.0 * torch.rand((*outer, *shape), generator=generator, dtype=dtype)
        else:
            obs[key] = torch.randn((*outer, *shape), generator=generator, dtype=dtype)
    rl2s = 2.0 * torch.randn((*outer, cfg["rl2_dim"]), generator=generator, dtype=dtype)
    return {"obs": obs, "rl2s": rl2s}


AUG_SEED = 1234


def encoder_outputs(net: Any, x: dict) -> torch.Tensor:
    """``net(obs, rl2s)``; in training mode the random augmentation is drawn from a fixed
    seed of the inputs' device generator (restored afterwards), so implementations that
    share the offset convention are compared exactly."""
    if not getattr(net, "training", False):
        return net(x["obs"], x["rl2s"])
    device = x["rl2s"].device
    generator = (
        torch.default_generator
        if device.type == "cpu"
        else torch.cuda.default_generators[device.index or 0]
    )
    state = generator.get_state()
    generator.manual_seed(AUG_SEED)
    try:
        return net(x["obs"], x["rl2s"])
    finally:
        generator.set_state(state)


def encoder_bad_inputs(net: Any, cfg: dict, x: dict) -> list:
    obs, rl2s = x["obs"], x["rl2s"]
    used = sorted(getattr(net, "obs_keys", obs))
    key = used[-1]
    value = obs[key]
    bad: list = [
        (
            f"obs missing {key!r}",
            {"obs": {k: v for k, v in obs.items() if k != key}, "rl2s": rl2s},
            TypeError,
        ),
        ("obs not a dict", {"obs": value, "rl2s": rl2s}, TypeError),
        (
            f"obs[{key!r}] without the time dim",
            {"obs": {**obs, key: value[:, 0]}, "rl2s": rl2s},
            ValueError,
        ),
        (
            f"obs[{key!r}] last dim +1",
            {"obs": {**obs, key: torch.cat([value, value[..., :1]], -1)}, "rl2s": rl2s},
            ValueError,
        ),
        (
            f"obs[{key!r}] other length",
            {"obs": {**obs, key: torch.cat([value, value], 1)}, "rl2s": rl2s},
            ValueError,
        ),
        (
            "rl2s last dim +1",
            {"obs": obs, "rl2s": torch.cat([rl2s, rl2s[..., :1]], -1)},
            ValueError,
        ),
        ("rl2s as int32", {"obs": obs, "rl2s": rl2s.to(torch.int32)}, TypeError),
        ("rl2s as float64", {"obs": obs, "rl2s": rl2s.to(torch.float64)}, TypeError),
        ("rl2s without the time dim", {"obs": obs, "rl2s": rl2s[:, 0]}, ValueError),
    ]
    if value.dim() == 5:  # an image: transposed height and width / channels
        swapped = value.transpose(-1, -3)
        if swapped.shape != value.shape:
            bad.append(
                (
                    f"obs[{key!r}] image transposed",
                    {"obs": {**obs, key: swapped}, "rl2s": rl2s},
                    ValueError,
                )
            )
    return bad


_ENCODER_BAD = (
    BadConfig(
        "specify_obs_keys with an unknown key",
        lambda impl: impl.amago.FFTstepEncoder(
            SA.obs_space({"a": (2,)}), SA.rl2_space(1), specify_obs_keys=["b"]
        ),
        ValueError,
        "obs",
    ),
    BadConfig(
        "unknown norm",
        lambda impl: impl.amago.FFTstepEncoder(
            SA.obs_space({"a": (2,)}), SA.rl2_space(1), norm="group"
        ),
        ValueError,
        "norm",
    ),
    BadConfig(
        "unknown activation",
        lambda impl: impl.amago.FFTstepEncoder(
            SA.obs_space({"a": (2,)}), SA.rl2_space(1), activation="swish"
        ),
        ValueError,
        "activation",
    ),
    BadConfig(
        "obs_space not a Dict",
        lambda impl: impl.amago.FFTstepEncoder(SA.rl2_space(3), SA.rl2_space(1)),
        TypeError,
        "Dict",
    ),
    BadConfig(
        "aug_pct_of_batch above 1",
        lambda impl: impl.amago.CNNTstepEncoder(
            SA.obs_space({"observation": (36, 36, 3)}), SA.rl2_space(1), aug_pct_of_batch=1.5
        ),
        ValueError,
        "aug_pct_of_batch",
    ),
    BadConfig(
        "drqv2_aug on a non-square image",
        lambda impl: impl.amago.CNNTstepEncoder(
            SA.obs_space({"observation": (36, 40, 3)}), SA.rl2_space(1), drqv2_aug=True
        ),
        ValueError,
        "square",
    ),
    BadConfig(
        "obs_key not in obs_space",
        lambda impl: impl.amago.CNNTstepEncoder(
            SA.obs_space({"observation": (36, 36, 3)}), SA.rl2_space(1), obs_key="pixels"
        ),
        ValueError,
        "obs",
    ),
    BadConfig(
        "image too small for the CNN",
        lambda impl: impl.amago.CNNTstepEncoder(
            SA.obs_space({"observation": (20, 20, 3)}), SA.rl2_space(1)
        ),
        ValueError,
        "img_shape",
    ),
)


def _ff_bench() -> tuple[BenchCase, ...]:
    cfg = {"obs_shapes": {"observation": (64,)}, "rl2_dim": 7}
    return tuple(
        BenchCase(f"B*L={b * n}(B={b},L={n})", {**cfg, "length": n}, b)
        for b, n in ((1, 1), (32, 8))
    )


def _cnn_bench() -> tuple[BenchCase, ...]:
    cfg = {"obs_shapes": {"observation": (84, 84, 3)}, "rl2_dim": 7, "obs_key": "observation"}
    return tuple(
        BenchCase(f"B*L={b * n}(B={b},L={n})", {**cfg, "length": n}, b)
        for b, n in ((1, 1), (32, 8))
    )


ENCODER_PROPS = GENERIC | {"timestep_independence"}


def encoder_entries() -> list[Entry]:
    common: dict[str, Any] = {
        "inputs": encoder_inputs,
        "outputs": encoder_outputs,
        "input_spec": encoder_input_spec,
        "output_spec": encoder_output_spec,
        "bad_inputs": encoder_bad_inputs,
        "bad_configs": _ENCODER_BAD,
    }
    return [
        Entry(
            "amago.TstepEncoder",
            FAMILY,
            SA.tstep_base_configs,
            build_tstep_base,
            ENCODER_PROPS,
            **common,
        ),
        Entry(
            "amago.FFTstepEncoder",
            FAMILY,
            SA.ff_encoder_configs,
            build_ff,
            ENCODER_PROPS | {"input_norm"},
            bench=_ff_bench(),
            has_batchnorm=lambda cfg: cfg["norm"] == "batch",
            **common,
        ),
        Entry(
            "amago.CNNTstepEncoder",
            FAMILY,
            SA.cnn_encoder_configs,
            build_cnn,
            ENCODER_PROPS | {"augmentation"},
            bench=_cnn_bench(),
            has_batchnorm=lambda cfg: cfg["out_norm"] == "batch",
            **common,
        ),
    ]


def entries() -> list[Entry]:
    return [
        *head_entries(),
        _function_entry("softplus_bounded_positive", needs_high=False),
        _function_entry("tanh_bounded_positive", needs_high=True),
        *encoder_entries(),
    ]
