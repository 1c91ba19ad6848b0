"""Catalog entries of ``alf.networks.projection_networks``: the nine projection networks.

Each entry is an :class:`~properties.kinds.alf_distribution.AlfDistribution` whose law
comes from the plain-data config: the support from the action spec and the squashing
options, the scipy model of the *reference* distribution (:func:`reference_model`), and
the declared parameter limits. Benchmark peer ``td_chain``: the reference network
returning plain ``torch.distributions`` objects
(``TransformedDistribution(Independent(Normal), [TanhTransform, AffineTransform])`` and
the like, with torch's default argument validation).
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

from properties import strategies as S
from properties.candidate import Impl
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
from properties.entry import BadConfig, Bench, BenchCase, Entry
from properties.kinds.alf_distribution import AlfDistribution
from properties.kinds.alf_network import Parallel
from properties.kinds.distribution import DistShape, Law
from properties.specs import alf_specs
from reference import distributions as rd
from reference.specs import BoundedTensorSpec, TensorSpec

#: Names of the std / scale / concentration transforms (configs stay plain data).
TRANSFORMS = {"softplus": F.softplus, "exp": torch.exp}

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
        "min_std": draw(st.sampled_from([0.0, 0.05])),
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
        "mode": draw(S.variants("mode", ["st", "gumbel", "st-gumbel", "plain"])),
        "gumbel_temperature": draw(st.sampled_from([0.5, 1.0, 2.0])),
    }


@st.composite
def mixture_configs(draw: Any) -> dict:
    scale = draw(st.booleans())
    return {
        "input_size": draw(S.sizes(1, 8)),
        "action_spec": _bounded(draw) if scale else TensorSpec((draw(st.integers(1, 3)),)),
        "num_components": draw(st.integers(1, 3)),
        "component": draw(S.variants("component", ["normal", "stable"])),
        "scale_distribution": scale,
        "state_dependent_std": draw(st.booleans()),
    }


# --------------------------------------------------------------------------------------
# builds
# --------------------------------------------------------------------------------------


def projection_kwargs(impl: Impl, cfg: dict) -> dict:
    """Constructor keyword arguments: names resolved, the action spec in ``impl``'s class."""
    kw = {k: v for k, v in cfg.items() if k != "n"}
    if "activation" in kw:
        name = kw["activation"]
        kw["activation"] = TRANSFORMS[name] if name in TRANSFORMS else S.resolve_activation(name)
    for key in ("std_transform", "scale_transform"):
        if key in kw:
            kw[key] = TRANSFORMS[kw[key]]
    kw["action_spec"] = alf_specs(impl, kw["action_spec"])
    return kw


def input_spec(cfg: dict) -> TensorSpec:
    """A projection network's input: ``[input_size]`` features."""
    return TensorSpec((cfg["input_size"],))


def builder(cls_name: str) -> Any:
    def build(impl: Impl, cfg: dict) -> Any:
        return impl.get(f"alf.{cls_name}")(**projection_kwargs(impl, cfg))

    return build


def parallel_of(cls_name: str) -> Any:
    def build(impl: Impl, cfg: dict) -> Any:
        return builder(cls_name)(impl, cfg).make_parallel(cfg["n"])

    return build


def build_parallel_categorical(impl: Impl, cfg: dict) -> Any:
    return impl.alf.ParallelCategoricalProjectionNetwork(n=cfg["n"], **projection_kwargs(impl, cfg))


def build_mixture(impl: Impl, cfg: dict) -> Any:
    kw = {
        "state_dependent_std": cfg["state_dependent_std"],
        "scale_distribution": cfg["scale_distribution"],
        "squash_mean": cfg["scale_distribution"],
    }
    component = (
        impl.alf.NormalProjectionNetwork
        if cfg["component"] == "normal"
        else impl.alf.StableNormalProjectionNetwork
    )
    return impl.alf.MixtureProjectionNetwork(
        cfg["input_size"],
        alf_specs(impl, cfg["action_spec"]),
        cfg["num_components"],
        functools.partial(component, **kw),
    )


