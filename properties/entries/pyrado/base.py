"""Catalog entries of ``pyrado.policies.recurrent.base``: ``RecurrentPolicy`` (through a
user's minimal subclass), ``StatefulRecurrentNetwork`` (wrapping a GRU, LSTM or ADN policy)
and the packing helpers ``default_pack_hidden`` / ``default_unpack_hidden``.

The packing entries call the helpers on ``[B, L, H]`` states moved to torch's ``[L, B, H]``
layout: pack maps them to ``[B, L * H]``, unpack maps ``[B, L * H]`` back (and to
``[B, L, H]`` for comparison), so every row's layout is compared with the reference; their
``oracle`` is the layer-major reshape, plus Pyrado's own worked cases (batched and not).
"""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st
from torch import nn

from properties.candidate import Impl
from properties.entries.pyrado._build import dims, env_spec
from properties.entries.pyrado.adn import build_adn
from properties.entries.pyrado.rnn import build_gru, build_lstm
from properties.entry import BadConfig, Entry
from properties.kinds.function import Function
from properties.kinds.pyrado_policy import PyradoPolicy, PyradoStateful
from properties.models.oracle import oracle_law
from properties.models.pyrado import base as models
from properties.strategies import variants
from reference.specs import TensorSpec

_SUBCLASSES: dict[type, type] = {}


def leaky_class(impl: Impl) -> type:
    """A user's recurrent policy on the implementation's ``RecurrentPolicy``, written from the
    spec's public API only: ``h' = h / 2 + tanh(W obs)``, action ``h'`` (``hidden_size`` =
    the action dim); ``evaluate`` steps every rollout from its recorded first state."""
    base = impl.pyrado.RecurrentPolicy
    if base not in _SUBCLASSES:

        class LeakyPolicy(base):  # type: ignore[misc, valid-type]
            def __init__(self, spec: Any, use_cuda: bool):
                super().__init__(spec, use_cuda)
                self.layer = nn.Linear(spec.obs_space.flat_dim, spec.act_space.flat_dim)

            @property
            def hidden_size(self) -> int:
                return int(self.env_spec.act_space.flat_dim)

            def init_param(self, init_values: Any = None, **kwargs: Any) -> None:
                self.layer.reset_parameters()

            def forward(self, obs: torch.Tensor, hidden: Any = None) -> Any:
                if hidden is None:
                    hidden = self.init_hidden(obs.shape[0] if obs.dim() == 2 else None)
                new = 0.5 * hidden.to(obs.dtype) + torch.tanh(self.layer(obs))
                return new, new

            def evaluate(self, rollout: Any, hidden_states_name: str = "hidden_states") -> Any:
                acts = []
                for ro in rollout.iterate_rollouts():
                    hidden = ro[0][hidden_states_name]
                    for o in ro.get_data_values("observations", True):
                        act, hidden = self(o, hidden)
                        acts.append(act)
                return torch.stack(acts)

        _SUBCLASSES[base] = LeakyPolicy
    return _SUBCLASSES[base]


@st.composite
def plain_configs(draw: Any) -> dict:
    return {**dims(draw), "use_cuda": False}


def build_leaky(impl: Impl, cfg: dict) -> Any:
    return leaky_class(impl)(env_spec(impl, cfg), cfg["use_cuda"])


@st.composite
def stateful_configs(draw: Any) -> dict:
    cfg = dims(draw)
    cfg["policy"] = draw(variants("policy", ["gru", "lstm", "adn"]))
    cfg.update(hidden_size=draw(st.integers(1, 4)), layers=draw(st.integers(1, 2)))
    cfg.update(hidden_nonlin="tanh", output_nonlin=None)
    cfg.update(activation="tanh", dynamics="pd_cubic", learnable=True)
    return cfg


def build_stateful(impl: Impl, cfg: dict) -> Any:
    build = {"gru": build_gru, "lstm": build_lstm, "adn": build_adn}[cfg["policy"]]
    return impl.pyrado.StatefulRecurrentNetwork(build(impl, cfg))


@st.composite
def packing_configs(draw: Any) -> dict:
    return {"layers": draw(st.integers(1, 3)), "hidden": draw(st.integers(1, 4))}


def build_pack(impl: Impl, cfg: dict) -> Any:
    pack, layers, hidden = impl.pyrado.default_pack_hidden, cfg["layers"], cfg["hidden"]
    return lambda x: pack(x.transpose(0, 1), layers, hidden, x.shape[0])


def build_unpack(impl: Impl, cfg: dict) -> Any:
    unpack, layers, hidden = impl.pyrado.default_unpack_hidden, cfg["layers"], cfg["hidden"]
    return lambda x: unpack(x, layers, hidden, x.shape[0]).transpose(0, 1)


_BAD_PACKING = (
    BadConfig(
        "default_unpack_hidden of 5 values for 2 layers of 2",
        lambda impl: impl.pyrado.default_unpack_hidden(torch.zeros(5), 2, 2),
        ValueError,
        "expected",
    ),
    BadConfig(
        "default_unpack_hidden of a [3, 4] state with batch_size 2",
        lambda impl: impl.pyrado.default_unpack_hidden(torch.zeros(3, 4), 2, 2, 2),
        ValueError,
        "expected",
    ),
)


def entries() -> list[Entry]:
    return [
        Entry(
            "pyrado.RecurrentPolicy",
            PyradoPolicy(checked=frozenset()),
            plain_configs,
            build_leaky,
            config_ranges={"use_cuda": "flag"},
        ),
        Entry(
            "pyrado.StatefulRecurrentNetwork", PyradoStateful(), stateful_configs, build_stateful
        ),
        Entry(
            "pyrado.default_pack_hidden",
            Function(
                spec=lambda cfg: TensorSpec((cfg["layers"], cfg["hidden"])),
                out_spec=lambda cfg: TensorSpec((cfg["layers"] * cfg["hidden"],)),
            ),
            packing_configs,
            build_pack,
            left_out={"output_range": "a reshape: the spec gives it no range"},
            bad_configs=_BAD_PACKING,
            laws={"oracle": oracle_law(models.pack_oracle, (models.pyrado_packing_cases,))},
        ),
        Entry(
            "pyrado.default_unpack_hidden",
            Function(
                spec=lambda cfg: TensorSpec((cfg["layers"] * cfg["hidden"],)),
                out_spec=lambda cfg: TensorSpec((cfg["layers"], cfg["hidden"])),
            ),
            packing_configs,
            build_unpack,
            left_out={"output_range": "a reshape: the spec gives it no range"},
            bad_configs=_BAD_PACKING,
            laws={"oracle": oracle_law(models.unpack_oracle, (models.pyrado_packing_cases,))},
        ),
    ]
