"""Catalog entry of ``pyrado.policies.recurrent.potential_based``: ``PotentialBasedPolicy``
through a user's minimal subclass (linear potential dynamics, ``tanh`` activations), which
uses only the spec's public API; the base class's constructor checks, ``evaluate``,
``init_hidden``, ``tau`` and ``kappa`` are what it checks (``forward`` and its input checks
are the subclass's)."""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st

from properties.candidate import Impl
from properties.entries.pyrado._build import dims, env_spec
from properties.entry import Entry
from properties.kinds.pyrado_policy import PyradoPolicy

_SUBCLASSES: dict[type, type] = {}


def simple_class(impl: Impl) -> type:
    base = impl.pyrado.PotentialBasedPolicy
    if base not in _SUBCLASSES:

        class SimplePotentials(base):  # type: ignore[misc, valid-type]
            def __init__(self, spec: Any, learnable: bool, tau_init: float, kappa_init: float):
                super().__init__(
                    spec,
                    None,
                    torch.tanh,
                    tau_init,
                    learnable,
                    kappa_init,
                    learnable,
                    learnable,
                    False,
                )
                self.init_param()

            def potentials_dot(self, potentials: torch.Tensor, stimuli: torch.Tensor) -> Any:
                d = self.resting_level - potentials
                return (stimuli + d + self.kappa * d**3) / self.tau

            def forward(self, obs: torch.Tensor, hidden: Any = None) -> Any:
                if hidden is None:
                    hidden = self.init_hidden(obs.shape[0] if obs.dim() == 2 else None)
                p = hidden.detach()
                p = (p + self.potentials_dot(p, self.obs_layer(obs))).clamp(-100, 100)
                return torch.tanh(p), p

        _SUBCLASSES[base] = SimplePotentials
    return _SUBCLASSES[base]


@st.composite
def configs(draw: Any) -> dict:
    cfg = dims(draw)
    cfg.update(learnable=draw(st.booleans()), tau_init=5.0, kappa_init=0.1)
    return cfg


def build(impl: Impl, cfg: dict) -> Any:
    return simple_class(impl)(
        env_spec(impl, cfg), cfg["learnable"], cfg["tau_init"], cfg["kappa_init"]
    )


def entries() -> list[Entry]:
    return [
        Entry(
            "pyrado.PotentialBasedPolicy",
            PyradoPolicy(checked=frozenset({"evaluate"})),
            configs,
            build,
            config_ranges={
                "tau_init": "positive",
                "kappa_init": "nonnegative",
                "learnable": "flag",
            },
        )
    ]
