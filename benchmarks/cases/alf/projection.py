"""Benchmark cases of the ALF projection networks, and the peer ``td_chain``: the reference
network returning plain ``torch.distributions`` objects
(``TransformedDistribution(Independent(Normal), [TanhTransform, AffineTransform])`` and the
like, with torch's default argument validation)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import torch
import torch.distributions as td

from properties.candidate import Impl
from properties.entry import Bench, BenchCase
from reference.specs import BoundedTensorSpec

INPUT, ACTIONS, BATCHES = 256, 6, (1, 64, 1024)
BOX = BoundedTensorSpec((ACTIONS,), torch.float32, -1.0, 1.0)
DISCRETE = BoundedTensorSpec((), torch.int64, 0, ACTIONS - 1)


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


def td_chain(cls_name: str, kwargs: Callable[[Impl, dict], dict]) -> Any:
    """The reference network returning plain torch.distributions chains (``kwargs``: the
    entry's constructor keyword arguments of a config)."""

    def build(impl: Impl, cfg: dict) -> Any:
        from reference import alf

        return _td_chain_class(getattr(alf, cls_name))(**kwargs(impl, cfg))

    return build


CONFIGS: dict[str, dict] = {
    "NormalProjectionNetwork": {"action_spec": BOX, "scale_distribution": True},
    "StableNormalProjectionNetwork": {"action_spec": BOX, "scale_distribution": True},
    "CauchyProjectionNetwork": {"action_spec": BOX, "scale_distribution": True},
    "BetaProjectionNetwork": {"action_spec": BOX},
    "TruncatedProjectionNetwork": {"action_spec": BOX},
    "CategoricalProjectionNetwork": {"action_spec": DISCRETE},
    "ParallelCategoricalProjectionNetwork": {"action_spec": DISCRETE, "n": 4},
    "OnehotCategoricalProjectionNetwork": {"action_spec": DISCRETE},
    "MixtureProjectionNetwork": {
        "action_spec": BOX,
        "num_components": 3,
        "component": "normal",
        "scale_distribution": True,
        "state_dependent_std": False,
    },
}
#: The networks timed beside the plain torch.distributions chain.
TD_CHAIN_PEERS = frozenset(
    {
        "NormalProjectionNetwork",
        "StableNormalProjectionNetwork",
        "CauchyProjectionNetwork",
        "BetaProjectionNetwork",
    }
)


def bench(cls_name: str, kwargs: Callable[[Impl, dict], dict]) -> Bench:
    """The cases of ``alf.<cls_name>`` (``kwargs`` as for :func:`td_chain`)."""
    base = {"input_size": INPUT, **CONFIGS[cls_name]}
    cases = tuple(BenchCase(f"B={b}", base, b) for b in BATCHES)
    peers = {"td_chain": td_chain(cls_name, kwargs)} if cls_name in TD_CHAIN_PEERS else {}
    return Bench(cases, peers)
