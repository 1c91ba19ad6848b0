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

from collections.abc import Callable
from typing import Any

import torch
import torch.distributions as td
import torch.nn.functional as F

from benchmarks.cases.amago import policy_dists as cases
from properties.candidate import Impl
from properties.entries.amago._policy_dists_configs import (
    beta_configs,
    bounded_function_configs,
    discrete_configs,
    discrete_like_continuous_configs,
    gmm_configs,
    plain_head_configs,
    tanh_gaussian_configs,
)
from properties.entry import BadConfig, Entry
from properties.kinds.amago_head import AmagoHead
from properties.kinds.function import Function
from properties.models.amago import policy_dists as laws
from reference.specs import TensorSpec

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
    checks, call routing). Its mean and std are clamped to ``+-1e10`` (a no-op at ordinary
    inputs), so that its own samples score finitely at the extreme inputs ``extreme_inputs``
    draws: a plain Normal's ``(x - mu)^2`` overflows to ``inf / inf`` at ``1e300``."""
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
                big = 1e10
                return td.Normal(mu.clamp(-big, big), F.softplus(raw).clamp(max=big) + 0.1)

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


def _bad(why: str, name: str, args: tuple, kwargs: dict, error: type, match: str) -> BadConfig:
    """``amago.<name>(*args, **kwargs)`` must raise ``error`` matching ``match``."""
    return BadConfig(why, lambda impl: impl.get(f"amago.{name}")(*args, **kwargs), error, match)


_CATEGORICAL = td.Categorical(logits=torch.zeros(3))
HEAD_BAD = {
    name: tuple(_bad(why, name, *rest) for why, *rest in rows)
    for name, rows in {
        "TanhGaussian": (
            ("std_low <= 0", (2,), {"std_low": 0.0}, ValueError, "std_low"),
            (
                "std_high <= std_low",
                (2,),
                {"std_low": 1.0, "std_high": 0.5},
                ValueError,
                "std_high",
            ),
            (
                "clip outside [-1, 1]",
                (2,),
                {"clip_actions_on_log_prob": (-1.5, 0.9)},
                ValueError,
                "clip_actions_on_log_prob",
            ),
            ("d_action 0", (0,), {}, ValueError, "d_action"),
        ),
        "Beta": (
            ("alpha_low <= 0", (2,), {"alpha_low": 0.0}, ValueError, "alpha_low"),
            ("beta_high <= beta_low", (2,), {"beta_high": 1.0}, ValueError, "beta_high"),
        ),
        "GMM": (
            ("gmm_modes 0", (2,), {"gmm_modes": 0}, ValueError, "gmm_modes"),
            ("std_low <= 0", (2,), {"std_low": -1.0}, ValueError, "std_low"),
        ),
        "Discrete": (
            ("clip_prob_low > clip_prob_high", (3, 0.5, 0.4), {}, ValueError, "clip_prob"),
        ),
        "DiscreteLikeContinuous": (
            ("not a Categorical", (td.Normal(0.0, 1.0),), {}, TypeError, "Categorical"),
            ("temperature 0", (_CATEGORICAL, 0.0), {}, ValueError, "gumbel_softmax_temperature"),
        ),
        "Multibinary": (("d_action -1", (-1,), {}, ValueError, "d_action"),),
    }.items()
}


_FRESH_SAMPLE = (
    "twinnet follows upstream AMAGO's code, not the spec's text: the text clips every "
    "action to clip_actions_on_log_prob before scoring it, but upstream's TanhTransform "
    "caches its last forward, so log_prob of the head's own fresh rsample() scores the "
    "unclipped pre-tanh value (reference/amago/policy_dists.py, TanhTransform)"
)
#: Where the reference follows upstream's code over the spec's text (Entry.deviations).
DEVIATIONS = {
    "TanhGaussian": {"dist_logprob": _FRESH_SAMPLE, "dist_bounds": _FRESH_SAMPLE},
}


#: The ranges the spec states for the heads' numbers (Entry.config_ranges).
CONFIG_RANGES = {
    "TanhGaussian": {"std_low": "positive", "std_high": "positive"},
    "Beta": {
        "alpha_low": "positive",
        "alpha_high": "positive",
        "beta_low": "positive",
        "beta_high": "positive",
    },
    "GMM": {"gmm_modes": "positive", "std_low": "positive", "std_high": "positive"},
    "Discrete": {"clip_prob_low": "unit", "clip_prob_high": "unit"},
}


def head_entries() -> list[Entry]:
    return [
        Entry(
            f"amago.{name}",
            AmagoHead(
                law=laws.LAWS[name],
                input_dimension=input_dimension(name),
                inner=laws.inner,
                empty_length=empty_length,
            ),
            configs,
            BUILDS.get(name) or head_builder(name),
            left_out=LEFT_OUT.get(name, {}),
            bad_configs=HEAD_BAD.get(name, ()),
            config_ranges=CONFIG_RANGES.get(name, {}),
            bench=cases.bench(name),
            deviations=DEVIATIONS.get(name, {}),
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
            checks_inputs=True,
            elementwise=True,
        ),
        lambda: bounded_function_configs(needs_high),
        build,
        config_ranges={"low": "positive", "high": "positive"},
    )


def entries() -> list[Entry]:
    return [
        *head_entries(),
        _function_entry("softplus_bounded_positive", needs_high=False),
        _function_entry("tanh_bounded_positive", needs_high=True),
    ]
