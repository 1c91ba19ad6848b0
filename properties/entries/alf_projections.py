"""Catalog entries of ALF's ``projections`` family (networks that return distributions).

Each entry's ``outputs`` is the distribution summary of ``properties.distributions``; its
``dist`` spec gives the support from the action spec, the scipy model of a reference
distribution (:func:`reference_model`) and the declared parameter limits. Peers for the
benchmarks: ``td_chain``, the reference network returning plain ``torch.distributions``
objects (``TransformedDistribution(Independent(Normal), [TanhTransform, AffineTransform])``
and the like, with torch's default argument validation).
"""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch
import torch.distributions as td
import torch.nn.functional as F
from hypothesis import strategies as st
from scipy import special, stats
from torch import nn

from properties import strategies as S
from properties.distributions import (
    Categories,
    DistSpec,
    Interval,
    Limit,
    Model,
    Real,
    Support,
    event_sum,
    squashed,
    to_numpy,
)
from properties.entry import GENERIC, BadConfig, BenchCase, Entry
from reference import distributions as rd
from reference.specs import BoundedTensorSpec, TensorSpec

TRANSFORMS = {"softplus": F.softplus, "exp": torch.exp}
BOUNDED_KINDS = ("squashed_normal", "squashed_cauchy", "beta", "truncated")
DIST_PROPS = frozenset({"dist_bounds", "dist_logprob", "dist_sampling", "determinism"})
FAMILY = "projections"

# --------------------------------------------------------------------------------------
# configs
# --------------------------------------------------------------------------------------


def _bounded(draw: Any, dims: tuple[int, int] = (1, 4)) -> BoundedTensorSpec:
    d = draw(st.integers(*dims))
    lo = draw(st.floats(-3, 2, width=32))
    return BoundedTensorSpec((d,), torch.float32, lo, lo + draw(st.floats(0.5, 4, width=32)))


def _action(draw: Any, bounded: bool) -> TensorSpec:
    if bounded or draw(st.booleans()):
        return _bounded(draw)
    return TensorSpec((draw(st.integers(1, 4)),))


def _discrete(draw: Any) -> BoundedTensorSpec:
    shape = draw(st.sampled_from([(), (2,)]))
    return BoundedTensorSpec(shape, torch.int64, 0, draw(st.integers(1, 4)))


@st.composite
def normal_configs(draw: Any) -> dict:
    squash, scale = draw(st.booleans()), draw(st.booleans())
    return {
        "input_size": draw(S.sizes(1, 8)),
        "action_spec": _action(draw, squash or scale),
        "activation": draw(st.sampled_from(["identity", "tanh", "elu"])),
        "projection_output_init_gain": draw(st.sampled_from([0.3, 1.0])),
        "std_bias_initializer_value": draw(st.floats(-1, 1, width=32)),
        "squash_mean": squash,
        "state_dependent_std": draw(st.booleans()),
        "std_transform": draw(st.sampled_from(sorted(TRANSFORMS))),
        "scale_distribution": scale,
        "n": draw(st.integers(1, 3)),
    }


@st.composite
def stable_configs(draw: Any) -> dict:
    squash, scale = draw(st.booleans()), draw(st.booleans())
    init_std = draw(st.sampled_from([0.3, 1.0, 1.7]))
    min_std = draw(st.sampled_from([0.0, 0.05]))
    return {
        "input_size": draw(S.sizes(1, 8)),
        "action_spec": _action(draw, squash or scale),
        "activation": draw(st.sampled_from(["identity", "tanh"])),
        "projection_output_init_gain": draw(st.sampled_from([1e-5, 0.3])),
        "squash_mean": squash,
        "state_dependent_std": draw(st.booleans()),
        "inverse_std_transform": draw(st.sampled_from(["exp", "softplus"])),
        "scale_distribution": scale,
        "init_std": init_std,
        "min_std": min_std,
        "max_std": draw(st.sampled_from([None, 2.0 * init_std + 0.1])),
        "n": draw(st.integers(1, 3)),
    }


@st.composite
def cauchy_configs(draw: Any) -> dict:
    squash, scale = draw(st.booleans()), draw(st.booleans())
    return {
        "input_size": draw(S.sizes(1, 8)),
        "action_spec": _action(draw, squash or scale),
        "squash_median": squash,
        "scale_bias_initializer_value": draw(st.floats(-1, 1, width=32)),
        "state_dependent_scale": draw(st.booleans()),
        "scale_transform": draw(st.sampled_from(sorted(TRANSFORMS))),
        "scale_distribution": scale,
    }


