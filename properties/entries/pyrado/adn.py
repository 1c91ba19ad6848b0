"""Catalog entries of ``pyrado.policies.recurrent.adn``: ``ADNPolicy`` and the six potential
dynamics functions.

A dynamics entry calls ``f(p, s, h, tau, kappa=..., capacity=...)`` with ``p, s, h`` the
three rows of a ``[B, 3, H]`` input and ``tau``, ``kappa``, ``capacity`` from the config
(one-element tensors, as ADN passes them). Benchmarks: ADN ``evaluate`` over 8 rollouts of
250 steps (obs 16, act 8) and a single ``B = 1`` step, with the reference's ``script()``
as a peer.
"""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st

from benchmarks.cases.pyrado import adn as cases
from properties.candidate import Impl
from properties.entries.pyrado._build import OBS_SCALES, dims, env_spec, nonlin
from properties.entry import BadConfig, Entry
from properties.kinds.function import Function
from properties.kinds.pyrado_policy import PyradoPolicy
from properties.models.oracle import oracle_law
from properties.models.pyrado import adn as models
from reference.specs import TensorSpec

DYNAMICS = (
    "pd_linear",
    "pd_cubic",
    "pd_capacity_21",
    "pd_capacity_21_abs",
    "pd_capacity_32",
    "pd_capacity_32_abs",
)


@st.composite
def adn_configs(draw: Any) -> dict:
    cfg = dims(draw)
    cfg["activation"] = draw(st.sampled_from(["sigmoid", "tanh"]))
    cfg["dynamics"] = draw(st.sampled_from(DYNAMICS))
    cfg["learnable"] = draw(st.booleans())
    cfg["obs_scale"] = draw(st.sampled_from(OBS_SCALES))
    return cfg


def build_adn(impl: Impl, cfg: dict) -> Any:
    learnable = cfg["learnable"]
    return impl.pyrado.ADNPolicy(
        env_spec(impl, cfg),
        nonlin(cfg["activation"]),
        impl.get(f"pyrado.{cfg['dynamics']}"),
        tau_learnable=learnable,
        kappa_learnable=learnable,
        capacity_learnable=learnable,
        potential_init_learnable=learnable,
    )


@st.composite
def dynamics_configs(draw: Any) -> dict:
    return {
        "size": draw(st.integers(1, 5)),
        "tau": draw(st.sampled_from([0.5, 1.0, 10.0])),
        "kappa": draw(st.sampled_from([0.0, 1e-3, 0.5])),
        "capacity": draw(st.sampled_from([3.8, 7.0])),
    }


def dynamics(name: str) -> Any:
    def build(impl: Impl, cfg: dict) -> Any:
        f = impl.get(f"pyrado.{name}")
        tau, kappa, capacity = (
            torch.tensor([cfg[k]], dtype=torch.float64) for k in ("tau", "kappa", "capacity")
        )

        def call(x: torch.Tensor) -> torch.Tensor:
            extra = {"kappa": kappa.to(x), "capacity": capacity.to(x)}
            return f(x[:, 0], x[:, 1], x[:, 2], tau.to(x), **extra)

        return call

    return build


def dynamics_ranges(name: str) -> dict[str, str]:
    """The ranges of the keyword arguments ``name`` reads: ``tau > 0`` always, ``kappa``
    finite ``>= 0`` (cubic), ``C > 0`` (capacity-based); ``inf`` is a limit for tau and C."""
    ranges = {"tau": "above_zero"}
    if name == "pd_cubic":
        ranges["kappa"] = "nonnegative"
    if "capacity" in name:
        ranges["capacity"] = "above_zero"
    return ranges


def _bad_tau(name: str) -> BadConfig:
    p = torch.zeros(2)
    return BadConfig(
        f"{name} with tau 0",
        lambda impl: impl.get(f"pyrado.{name}")(
            p, p, p, torch.tensor([0.0]), kappa=torch.tensor([0.1]), capacity=torch.tensor([1.0])
        ),
        ValueError,
        "tau",
    )


_SMALL = {"obs_dim": 2, "act_dim": 2}

_BAD_ADN = (
    BadConfig(
        "ADNPolicy with capacity dynamics and a relu activation",
        lambda impl: impl.pyrado.ADNPolicy(
            env_spec(impl, _SMALL), torch.relu, impl.pyrado.pd_capacity_21
        ),
        TypeError,
        "activation_nonlin",
    ),
    BadConfig(
        "ADNPolicy with a non-callable activation",
        lambda impl: impl.pyrado.ADNPolicy(env_spec(impl, _SMALL), "tanh", impl.pyrado.pd_linear),
        TypeError,
        "activation_nonlin",
    ),
    BadConfig(
        "ADNPolicy with an infinite tau_init",
        lambda impl: impl.pyrado.ADNPolicy(
            env_spec(impl, _SMALL), torch.tanh, impl.pyrado.pd_linear, tau_init=float("inf")
        ),
        ValueError,
        "tau_init",
    ),
    BadConfig(
        "ADNPolicy with an infinite kappa_init",
        lambda impl: impl.pyrado.ADNPolicy(
            env_spec(impl, _SMALL), torch.tanh, impl.pyrado.pd_cubic, kappa_init=float("inf")
        ),
        ValueError,
        "kappa_init",
    ),
    BadConfig(
        "ADNPolicy with a string for the flag capacity_learnable",
        lambda impl: impl.pyrado.ADNPolicy(
            env_spec(impl, _SMALL),
            torch.tanh,
            impl.pyrado.pd_capacity_21,
            capacity_learnable="False",
        ),
        TypeError,
        "capacity_learnable",
    ),
)


def entries() -> list[Entry]:
    out = [
        Entry(
            "pyrado.ADNPolicy",
            PyradoPolicy(),
            adn_configs,
            build_adn,
            bad_configs=_BAD_ADN,
            # ``learnable`` reaches the constructor as each ``*_learnable`` flag
            config_ranges={"learnable": "flag"},
            bench=cases.adn_bench(build_adn),
        )
    ]
    for name in DYNAMICS:
        out.append(
            Entry(
                f"pyrado.{name}",
                Function(
                    spec=lambda cfg: TensorSpec((3, cfg["size"])),
                    out_spec=lambda cfg: TensorSpec((cfg["size"],)),
                ),
                dynamics_configs,
                dynamics(name),
                left_out={"output_range": "the spec gives the dynamics no range"},
                bad_configs=(_bad_tau(name),),
                config_ranges=dynamics_ranges(name),
                laws={"oracle": oracle_law(models.dynamics_oracle(name))},
            )
        )
    return out
