"""Catalog entries of ``alf.networks.actor_distribution_networks``:
``ActorDistributionNetworkBase``, ``ActorDistributionNetwork``,
``ActorDistributionRNNNetwork`` and ``ParallelActorDistributionNetwork``.

A config names the projection network the actor is built with (``projection``) and that
projection's own plain-data config (``projection_cfg``, drawn by the projection entries'
strategies; its ``action_spec`` is the actor's). The distribution laws are those of the
projection entries (``properties/models/alf/projection.py``) applied to that sub-config:
the actor's distribution is the projection's of the encoding.

The actors (not the parallel one: upstream's takes a single action spec) also draw a nest
of action specs (``action_nest``: a tuple, or a dict whose keys are inserted against their
canonical sorted order) of 2-3 ``leaves``, at least one discrete and one continuous, each
leaf a ``{projection, projection_cfg}`` like a single actor's config. As in ALF, one ctor
serves each kind of leaf: the discrete ctor's config and the continuous ctor's are drawn
once and the leaves differ only in their action specs (drawn compatible with the ctor).
The output is a nest of distributions shaped like the action spec, each leaf under its own
projection's law (``properties.kinds.alf_distribution.Leaves``); ``focus`` is the leaf
the one-distribution checks (bad values, extreme inputs) look at.
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
    action_specs_like,
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
from properties.kinds.alf_distribution import AlfDistribution, Leaves, through_leaves
from properties.kinds.alf_network import Parallel
from properties.kinds.distribution import Law
from properties.models.alf import projection as laws
from properties.specs import alf_specs
from reference.specs import BoundedTensorSpec, Nest, TensorSpec

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


#: The forms of an action-spec nest, and the keys of a dict nest (inserted in reverse).
NESTS = ("tuple", "dict")
KEYS = ("arm", "grip", "steer")


def _sub(cfg: dict) -> dict:
    return cfg["projection_cfg"]


def _law(cfg: dict) -> Law:
    return PROJECTIONS[cfg["projection"]][2]


def _which(leaf: dict) -> str:
    return "discrete" if leaf["projection"] in DISCRETE else "continuous"


def leaves(cfg: dict) -> list[dict] | None:
    """A nest config's leaves in canonical (flattened) order; None for a single spec."""
    return cfg.get("leaves")


#: A nest of action specs: a distribution per leaf, the leaf ``focus`` in focus.
LEAVES = Leaves(leaves, lambda cfg: int(cfg.get("focus", 0)), lambda cfg, i: {**cfg, "focus": i})

#: The projection's law on the projection's sub-config (a leaf's, for a nest).
ACTOR_LAW = through_leaves(
    Law(
        lambda cfg: _law(cfg).support(_sub(cfg)),
        lambda cfg: _law(cfg).shape(_sub(cfg)),
        lambda dist, cfg: _law(cfg).model(dist, _sub(cfg)),
        lambda dist, cfg: _law(cfg).limits(dist, _sub(cfg)),
        finite_rsample_grad=lambda cfg: _law(cfg).finite_rsample_grad(_sub(cfg)),
    ),
    LEAVES,
)


@st.composite
def ctor_config(draw: Any, names: list[str]) -> dict:
    """One projection ctor: its name and config (its variants are the projection entries'
    to cover)."""
    name = draw(st.sampled_from(names))
    sub = draw(S.free_variants(PROJECTIONS[name][1]()))
    return {
        "projection": name,
        "projection_cfg": {k: v for k, v in sub.items() if k not in ("input_size", "n")},
    }


@st.composite
def action_nest(draw: Any, form: str, names: tuple[str, ...]) -> dict:
    """A nest (module doc): the two ctors drawn once, 2-3 leaves mixing them, shuffled."""
    ctors = {
        which: draw(ctor_config([n for n in names if (n in DISCRETE) == (which == "discrete")]))
        for which in ("discrete", "continuous")
    }
    kinds = ["discrete", "continuous", *draw(st.sampled_from([[], ["discrete"], ["continuous"]]))]
    out, used = [], set()
    for which in draw(st.permutations(kinds)):
        ctor = ctors[which]
        spec = _sub(ctor)["action_spec"]
        if which in used:
            spec = draw(action_specs_like(spec))
        used.add(which)
        out.append({**ctor, "projection_cfg": {**_sub(ctor), "action_spec": spec}})
    focused = draw(S.variants("focused leaf", ["discrete", "continuous"]))
    return {
        "action_nest": form,
        "leaves": out,
        "focus": next(i for i, leaf in enumerate(out) if _which(leaf) == focused),
    }


@st.composite
def projections(draw: Any, names: tuple[str, ...], nests: bool = True) -> dict:
    # the actor's own variant is which ctor it takes (discrete or continuous leaf), or a
    # nest of both; the projection's variants are the projection entries' to cover
    kinds = sorted({"discrete" if n in DISCRETE else "continuous" for n in names})
    kind = draw(S.variants("action", [*kinds, *(NESTS if nests else ())]))
    if kind in NESTS:
        return draw(action_nest(kind, names))
    return draw(ctor_config([n for n in names if (n in DISCRETE) == (kind == "discrete")]))


