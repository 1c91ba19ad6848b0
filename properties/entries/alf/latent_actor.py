"""Catalog entries of ALF's actor distribution networks built on normalizing flows:
``UnitNormalActorDistributionNetwork`` and ``LatentActorDistributionNetwork``.

The latent actor's independent model evaluates the change of variables with the
*inverse* transforms of the reference distribution and an autograd Jacobian
(:func:`latent_model`); ``dist_logprob`` checks the candidate's ``log_prob`` against it at
probe points, at the candidate's own fresh samples (the cached path of SAC's update) and
at copies of them (the inverse path).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import torch
import torch.distributions as td
from hypothesis import strategies as st
from scipy import stats

from benchmarks.cases.alf import latent_actor as cases
from properties import strategies as S
from properties.autodiff import row_jacobians
from properties.candidate import Impl
from properties.distributions import Interval, Model, Real, Support, to_numpy
from properties.entries.alf._build import alf_kwargs
from properties.entry import BadConfig, Entry
from properties.kinds.alf_distribution import AlfDistribution
from properties.kinds.distribution import DistShape, Law
from properties.models.alf.projection import interval_of
from properties.specs import alf_specs
from reference.alf.flows import MASK_MODES
from reference.specs import BoundedTensorSpec, TensorSpec

NO_PARALLEL = "the spec gives it no parallel form"

# --------------------------------------------------------------------------------------
# configs and builds
# --------------------------------------------------------------------------------------


def _action_spec(draw: Any, bounded: bool) -> TensorSpec:
    d = draw(S.sizes(1, 4))
    if not bounded:
        return TensorSpec((d,))
    lo = draw(st.floats(-3, 2, width=32))
    return BoundedTensorSpec((d,), torch.float32, lo, lo + draw(st.floats(0.5, 4, width=32)))


@st.composite
def unit_normal_configs(draw: Any) -> dict:
    nested = S.nested_inputs().map(lambda pair: pair[0])
    return {
        "input_tensor_spec": draw(st.one_of(S.vector_specs(1, 5), nested)),
        "action_spec": _action_spec(draw, False),
    }


#: dist_squashing_transform choices: ALF's StableTanh (the default) and torch's own tanh.
SQUASHINGS = {"stable_tanh": None, "torch_tanh": lambda: td.TanhTransform(cache_size=1)}


@st.composite
def latent_configs(draw: Any) -> dict:
    scale = draw(st.booleans())
    return {
        "input_tensor_spec": draw(S.vector_specs(1, 5)),
        "action_spec": _action_spec(draw, scale),
        "conditional_flow": draw(S.variants("conditional_flow", [False, True])),
        "scale_distribution": scale,
        "squashing": draw(S.variants("squashing", sorted(SQUASHINGS))),
        "flow": {
            "fc_layer_params": draw(st.lists(S.sizes(1, 8), max_size=2).map(tuple)),
            "num_layers": draw(st.integers(1, 3)),
            "mask_mode": draw(S.variants("mask_mode", MASK_MODES)),
        },
    }


def build_unit_normal(impl: Impl, cfg: dict) -> Any:
    return impl.alf.UnitNormalActorDistributionNetwork(**alf_kwargs(impl, cfg))


def build_latent(impl: Impl, cfg: dict) -> Any:
    kw = alf_kwargs(impl, cfg, drop=("flow", "squashing"))
    squashing = SQUASHINGS[cfg.get("squashing", "stable_tanh")]
    if squashing is not None:
        kw["dist_squashing_transform"] = squashing()
    flow = functools.partial(impl.alf.RealNVPNetwork, **cfg.get("flow", {}))
    return impl.alf.LatentActorDistributionNetwork(normalizing_flow_network_ctor=flow, **kw)


# --------------------------------------------------------------------------------------
# laws
# --------------------------------------------------------------------------------------


def action_support(cfg: dict) -> Support:
    return interval_of(cfg["action_spec"]) if cfg.get("scale_distribution") else Real()


def action_shape(cfg: dict) -> DistShape:
    return DistShape((), tuple(cfg["action_spec"].shape), torch.float32)


def unit_normal_model(dist: td.Distribution, cfg: dict) -> Model:
    d = cfg["action_spec"].shape[0]
    entropy = np.full(tuple(dist.batch_shape), d * 0.5 * np.log(2 * np.pi * np.e))
    return Model(lambda v: stats.norm.logpdf(v).sum(-1), entropy, stats.norm.cdf)


def inverse_chain(dist: td.TransformedDistribution, a: torch.Tensor) -> torch.Tensor:
    """``u = T_1^{-1}(... T_k^{-1}(a))``: the latent value of actions ``a``."""
    u = a
    for t in reversed(dist.transforms):
        u = t.inv(u)
    return u


def inverse_log_det(dist: td.TransformedDistribution, a: torch.Tensor) -> torch.Tensor:
    """``log |det d u / d a|`` per action, from the autograd Jacobian of the inverse chain
    (never from the transforms' own log-dets)."""
    flat = a.reshape(-1, a.shape[-1]).detach()
    blocks = row_jacobians(lambda v: inverse_chain(dist, v.reshape(-1, *a.shape)), flat)
    return torch.linalg.slogdet(blocks)[1].reshape(a.shape[:-1])


def latent_model(dist: td.Distribution, cfg: dict) -> Model:
    """The change of variables, stated independently: ``log p(a) = log N(u; 0, I) +
    log |det du/da|`` with ``u`` from the inverse transforms and the log-det from the
    autograd Jacobian of that inverse; ``cdf(a) = Phi(u)`` (iid U(0, 1) for true samples)."""
    assert isinstance(dist, td.TransformedDistribution)
    support = action_support(cfg)

    def latent(values: np.ndarray) -> torch.Tensor:
        a = torch.as_tensor(values, dtype=torch.float64)
        with torch.no_grad():
            return inverse_chain(dist, a)

    def cdf(values: np.ndarray) -> np.ndarray:
        # a squashed sample rounded onto a bound (tanh saturating; about 1 in 1000 draws
        # here) has no finite pre-image: invert the nearest point inside the box instead
        if isinstance(support, Interval):
            lo, hi = to_numpy(support.low), to_numpy(support.high)
            gap = 4 * np.finfo(np.float64).eps * (hi - lo)  # a few ulps of tanh's range
            values = np.clip(values, lo + gap, hi - gap)
        return stats.norm.cdf(to_numpy(latent(values)))

    def log_prob(values: np.ndarray) -> np.ndarray:
        a = torch.as_tensor(values, dtype=torch.float64)
        u = to_numpy(latent(values))
        return stats.norm.logpdf(u).sum(-1) + to_numpy(inverse_log_det(dist, a))

    return Model(log_prob, None, cdf)


UNIT_NORMAL = Law(action_support, action_shape, unit_normal_model)
LATENT = Law(action_support, action_shape, latent_model)

# --------------------------------------------------------------------------------------
# bad configs and benchmark cases
# --------------------------------------------------------------------------------------


def _specs(impl: Impl, *specs: TensorSpec) -> Any:
    return alf_specs(impl, specs)


LATENT_BAD = (
    BadConfig(
        "scale_distribution without bounds",
        lambda impl: impl.alf.LatentActorDistributionNetwork(
            *_specs(impl, TensorSpec((3,)), TensorSpec((2,))), scale_distribution=True
        ),
        TypeError,
        "BoundedTensorSpec",
    ),
    BadConfig(
        "a flow constructor that builds no flow",
        lambda impl: impl.alf.LatentActorDistributionNetwork(
            *_specs(impl, TensorSpec((3,)), TensorSpec((2,))),
            normalizing_flow_network_ctor=lambda **kw: impl.alf.EncodingNetwork(
                kw["input_tensor_spec"]
            ),
        ),
        TypeError,
        "NormalizingFlowNetwork",
    ),
)

UNIT_NORMAL_BAD = (
    BadConfig(
        "discrete action spec",
        lambda impl: impl.alf.UnitNormalActorDistributionNetwork(
            *_specs(impl, TensorSpec((3,)), BoundedTensorSpec((), torch.int64, 0, 3))
        ),
        TypeError,
        "continuous",
    ),
)


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.UnitNormalActorDistributionNetwork",
            AlfDistribution(law=UNIT_NORMAL),
            unit_normal_configs,
            build_unit_normal,
            left_out={
                "parallel": NO_PARALLEL,
                "init": "parameterless: there are no initial weights",
                "grad_parity": "its distribution depends on neither the input's values nor "
                "any parameter: there is no gradient to compare",
            },
            bad_configs=UNIT_NORMAL_BAD,
        ),
        Entry(
            "alf.LatentActorDistributionNetwork",
            AlfDistribution(law=LATENT),
            latent_configs,
            build_latent,
            left_out={"parallel": NO_PARALLEL},
            bad_configs=LATENT_BAD,
            bench=cases.latent_bench(),
            config_ranges={"conditional_flow": "flag", "scale_distribution": "flag"},
        ),
    ]