@st.composite
def beta_configs(draw: Any) -> dict:
    return {
        "input_size": draw(S.sizes(1, 8)),
        "action_spec": _bounded(draw),
        "activation": draw(st.sampled_from(sorted(TRANSFORMS))),
        "min_concentration": draw(st.sampled_from([0.0, 0.5])),
        "projection_output_init_gain": draw(st.sampled_from([0.0, 0.3])),
        "bias_init_value": draw(st.sampled_from([0.2, 0.541324854612918, 1.5])),
        "grad_clip": draw(st.sampled_from([None, 0.01, 1.0])),
        "n": draw(st.integers(1, 3)),
    }


@st.composite
def truncated_configs(draw: Any) -> dict:
    return {
        "input_size": draw(S.sizes(1, 8)),
        "action_spec": _bounded(draw),
        "activation": draw(st.sampled_from(["identity", "tanh"])),
        "projection_output_init_gain": draw(st.sampled_from([0.3, 1.0])),
        "scale_bias_initializer_value": draw(st.floats(-1, 1, width=32)),
        "state_dependent_scale": draw(st.booleans()),
        "scale_transform": draw(st.sampled_from(sorted(TRANSFORMS))),
        "min_scale": draw(st.sampled_from([None, 0.05])),
        "max_scale": draw(st.sampled_from([None, 3.0])),
    }


@st.composite
def categorical_configs(draw: Any) -> dict:
    return {
        "input_size": draw(S.sizes(1, 8)),
        "action_spec": _discrete(draw),
        "logits_init_output_factor": draw(st.sampled_from([0.1, 1.0])),
        "n": draw(st.integers(1, 3)),
    }


@st.composite
def onehot_configs(draw: Any) -> dict:
    return {
        "input_size": draw(S.sizes(1, 8)),
        "action_spec": _discrete(draw),
        "logits_init_output_factor": draw(st.sampled_from([0.1, 1.0])),
        "mode": draw(st.sampled_from(["st", "gumbel", "st-gumbel", "plain"])),
        "gumbel_temperature": draw(st.sampled_from([0.5, 1.0, 2.0])),
    }


@st.composite
def mixture_configs(draw: Any) -> dict:
    scale = draw(st.booleans())
    return {
        "input_size": draw(S.sizes(1, 8)),
        "action_spec": _bounded(draw) if scale else TensorSpec((draw(st.integers(1, 3)),)),
        "num_components": draw(st.integers(1, 3)),
        "component": draw(st.sampled_from(["normal", "stable"])),
        "scale_distribution": scale,
        "state_dependent_std": draw(st.booleans()),
    }


# --------------------------------------------------------------------------------------
# builds
# --------------------------------------------------------------------------------------


def _kwargs(cfg: dict) -> dict:
    kw = {k: v for k, v in cfg.items() if k != "n"}
    if "activation" in kw:
        name = kw["activation"]
        kw["activation"] = TRANSFORMS[name] if name in TRANSFORMS else S.resolve_activation(name)
    for key in ("std_transform", "scale_transform"):
        if key in kw:
            kw[key] = TRANSFORMS[kw[key]]
    return kw


def builder(cls_name: str) -> Any:
    def build(impl: Any, cfg: dict) -> nn.Module:
        return getattr(impl.alf, cls_name)(**_kwargs(cfg))

    return build


def parallel_of(cls_name: str) -> Any:
    def build(impl: Any, cfg: dict) -> nn.Module:
        return getattr(impl.alf, cls_name)(**_kwargs(cfg)).make_parallel(cfg["n"])

    return build


def build_parallel_categorical(impl: Any, cfg: dict) -> nn.Module:
    return impl.alf.ParallelCategoricalProjectionNetwork(n=cfg["n"], **_kwargs(cfg))


def build_mixture(impl: Any, cfg: dict) -> nn.Module:
    kw = {"state_dependent_std": cfg["state_dependent_std"]}
    kw["scale_distribution"] = cfg["scale_distribution"]
    kw["squash_mean"] = cfg["scale_distribution"]
    cls = (
        impl.alf.NormalProjectionNetwork
        if cfg["component"] == "normal"
        else impl.alf.StableNormalProjectionNetwork
    )
    return impl.alf.MixtureProjectionNetwork(
        cfg["input_size"],
        cfg["action_spec"],
        cfg["num_components"],
        functools.partial(cls, **kw),
    )