@st.composite
def actor_configs(
    draw: Any, names: tuple[str, ...] = tuple(PROJECTIONS), nests: bool = True
) -> dict:
    return {
        **draw(inputs()),
        **draw(projections(names, nests)),
        "fc_layer_params": draw(S.fc_layer_params(max_layers=2)),
        "activation": draw(st.sampled_from(["relu_", "tanh"])),
        "kernel_initializer": draw(S.initializers()),
        "use_fc_bn": False,  # drawn nothing: here for bad_input's out-of-range flags
        "n": draw(st.integers(1, 3)),
    }


@st.composite
def parallel_configs(draw: Any) -> dict:
    # built by the constructor or by the actor's make_parallel (the same network upstream)
    form = draw(S.variants("parallel form", ["constructor", "make_parallel"]))
    return {**draw(actor_configs(PARALLEL_PROJECTIONS, nests=False)), "form": form}


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


def action_spec(cfg: dict) -> Nest:
    """The actor's action spec: the projection's, or the nest of the leaves' (a dict's keys
    inserted in reverse of their sorted, canonical order)."""
    configs = leaves(cfg)
    if configs is None:
        return _sub(cfg)["action_spec"]
    specs = [_sub(leaf)["action_spec"] for leaf in configs]
    if cfg["action_nest"] == "tuple":
        return tuple(specs)
    return dict(reversed(list(zip(KEYS, specs))))


def _ctor(impl: Impl, leaf: dict) -> Any:
    """The projection ctor of a leaf's config, its action spec left to the actor."""
    proj_kw = projection_kwargs(impl, {**_sub(leaf), "input_size": 1})
    proj_kw.pop("action_spec")
    proj_kw.pop("input_size")
    return functools.partial(impl.get(f"alf.{PROJECTIONS[leaf['projection']][0]}"), **proj_kw)


def _kwargs(impl: Impl, cfg: dict) -> dict:
    """The actor's keyword arguments: each leaf's projection ctor as the discrete or
    continuous one (the leaves of a kind share it), the action spec (nest) of the leaves."""
    drop = ("n", "form", "projection", "projection_cfg", "action_nest", "leaves", "focus")
    kw = alf_kwargs(impl, cfg, drop=(*drop, *SEQUENCE_KEYS))
    kw["action_spec"] = alf_specs(impl, action_spec(cfg))
    for leaf in leaves(cfg) or [cfg]:
        kw.setdefault(f"{_which(leaf)}_projection_net_ctor", _ctor(impl, leaf))
    return kw


def build_actor(impl: Impl, cfg: dict) -> Any:
    return impl.alf.ActorDistributionNetwork(**_kwargs(impl, cfg))


def build_parallel(impl: Impl, cfg: dict) -> Any:
    if cfg.get("form") == "make_parallel":
        return parallel_actor(impl, cfg)
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
    "ActorDistributionNetworkBase.make_parallel is ParallelActorDistributionNetwork, which "
    "takes a single action spec (this entry also draws nests): checked on "
    "alf.ParallelActorDistributionNetwork, built by its constructor and by make_parallel"
)


def _outer(cfg: dict, batch: int) -> tuple[int, ...]:
    return (batch, cfg["n"])


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.ActorDistributionNetworkBase",
            AlfDistribution(law=ACTOR_LAW, leaves=LEAVES),
            actor_configs,
            build_base,
            left_out={"parallel": PARALLEL_REASON},
            bad_configs=BAD,
            config_ranges={"use_fc_bn": "flag"},
        ),
        Entry(
            "alf.ActorDistributionNetwork",
            AlfDistribution(law=ACTOR_LAW, leaves=LEAVES),
            actor_configs,
            build_actor,
            left_out={"parallel": PARALLEL_REASON},
            bad_configs=BAD,
            bench=cases.sac_bench(),
            config_ranges={"use_fc_bn": "flag"},
        ),
        Entry(
            "alf.ActorDistributionRNNNetwork",
            AlfDistribution(law=ACTOR_LAW, leaves=LEAVES, stateful=True, sequence=sequence),
            rnn_configs,
            build_rnn,
            left_out={"parallel": PARALLEL_REASON},
            bad_configs=BAD,
            bench=cases.actor_distribution_rnn_bench(),
            config_ranges={"lstm_hidden_size": "positive"},
        ),
        Entry(
            "alf.ParallelActorDistributionNetwork",
            AlfDistribution(law=ACTOR_LAW, parallel=_parallel_of(build_parallel), outer=_outer),
            parallel_configs,
            build_parallel,
            bad_configs=PARALLEL_BAD,
            config_ranges={"use_fc_bn": "flag"},
        ),
    ]
