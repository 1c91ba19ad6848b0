"""Catalog entries of ``alf.networks.actor_distribution_networks``:
``ActorDistributionNetworkBase``, ``ActorDistributionNetwork``,
``ActorDistributionRNNNetwork`` and ``ParallelActorDistributionNetwork``.

A config names the projection network the actor is built with (``projection``) and that
projection's own plain-data config (``projection_cfg``, drawn by the projection entries'
strategies; its ``action_spec`` is the actor's). The distribution laws are those of the
projection entries (``properties/models/alf/projection.py``) applied to that sub-config:
the actor's distribution is the projection's of the encoding.
"""

from __future__ import annotations

import functools
from typing import Any

import torch
from hypothesis import strategies as st

from benchmarks.cases.alf import actors as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entries.alf._build import alf_kwargs
from properties.entries.alf._projection_configs import (
    beta_configs,
    categorical_configs,
    cauchy_configs,
    normal_configs,
    onehot_configs,
    stable_configs,
    truncated_configs,
)
from properties.entries.alf.actor_networks import inputs
from properties.entries.alf.projection import projection_kwargs
from properties.entries.alf.recurrent import SEQUENCE_KEYS, sequence
from properties.entry import BadConfig, Entry
from properties.kinds.alf_distribution import AlfDistribution
from properties.kinds.alf_network import Parallel
from properties.kinds.distribution import Law
from properties.models.alf import projection as laws
from properties.specs import alf_specs
from reference.specs import BoundedTensorSpec, TensorSpec

#: projection name -> (inventory class, config strategy, law, has a parallel form)
PROJECTIONS: dict[str, tuple[str, Any, Law, bool]] = {
    "normal": ("NormalProjectionNetwork", normal_configs, laws.NORMAL, True),
    "stable": ("StableNormalProjectionNetwork", stable_configs, laws.STABLE, True),
    "beta": ("BetaProjectionNetwork", beta_configs, laws.BETA, True),
    "categorical": ("CategoricalProjectionNetwork", categorical_configs, laws.CATEGORICAL, True),
    "cauchy": ("CauchyProjectionNetwork", cauchy_configs, laws.CAUCHY, False),
    "truncated": ("TruncatedProjectionNetwork", truncated_configs, laws.TRUNCATED, False),
    "onehot": ("OnehotCategoricalProjectionNetwork", onehot_configs, laws.ONEHOT, False),
}
PARALLEL_PROJECTIONS = tuple(k for k, v in PROJECTIONS.items() if v[3])
DISCRETE = frozenset({"categorical", "onehot"})


def _sub(cfg: dict) -> dict:
    return cfg["projection_cfg"]


def _law(cfg: dict) -> Law:
    return PROJECTIONS[cfg["projection"]][2]


#: The projection's law on the projection's sub-config.
ACTOR_LAW = Law(
    lambda cfg: _law(cfg).support(_sub(cfg)),
    lambda cfg: _law(cfg).shape(_sub(cfg)),
    lambda dist, cfg: _law(cfg).model(dist, _sub(cfg)),
    lambda dist, cfg: _law(cfg).limits(dist, _sub(cfg)),
)


@st.composite
def projections(draw: Any, names: tuple[str, ...]) -> dict:
    # the actor's own variant is which ctor it takes (discrete or continuous leaf); the
    # projection's variants are the projection entries' to cover
    kinds = sorted({"discrete" if n in DISCRETE else "continuous" for n in names})
    kind = draw(S.variants("action", kinds))
    name = draw(st.sampled_from([n for n in names if (n in DISCRETE) == (kind == "discrete")]))
    sub = draw(S.free_variants(PROJECTIONS[name][1]()))
    return {
        "projection": name,
        "projection_cfg": {k: v for k, v in sub.items() if k not in ("input_size", "n")},
    }


@st.composite
def actor_configs(draw: Any, names: tuple[str, ...] = tuple(PROJECTIONS)) -> dict:
    return {
        **draw(inputs()),
        **draw(projections(names)),
        "fc_layer_params": draw(S.fc_layer_params(max_layers=2)),
        "activation": draw(st.sampled_from(["relu_", "tanh"])),
        "kernel_initializer": draw(S.initializers()),
        "n": draw(st.integers(1, 3)),
    }


def parallel_configs() -> Any:
    return actor_configs(PARALLEL_PROJECTIONS)


@st.composite
def rnn_configs(draw: Any) -> dict:
    hidden: Any = draw(st.one_of(S.sizes(1, 4), st.lists(S.sizes(1, 4), min_size=1, max_size=2)))
    return {
        **draw(inputs()),
        **draw(projections(tuple(PROJECTIONS))),
        "fc_layer_params": draw(st.one_of(st.none(), S.fc_layer_params(max_layers=1))),
        "lstm_hidden_size": hidden if isinstance(hidden, int) else tuple(hidden),
        "actor_fc_layer_params": draw(st.one_of(st.none(), S.fc_layer_params(max_layers=1))),
        "activation": draw(st.sampled_from(["relu_", "tanh"])),
        "kernel_initializer": draw(S.initializers()),
    }