# --------------------------------------------------------------------------------------
# supports, shapes, models, limits (from the config and the reference distribution)
# --------------------------------------------------------------------------------------


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
)
TRUNCATED = Law(
    box_support,
    continuous_shape,
    continuous_model,
    truncated_limits,
)
CATEGORICAL = Law(
    categorical_support,
    categorical_shape,
    lambda dist, cfg: categorical_model(dist, onehot=False),
)
ONEHOT = Law(onehot_support, onehot_shape, lambda dist, cfg: categorical_model(dist, onehot=True))
MIXTURE = Law(scaled_support, continuous_shape, mixture_model)


# --------------------------------------------------------------------------------------
# benchmark peer: the plain torch.distributions chain
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

    def build(impl: Impl, cfg: dict) -> Any:
        from reference import alf

        return _td_chain_class(getattr(alf, cls_name))(**projection_kwargs(impl, cfg))

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
    """``cls(input_size, spec, *rest, **kwargs)`` with the spec in ``impl``'s classes."""
    size, spec, *rest = args

    def build(impl: Impl) -> Any:
        return impl.get(f"alf.{cls}")(size, alf_specs(impl, spec), *rest, **kwargs)

    return BadConfig(why, build, error, match)


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


def _mixture_bad() -> tuple[BadConfig, ...]:
    def zero_components(impl: Impl) -> Any:
        box = alf_specs(impl, BOX)
        return impl.alf.MixtureProjectionNetwork(4, box, 0, impl.alf.NormalProjectionNetwork)

    def discrete_components(impl: Impl) -> Any:
        spec = alf_specs(impl, DISCRETE)
        return impl.alf.MixtureProjectionNetwork(4, spec, 2, impl.alf.NormalProjectionNetwork)

    return (
        BadConfig("zero components", zero_components, ValueError, "num_components"),
        BadConfig(
            "discrete spec to normal components", discrete_components, TypeError, "continuous"
        ),
    )


BAD: dict[str, tuple[BadConfig, ...]] = {
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
    "MixtureProjectionNetwork": _mixture_bad(),
}

BENCH_INPUT, BENCH_ACTIONS, BENCH_BATCHES = 256, 6, (1, 64, 1024)
BENCH_BOX = BoundedTensorSpec((BENCH_ACTIONS,), torch.float32, -1.0, 1.0)
BENCH_DISCRETE = BoundedTensorSpec((), torch.int64, 0, BENCH_ACTIONS - 1)


def _cases(cfg: dict) -> tuple[BenchCase, ...]:
    base = {"input_size": BENCH_INPUT, **cfg}
    return tuple(BenchCase(f"B={b}", base, b) for b in BENCH_BATCHES)


def _bench(cfg: dict, peer: str | None = None) -> Bench:
    peers = {"td_chain": td_chain(peer)} if peer is not None else {}
    return Bench(_cases(cfg), peers)


NO_RSAMPLE = "its distribution has no rsample (categorical samples are not reparameterised)"


#: Fixed configs for ``init``: replicas, and a projection 8x wider in than out, so a fan-in
#: read off the wrong axis of a ``[n, out, in]`` weight moves its scale far off.
WIDE_BOX = BoundedTensorSpec((3,), torch.float32, -1.0, 1.0)
FAN_IN_EXAMPLES: dict[str, tuple[dict, ...]] = {
    "NormalProjectionNetwork": (
        {
            "input_size": 24,
            "action_spec": WIDE_BOX,
            "activation": "identity",
            "projection_output_init_gain": 1.0,
            "std_bias_initializer_value": 0.0,
            "squash_mean": True,
            "state_dependent_std": True,
            "std_transform": "softplus",
            "scale_distribution": False,
            "n": 3,
        },
    ),
    "StableNormalProjectionNetwork": (
        {
            "input_size": 24,
            "action_spec": WIDE_BOX,
            "activation": "identity",
            "projection_output_init_gain": 0.3,
            "squash_mean": True,
            "state_dependent_std": True,
            "inverse_std_transform": "softplus",
            "scale_distribution": False,
            "init_std": 1.0,
            "min_std": 0.0,
            "max_std": None,
            "n": 3,
        },
    ),
    "BetaProjectionNetwork": (
        {
            "input_size": 24,
            "action_spec": WIDE_BOX,
            "activation": "softplus",
            "min_concentration": 0.0,
            "projection_output_init_gain": 0.3,
            "bias_init_value": 0.541324854612918,
            "grad_clip": None,
            "n": 3,
        },
    ),
    "CategoricalProjectionNetwork": (
        {
            "input_size": 24,
            "action_spec": BoundedTensorSpec((), torch.int64, 0, 2),
            "logits_init_output_factor": 1.0,
            "n": 3,
        },
    ),
}