# --------------------------------------------------------------------------------------
# supports, models, limits
# --------------------------------------------------------------------------------------


def _interval(spec: BoundedTensorSpec) -> Interval:
    lo = torch.as_tensor(np.broadcast_to(spec.minimum, spec.shape).copy())
    hi = torch.as_tensor(np.broadcast_to(spec.maximum, spec.shape).copy())
    return Interval(lo, hi)


def support_of(net: nn.Module) -> Support:
    spec = net.saved_args["action_spec"]
    kind = net.output_spec.kind
    if kind == "mixture":
        kind = net._components_proj.output_spec.kind
    if kind in BOUNDED_KINDS:
        return _interval(spec)
    if kind == "categorical":
        return Categories(int(spec.maximum.max() - spec.minimum.min()) + 1)
    if kind == "onehot_categorical":
        return Categories(net.output_spec.event_shape[-1], onehot=True)
    return Real()


def _elementwise(dist: td.Distribution) -> tuple[Any, Any, np.ndarray | None]:
    """(logpdf, cdf, entropy) elementwise (over batch + event) of a reference continuous
    distribution."""
    if isinstance(dist, rd.SquashedDistribution):
        inner = dist.base_dist
        base_lp, base_cdf, _ = _elementwise(inner)
        m, s = to_numpy(dist.action_mean), to_numpy(dist.action_magnitude)
        lp, cdf = squashed(base_lp, base_cdf, m, s)
        return lp, cdf, None
    if isinstance(dist, rd.DiagMultivariateNormal):
        frozen = stats.norm(to_numpy(dist.loc), to_numpy(dist.scale))
    elif isinstance(dist, rd.DiagMultivariateCauchy):
        frozen = stats.cauchy(to_numpy(dist.loc), to_numpy(dist.scale))
    elif isinstance(dist, rd.AffineTransformedDistribution):
        b = dist.base_dist
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
    else:
        raise TypeError(f"no scipy model for {type(dist).__name__}")
    return frozen.logpdf, frozen.cdf, frozen.entropy()


def _categorical_model(dist: td.Distribution, onehot: bool) -> Model:
    base = dist.base_dist if isinstance(dist, td.Independent) else dist
    logits = to_numpy(base.logits)
    log_p = special.log_softmax(logits, axis=-1)
    extra = len(dist.event_shape) - (1 if onehot else 0)

    def log_prob(values: np.ndarray) -> np.ndarray:
        idx = values.argmax(-1) if onehot else values.astype(np.int64)
        lp = np.take_along_axis(
            np.broadcast_to(log_p, (*idx.shape, log_p.shape[-1])), idx[..., None], -1
        )
        return event_sum(lp[..., 0], extra)

    entropy = event_sum(-(np.exp(log_p) * log_p).sum(-1), extra)
    return Model(log_prob, entropy, probs=np.exp(log_p))


def reference_model(dist: td.Distribution, net: nn.Module) -> Model:
    """scipy.stats statement of a reference projection distribution (float64)."""
    kind = net.output_spec.kind
    if kind in ("categorical", "onehot_categorical"):
        return _categorical_model(dist, kind == "onehot_categorical")
    if isinstance(dist, td.MixtureSameFamily):
        comp = dist.component_distribution
        lp, cdf, _ = _elementwise(comp)
        log_w = special.log_softmax(to_numpy(dist.mixture_distribution.logits), -1)

        def mix_log_prob(values: np.ndarray) -> np.ndarray:
            per = event_sum(lp(values[..., None, :]), 1)  # [P, *batch, K]
            return special.logsumexp(per + log_w, axis=-1)

        def mix_cdf(values: np.ndarray) -> np.ndarray:
            return (cdf(values[..., None, :]) * np.exp(log_w)[..., None]).sum(-2)

        return Model(mix_log_prob, None, mix_cdf)
    lp, cdf, entropy = _elementwise(dist)
    return Model(
        lambda v: event_sum(lp(v), 1),
        None if entropy is None else event_sum(entropy, 1),
        cdf,
    )


def _find(dist: td.Distribution, attr: str) -> torch.Tensor:
    d: Any = dist
    while d is not None:
        if not isinstance(d, rd.AffineTransformedDistribution) and hasattr(d, attr):
            return getattr(d, attr)
        d = getattr(d, "base_dist", None)
    raise AttributeError(f"{type(dist).__name__} exposes no {attr}")