def _kwargs(impl: Impl, cfg: dict) -> dict:
    """The actor's keyword arguments: the projection ctor as the discrete or continuous
    one (by the action spec), the action spec from the projection's sub-config."""
    name = cfg["projection"]
    sub = {**_sub(cfg), "input_size": 1}
    proj_kw = projection_kwargs(impl, sub)
    action_spec = proj_kw.pop("action_spec")
    proj_kw.pop("input_size")
    ctor = functools.partial(impl.get(f"alf.{PROJECTIONS[name][0]}"), **proj_kw)
    kw = alf_kwargs(impl, cfg, drop=("n", "projection", "projection_cfg", *SEQUENCE_KEYS))
    kw["action_spec"] = action_spec
    which = "discrete" if name in DISCRETE else "continuous"
    kw[f"{which}_projection_net_ctor"] = ctor
    return kw


def build_actor(impl: Impl, cfg: dict) -> Any:
    return impl.alf.ActorDistributionNetwork(**_kwargs(impl, cfg))


def build_parallel(impl: Impl, cfg: dict) -> Any:
    return impl.alf.ParallelActorDistributionNetwork(build_actor(impl, cfg), cfg["n"])


def parallel_actor(impl: Impl, cfg: dict) -> Any:
    return build_actor(impl, cfg).make_parallel(cfg["n"])


def build_base(impl: Impl, cfg: dict) -> Any:
    kw = _kwargs(impl, cfg)
    kw.setdefault("discrete_projection_net_ctor", impl.alf.CategoricalProjectionNetwork)
    kw.setdefault("continuous_projection_net_ctor", impl.alf.NormalProjectionNetwork)
    return impl.alf.ActorDistributionNetworkBase(
        encoding_network_ctor=impl.alf.EncodingNetwork, **kw
    )


def build_rnn(impl: Impl, cfg: dict) -> Any:
    return impl.alf.ActorDistributionRNNNetwork(**_kwargs(impl, cfg))


def _parallel_of(build: Any) -> Parallel:
    return Parallel(build, build_actor, shared_input=False)


def _bad_nested_parallel(impl: Impl) -> Any:
    box = BoundedTensorSpec((2,), torch.float32, -1.0, 1.0)
    actor = impl.alf.ActorDistributionNetwork(
        alf_specs(impl, TensorSpec((3,))), alf_specs(impl, (box, box))
    )
    return impl.alf.ParallelActorDistributionNetwork(actor, 2)


BAD = (
    BadConfig(
        "unbounded action spec to a squashing normal projection",
        lambda impl: impl.alf.ActorDistributionNetwork(
            alf_specs(impl, TensorSpec((3,))), alf_specs(impl, TensorSpec((2,)))
        ),
        TypeError,
        "BoundedTensorSpec",
    ),
)
PARALLEL_BAD = (
    BadConfig("a nest of action specs", _bad_nested_parallel, ValueError, "single action spec"),
)

PARALLEL_REASON = (
    "ActorDistributionNetworkBase.make_parallel is ParallelActorDistributionNetwork: checked "
    "on alf.ActorDistributionNetwork and alf.ParallelActorDistributionNetwork"
)


def _outer(cfg: dict, batch: int) -> tuple[int, ...]:
    return (batch, cfg["n"])


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.ActorDistributionNetworkBase",
            AlfDistribution(law=ACTOR_LAW),
            actor_configs,
            build_base,
            left_out={"parallel": PARALLEL_REASON},
            bad_configs=BAD,
        ),
        Entry(
            "alf.ActorDistributionNetwork",
            AlfDistribution(law=ACTOR_LAW, parallel=_parallel_of(parallel_actor)),
            parallel_configs,
            build_actor,
            bad_configs=BAD,
            bench=cases.sac_bench(),
        ),
        Entry(
            "alf.ActorDistributionRNNNetwork",
            AlfDistribution(law=ACTOR_LAW, stateful=True, sequence=sequence),
            rnn_configs,
            build_rnn,
            left_out={"parallel": PARALLEL_REASON},
            bad_configs=BAD,
            bench=cases.actor_distribution_rnn_bench(),
        ),
        Entry(
            "alf.ParallelActorDistributionNetwork",
            AlfDistribution(law=ACTOR_LAW, parallel=_parallel_of(build_parallel), outer=_outer),
            parallel_configs,
            build_parallel,
            bad_configs=PARALLEL_BAD,
        ),
    ]