def _entry(
    cls: str,
    configs: Any,
    law: Law,
    bench: Bench,
    build: Any = None,
    parallel: Parallel | None = None,
    left_out: dict | None = None,
) -> Entry:
    reasons = {} if parallel is not None else {"parallel": "the spec gives it no parallel form"}
    return Entry(
        f"alf.{cls}",
        AlfDistribution(spec=input_spec, parallel=parallel, law=law),
        configs,
        build or builder(cls),
        left_out={**reasons, **(left_out or {})},
        bad_configs=BAD[cls],
        examples=FAN_IN_EXAMPLES.get(cls, ()),
        bench=bench,
    )


def _parallel(cls: str) -> Parallel:
    return Parallel(parallel_of(cls), builder(cls))


def entries() -> list[Entry]:
    return [
        _entry(
            "NormalProjectionNetwork",
            normal_configs,
            NORMAL,
            _bench(
                {"action_spec": BENCH_BOX, "scale_distribution": True}, "NormalProjectionNetwork"
            ),
            parallel=_parallel("NormalProjectionNetwork"),
        ),
        _entry(
            "StableNormalProjectionNetwork",
            stable_configs,
            STABLE,
            _bench(
                {"action_spec": BENCH_BOX, "scale_distribution": True},
                "StableNormalProjectionNetwork",
            ),
            parallel=_parallel("StableNormalProjectionNetwork"),
        ),
        _entry(
            "CauchyProjectionNetwork",
            cauchy_configs,
            CAUCHY,
            _bench(
                {"action_spec": BENCH_BOX, "scale_distribution": True}, "CauchyProjectionNetwork"
            ),
        ),
        _entry(
            "BetaProjectionNetwork",
            beta_configs,
            BETA,
            _bench({"action_spec": BENCH_BOX}, "BetaProjectionNetwork"),
            parallel=_parallel("BetaProjectionNetwork"),
        ),
        _entry(
            "TruncatedProjectionNetwork",
            truncated_configs,
            TRUNCATED,
            _bench({"action_spec": BENCH_BOX}),
        ),
        _entry(
            "CategoricalProjectionNetwork",
            categorical_configs,
            CATEGORICAL,
            _bench({"action_spec": BENCH_DISCRETE}),
            parallel=Parallel(build_parallel_categorical, builder("CategoricalProjectionNetwork")),
            left_out={"reparam_grad": NO_RSAMPLE},
        ),
        Entry(
            "alf.ParallelCategoricalProjectionNetwork",
            AlfDistribution(
                spec=input_spec,
                outer=lambda cfg, batch: (batch, cfg["n"]),
                parallel=Parallel(
                    build_parallel_categorical, builder("CategoricalProjectionNetwork")
                ),
                law=CATEGORICAL,
            ),
            categorical_configs,
            build_parallel_categorical,
            left_out={"reparam_grad": NO_RSAMPLE},
            bad_configs=BAD["ParallelCategoricalProjectionNetwork"],
            examples=FAN_IN_EXAMPLES["CategoricalProjectionNetwork"],
            bench=_bench({"action_spec": BENCH_DISCRETE, "n": 4}),
        ),
        _entry(
            "OnehotCategoricalProjectionNetwork",
            onehot_configs,
            ONEHOT,
            _bench({"action_spec": BENCH_DISCRETE}),
        ),
        _entry(
            "MixtureProjectionNetwork",
            mixture_configs,
            MIXTURE,
            _bench(
                {
                    "action_spec": BENCH_BOX,
                    "num_components": 3,
                    "component": "normal",
                    "scale_distribution": True,
                    "state_dependent_std": False,
                }
            ),
            build=build_mixture,
            left_out={
                "reparam_grad": "a mixture's choice of component is not reparameterised: "
                "its distribution has no rsample"
            },
        ),
    ]