def normal_limits(dist: td.Distribution, net: nn.Module) -> list[Limit]:
    return [Limit("std", _find(dist, "scale"), low=0.0)]


def stable_limits(dist: td.Distribution, net: nn.Module) -> list[Limit]:
    args = net.saved_args
    tol = 1e-5 * (1 + abs(args["min_std"]))
    hi = None if args["max_std"] is None else args["max_std"] * (1 + 1e-5)
    return [Limit("std", _find(dist, "scale"), low=args["min_std"] - tol, high=hi)]


def beta_limits(dist: td.Distribution, net: nn.Module) -> list[Limit]:
    low = net.saved_args["min_concentration"]
    return [
        Limit("concentration1", _find(dist, "concentration1"), low=low),
        Limit("concentration0", _find(dist, "concentration0"), low=low),
    ]


def truncated_limits(dist: td.Distribution, net: nn.Module) -> list[Limit]:
    args = net.saved_args
    return [Limit("scale", _find(dist, "scale"), low=args["min_scale"], high=args["max_scale"])]


def _spec(limits: Any = None, extreme: Any = None) -> DistSpec:
    kw: dict[str, Any] = {}
    if limits is not None:
        kw["limits"] = limits
    if extreme is not None:
        kw["extreme"] = extreme
    return DistSpec(support_of, reference_model, **kw)


# Inputs of magnitude 1e4 saturate softplus/exp heads to a zero or infinite scale; where
# that makes the distribution itself undefined (0 * inf, 0 / 0), the config opts out.
NORMAL = _spec(normal_limits, lambda cfg: cfg.get("scale_distribution", False))
STABLE = _spec(stable_limits, lambda cfg: cfg["max_std"] is not None and cfg["min_std"] > 0)
CAUCHY = _spec(normal_limits, lambda cfg: cfg["scale_distribution"])
BETA = _spec(
    beta_limits, lambda cfg: cfg["min_concentration"] > 0 and cfg["activation"] == "softplus"
)
TRUNCATED = _spec(
    truncated_limits,
    lambda cfg: (
        cfg["min_scale"] is not None
        and (cfg["max_scale"] is not None or cfg["scale_transform"] == "softplus")
    ),
)
CATEGORICAL = _spec()
MIXTURE = _spec(extreme=lambda cfg: False)


# --------------------------------------------------------------------------------------
# benchmark peers: the plain torch.distributions chain
# --------------------------------------------------------------------------------------


def _td_squashed(base: td.Distribution, low: torch.Tensor, high: torch.Tensor, _: Any) -> Any:
    affine = td.AffineTransform((high + low) / 2, (high - low) / 2, event_dim=1)
    return td.TransformedDistribution(base, [td.TanhTransform(cache_size=1), affine])


def _td_beta(alpha: torch.Tensor, beta: torch.Tensor) -> td.Distribution:
    return td.Independent(td.Beta(alpha, beta), 1)


def _td_affine(base: td.Distribution, loc: torch.Tensor, scale: torch.Tensor, _: Any) -> Any:
    return td.TransformedDistribution(base, [td.AffineTransform(loc, scale, event_dim=1)])


TD_CHAIN = SimpleNamespace(
    DiagMultivariateNormal=lambda loc, scale: td.Independent(td.Normal(loc, scale), 1),
    DiagMultivariateCauchy=lambda loc, scale: td.Independent(td.Cauchy(loc, scale), 1),
    SquashedDistribution=_td_squashed,
    DiagMultivariateBeta=_td_beta,
    AffineTransformedDistribution=_td_affine,
)


@functools.cache
def _td_chain_class(cls: type) -> type:
    return type(f"TdChain{cls.__name__}", (cls,), {"dists": TD_CHAIN})


def td_chain(cls_name: str) -> Any:
    """The reference network returning plain torch.distributions chains."""

    def build(impl: Any, cfg: dict) -> nn.Module:
        from reference import alf

        return _td_chain_class(getattr(alf, cls_name))(**_kwargs(cfg))

    return build


# --------------------------------------------------------------------------------------
# bad constructor configs and benchmark cases
# --------------------------------------------------------------------------------------

BOX = BoundedTensorSpec((2,), torch.float32, -1.0, 1.0)
DISCRETE = BoundedTensorSpec((), torch.int64, 0, 3)


