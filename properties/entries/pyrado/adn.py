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

import numpy as np
import torch
from hypothesis import strategies as st

from properties.candidate import Impl
from properties.entries.pyrado._bench import evaluate_cases, evaluate_peers
from properties.entries.pyrado._build import OBS_SCALES, dims, env_spec, nonlin
from properties.entry import BadConfig, Bench, BenchCase, Entry
from properties.kinds.pyrado_policy import PyradoFunction, PyradoPolicy
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


def _oracle(name: str) -> Any:
    """``dp/dt`` of upstream's code for dynamics ``name``, in numpy (module doc)."""

    def oracle(cfg: dict, x: np.ndarray) -> np.ndarray:
        p, s, h = x[:, 0], x[:, 1], x[:, 2]
        tau, kappa, c = cfg["tau"], cfg["kappa"], cfg["capacity"]
        d = h - p
        rhs = {
            "pd_linear": s + d,
            "pd_cubic": s + d + kappa * d**3,
            "pd_capacity_21": s - d * (1 - d**2 / c**2),
            "pd_capacity_21_abs": s - d * (1 - np.abs(d) / c),
            "pd_capacity_32": s + d * (1 - d**2 / c**2) * (1 - 4 * d**2 / c**2),
            "pd_capacity_32_abs": s + d * (1 - np.abs(d) / c) * (1 - 2 * np.abs(d) / c),
        }[name]
        return rhs / tau

    return oracle


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
)

_BENCH_CFG = {"activation": "tanh", "dynamics": "pd_cubic", "learnable": True}


def entries() -> list[Entry]:
    out = [
        Entry(
            "pyrado.ADNPolicy",
            PyradoPolicy(),
            adn_configs,
            build_adn,
            bad_configs=_BAD_ADN,
            bench=Bench(
                (
                    *evaluate_cases(_BENCH_CFG, obs_dim=16, act_dim=8),
                    BenchCase("step B=1", {"obs_dim": 16, "act_dim": 8, **_BENCH_CFG}, 1),
                ),
                evaluate_peers(build_adn, lstm=False),
            ),
        )
    ]
    for name in DYNAMICS:
        out.append(
            Entry(
                f"pyrado.{name}",
                PyradoFunction(
                    spec=lambda cfg: TensorSpec((3, cfg["size"])),
                    out_spec=lambda cfg: TensorSpec((cfg["size"],)),
                    oracle=_oracle(name),
                ),
                dynamics_configs,
                dynamics(name),
                left_out={"output_range": "the spec gives the dynamics no range"},
                bad_configs=(_bad_tau(name),),
            )
        )
    return out
