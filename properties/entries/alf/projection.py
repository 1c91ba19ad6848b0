"""Catalog entries of ``alf.networks.projection_networks``: the nine projection networks.

Each entry is an :class:`~properties.kinds.alf_distribution.AlfDistribution` whose law
(support, shapes, scipy model, parameter limits) is stated in
``properties/models/alf/projection.py``; the benchmark cases and the ``td_chain`` peer are
in ``benchmarks/cases/alf/projection.py``.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import torch

from benchmarks.cases.alf import projection as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entries.alf._projection_configs import (
    FAN_IN_EXAMPLES,
    TRANSFORMS,
    beta_configs,
    categorical_configs,
    cauchy_configs,
    mixture_configs,
    normal_configs,
    onehot_configs,
    stable_configs,
    truncated_configs,
)
from properties.entry import BadConfig, Entry
from properties.kinds.alf_distribution import AlfDistribution
from properties.kinds.alf_network import Parallel
from properties.kinds.distribution import Law
from properties.models.alf import projection as laws
from properties.specs import alf_specs
from reference.specs import BoundedTensorSpec, TensorSpec

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


UNBOUNDED = TensorSpec((2,))
#: Per network: (why, constructor arguments after the class, kwargs, error, match).
_OWN_BAD: dict[str, tuple[tuple, ...]] = {
    "NormalProjectionNetwork": (
        ("squash_mean with an unbounded spec", (4, UNBOUNDED), {}, TypeError, "BoundedTensorSpec"),
        ("parallelism 0", (4, BOX, 0), {}, ValueError, "parallel"),
    ),
    "StableNormalProjectionNetwork": (
        ("init_std <= min_std", (4, BOX), {"init_std": 0.1, "min_std": 0.2}, ValueError, "min_std"),
        (
            "unknown inverse_std_transform",
            (4, BOX),
            {"inverse_std_transform": "square"},
            ValueError,
            "inverse_std_transform",
        ),
    ),
    "BetaProjectionNetwork": (
        ("unbounded spec", (4, UNBOUNDED), {}, TypeError, "BoundedTensorSpec"),
    ),
    "TruncatedProjectionNetwork": (
        (
            "min_scale > max_scale",
            (4, BOX),
            {"min_scale": 2.0, "max_scale": 1.0},
            ValueError,
            "min_scale",
        ),
    ),
    "OnehotCategoricalProjectionNetwork": (
        ("unknown mode", (4, DISCRETE), {"mode": "soft"}, ValueError, "mode"),
    ),
}


def _bad_configs(cls: str) -> tuple[BadConfig, ...]:
    if cls == "MixtureProjectionNetwork":
        return _mixture_bad()
    if "Categorical" in cls:
        common = _categorical_bad(cls, {"n": 2} if cls.startswith("Parallel") else {})
    else:
        common = _continuous_bad(cls)
    return (*common, *(_bad(cls, *row) for row in _OWN_BAD.get(cls, ())))


#: The ranges the spec states for the projection networks' numbers and flags (a key absent
#: from a class's configs is not drawn there), and which keys each class's configs pass to
#: its constructor as they are.
_RANGES = {
    "projection_output_init_gain": "finite",
    "std_bias_initializer_value": "finite",
    "scale_bias_initializer_value": "finite",
    "bias_init_value": "finite",
    "logits_init_output_factor": "finite",
    "init_std": "positive",
    "min_std": "nonnegative",
    "max_std": "positive",
    "min_concentration": "nonnegative",
    "grad_clip": "positive",
    "min_scale": "nonnegative",
    "max_scale": "positive",
    "gumbel_temperature": "positive",
    "input_size": "positive",
    "num_components": "positive",
    "squash_mean": "flag",
    "squash_median": "flag",
    "state_dependent_std": "flag",
    "state_dependent_scale": "flag",
    "scale_distribution": "flag",
}
_CONTINUOUS = ("projection_output_init_gain", "squash_mean", "state_dependent_std")
_RANGED_KEYS = {
    "NormalProjectionNetwork": (*_CONTINUOUS, "std_bias_initializer_value", "scale_distribution"),
    "StableNormalProjectionNetwork": (
        *_CONTINUOUS,
        "scale_distribution",
        "init_std",
        "min_std",
        "max_std",
    ),
    "CauchyProjectionNetwork": (
        "squash_median",
        "scale_bias_initializer_value",
        "state_dependent_scale",
        "scale_distribution",
    ),
    "BetaProjectionNetwork": (
        "min_concentration",
        "projection_output_init_gain",
        "bias_init_value",
        "grad_clip",
    ),
    "TruncatedProjectionNetwork": (
        "projection_output_init_gain",
        "scale_bias_initializer_value",
        "state_dependent_scale",
        "min_scale",
        "max_scale",
    ),
    "CategoricalProjectionNetwork": ("logits_init_output_factor",),
    "ParallelCategoricalProjectionNetwork": ("logits_init_output_factor",),
    "OnehotCategoricalProjectionNetwork": ("logits_init_output_factor", "gumbel_temperature"),
    "MixtureProjectionNetwork": (
        "input_size",
        "num_components",
        "state_dependent_std",
        "scale_distribution",
    ),
}

NO_RSAMPLE = "its distribution has no rsample (categorical samples are not reparameterised)"


def _entry(
    cls: str,
    configs: Any,
    law: Law,
    build: Any = None,
    parallel: Parallel | None = None,
    left_out: dict | None = None,
    outer: Any = None,
) -> Entry:
    ranges = {k: v for k, v in _RANGES.items() if k in _RANGED_KEYS.get(cls, ())}
    reasons = {} if parallel is not None else {"parallel": "the spec gives it no parallel form"}
    extra = {} if outer is None else {"outer": outer}
    return Entry(
        f"alf.{cls}",
        AlfDistribution(spec=input_spec, parallel=parallel, law=law, **extra),
        configs,
        build or builder(cls),
        left_out={**reasons, **(left_out or {})},
        bad_configs=_bad_configs(cls),
        config_ranges=ranges,
        examples=FAN_IN_EXAMPLES.get(cls.replace("Parallel", ""), ()),
        bench=cases.bench(cls, projection_kwargs),
    )


def _parallel(cls: str) -> Parallel:
    return Parallel(parallel_of(cls), builder(cls))


def entries() -> list[Entry]:
    categorical = Parallel(build_parallel_categorical, builder("CategoricalProjectionNetwork"))
    return [
        _entry(
            "NormalProjectionNetwork",
            normal_configs,
            laws.NORMAL,
            parallel=_parallel("NormalProjectionNetwork"),
        ),
        _entry(
            "StableNormalProjectionNetwork",
            stable_configs,
            laws.STABLE,
            parallel=_parallel("StableNormalProjectionNetwork"),
        ),
        _entry("CauchyProjectionNetwork", cauchy_configs, laws.CAUCHY),
        _entry(
            "BetaProjectionNetwork",
            beta_configs,
            laws.BETA,
            parallel=_parallel("BetaProjectionNetwork"),
        ),
        _entry("TruncatedProjectionNetwork", truncated_configs, laws.TRUNCATED),
        _entry(
            "CategoricalProjectionNetwork",
            categorical_configs,
            laws.CATEGORICAL,
            parallel=categorical,
            left_out={"reparam_grad": NO_RSAMPLE},
        ),
        _entry(
            "ParallelCategoricalProjectionNetwork",
            categorical_configs,
            laws.CATEGORICAL,
            build=build_parallel_categorical,
            parallel=categorical,
            left_out={"reparam_grad": NO_RSAMPLE},
            outer=lambda cfg, batch: (batch, cfg["n"]),
        ),
        _entry("OnehotCategoricalProjectionNetwork", onehot_configs, laws.ONEHOT),
        _entry(
            "MixtureProjectionNetwork",
            mixture_configs,
            laws.MIXTURE,
            build=build_mixture,
            left_out={
                "reparam_grad": "a mixture's choice of component is not reparameterised: "
                "its distribution has no rsample"
            },
        ),
    ]