def _inverted_box() -> BoundedTensorSpec:
    """A spec whose bounds were changed after construction to minimum >= maximum (a spec
    object from elsewhere need not check its bounds)."""
    spec = BoundedTensorSpec((2,), torch.float32, -1.0, 1.0)
    spec._maximum = np.asarray(-1.0)
    return spec


def _bad(cls: str, why: str, args: tuple, kwargs: dict, error: type, match: str) -> BadConfig:
    return BadConfig(why, lambda impl: getattr(impl.alf, cls)(*args, **kwargs), error, match)


def _continuous_bad(cls: str) -> tuple[BadConfig, ...]:
    return (
        _bad(cls, "discrete action spec", (4, DISCRETE), {}, TypeError, "continuous"),
        _bad(cls, "minimum >= maximum", (4, _inverted_box()), {}, ValueError, "minimum < maximum"),
        _bad(cls, "2-D action spec", (4, TensorSpec((2, 2))), {}, ValueError, "1-D"),
        _bad(cls, "non-positive input_size", (0, BOX), {}, ValueError, "input_size"),
    )


def _categorical_bad(cls: str, extra: dict) -> tuple[BadConfig, ...]:
    uneven = BoundedTensorSpec((2,), torch.int64, 0, np.array([2, 3]))
    return (
        _bad(cls, "continuous action spec", (4, BOX), extra, TypeError, "discrete"),
        _bad(cls, "uneven number of actions", (4, uneven), extra, ValueError, "same number"),
    )


_BAD: dict[str, tuple[BadConfig, ...]] = {
    "NormalProjectionNetwork": (
        *_continuous_bad("NormalProjectionNetwork"),
        _bad(
            "NormalProjectionNetwork",
            "squash_mean with an unbounded spec",
            (4, TensorSpec((2,))),
            {},
            TypeError,
            "BoundedTensorSpec",
        ),
        _bad("NormalProjectionNetwork", "parallelism 0", (4, BOX, 0), {}, ValueError, "parallel"),
    ),
    "StableNormalProjectionNetwork": (
        *_continuous_bad("StableNormalProjectionNetwork"),
        _bad(
            "StableNormalProjectionNetwork",
            "init_std <= min_std",
            (4, BOX),
            {"init_std": 0.1, "min_std": 0.2},
            ValueError,
            "min_std",
        ),
        _bad(
            "StableNormalProjectionNetwork",
            "unknown inverse_std_transform",
            (4, BOX),
            {"inverse_std_transform": "square"},
            ValueError,
            "inverse_std_transform",
        ),
    ),
    "CauchyProjectionNetwork": _continuous_bad("CauchyProjectionNetwork"),
    "BetaProjectionNetwork": (
        *_continuous_bad("BetaProjectionNetwork"),
        _bad(
            "BetaProjectionNetwork",
            "unbounded spec",
            (4, TensorSpec((2,))),
            {},
            TypeError,
            "BoundedTensorSpec",
        ),
    ),
    "TruncatedProjectionNetwork": (
        *_continuous_bad("TruncatedProjectionNetwork"),
        _bad(
            "TruncatedProjectionNetwork",
            "min_scale > max_scale",
            (4, BOX),
            {"min_scale": 2.0, "max_scale": 1.0},
            ValueError,
            "min_scale",
        ),
    ),
    "CategoricalProjectionNetwork": _categorical_bad("CategoricalProjectionNetwork", {}),
    "ParallelCategoricalProjectionNetwork": _categorical_bad(
        "ParallelCategoricalProjectionNetwork", {"n": 2}
    ),
    "OnehotCategoricalProjectionNetwork": (
        *_categorical_bad("OnehotCategoricalProjectionNetwork", {}),
        _bad(
            "OnehotCategoricalProjectionNetwork",
            "unknown mode",
            (4, DISCRETE),
            {"mode": "soft"},
            ValueError,
            "mode",
        ),
    ),
    "MixtureProjectionNetwork": (
        BadConfig(
            "zero components",
            lambda impl: impl.alf.MixtureProjectionNetwork(
                4, BOX, 0, impl.alf.NormalProjectionNetwork
            ),
            ValueError,
            "num_components",
        ),
        BadConfig(
            "discrete spec to normal components",
            lambda impl: impl.alf.MixtureProjectionNetwork(
                4, DISCRETE, 2, impl.alf.NormalProjectionNetwork
            ),
            TypeError,
            "continuous",
        ),
    ),
}

BENCH_INPUT, BENCH_ACTIONS, BENCH_BATCHES = 256, 6, (1, 64, 1024)
BENCH_BOX = BoundedTensorSpec((BENCH_ACTIONS,), torch.float32, -1.0, 1.0)


def _bench(cfg: dict) -> tuple[BenchCase, ...]:
    base = {"input_size": BENCH_INPUT, **cfg}
    return tuple(BenchCase(f"B={b}", base, b) for b in BENCH_BATCHES)


_BENCH = {
    "NormalProjectionNetwork": _bench({"action_spec": BENCH_BOX, "scale_distribution": True}),
    "StableNormalProjectionNetwork": _bench({"action_spec": BENCH_BOX, "scale_distribution": True}),
    "CauchyProjectionNetwork": _bench({"action_spec": BENCH_BOX, "scale_distribution": True}),
    "BetaProjectionNetwork": _bench({"action_spec": BENCH_BOX}),
    "TruncatedProjectionNetwork": _bench({"action_spec": BENCH_BOX}),
    "CategoricalProjectionNetwork": _bench(
        {"action_spec": BoundedTensorSpec((), torch.int64, 0, BENCH_ACTIONS - 1)}
    ),
    "ParallelCategoricalProjectionNetwork": _bench(
        {"action_spec": BoundedTensorSpec((), torch.int64, 0, BENCH_ACTIONS - 1), "n": 4}
    ),
    "OnehotCategoricalProjectionNetwork": _bench(
        {"action_spec": BoundedTensorSpec((), torch.int64, 0, BENCH_ACTIONS - 1)}
    ),
    "MixtureProjectionNetwork": _bench(
        {
            "action_spec": BENCH_BOX,
            "num_components": 3,
            "component": "normal",
            "scale_distribution": True,
            "state_dependent_std": False,
        }
    ),
}

_COMMON = GENERIC | DIST_PROPS
_PARALLEL = _COMMON | {"parallel"}


def _entry(
    cls: str, configs: Any, dist: DistSpec, build: Any = None, parallel: bool = False, **kw: Any
) -> Entry:
    build = build or builder(cls)
    extra: dict[str, Any] = {}
    if parallel:
        extra = {"parallel": kw.pop("parallel_build", parallel_of(cls)), "replica": builder(cls)}
    return Entry(
        f"alf.{cls}",
        FAMILY,
        configs,
        build,
        _PARALLEL if parallel else _COMMON,
        outputs=dist.outputs,
        bad_configs=_BAD[cls],
        bench=_BENCH[cls],
        dist=dist,
        **extra,
        **kw,
    )


def entries() -> list[Entry]:
    categorical_single = builder("CategoricalProjectionNetwork")
    return [
        _entry(
            "NormalProjectionNetwork",
            normal_configs,
            NORMAL,
            parallel=True,
            peers={"td_chain": td_chain("NormalProjectionNetwork")},
        ),
        _entry(
            "StableNormalProjectionNetwork",
            stable_configs,
            STABLE,
            parallel=True,
            peers={"td_chain": td_chain("StableNormalProjectionNetwork")},
        ),
        _entry(
            "CauchyProjectionNetwork",
            cauchy_configs,
            CAUCHY,
            peers={"td_chain": td_chain("CauchyProjectionNetwork")},
        ),
        _entry(
            "BetaProjectionNetwork",
            beta_configs,
            BETA,
            parallel=True,
            peers={"td_chain": td_chain("BetaProjectionNetwork")},
        ),
        _entry("TruncatedProjectionNetwork", truncated_configs, TRUNCATED),
        _entry("CategoricalProjectionNetwork", categorical_configs, CATEGORICAL, parallel=True),
        Entry(
            "alf.ParallelCategoricalProjectionNetwork",
            FAMILY,
            categorical_configs,
            build_parallel_categorical,
            _PARALLEL,
            outputs=CATEGORICAL.outputs,
            parallel=build_parallel_categorical,
            replica=categorical_single,
            bad_configs=_BAD["ParallelCategoricalProjectionNetwork"],
            bench=_BENCH["ParallelCategoricalProjectionNetwork"],
            dist=CATEGORICAL,
        ),
        _entry("OnehotCategoricalProjectionNetwork", onehot_configs, CATEGORICAL),
        _entry("MixtureProjectionNetwork", mixture_configs, MIXTURE, build=build_mixture),
    ]
