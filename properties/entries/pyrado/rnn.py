"""Catalog entries of ``pyrado.policies.recurrent.rnn``: ``RNNPolicyBase`` (through a user's
minimal subclass naming ``nn.GRU``), ``RNNPolicy``, ``GRUPolicy`` and ``LSTMPolicy``.

Benchmarks: ``evaluate`` over 8 rollouts of 250 steps (hidden 64, 2 layers, obs 16, act 4),
with peers ``step loop`` (the candidate's policy re-evaluated by a fresh upstream-style loop
of unbatched steps) and ``script`` (the reference's ``script()`` module stepped through
the rollouts).
"""

from __future__ import annotations

from typing import Any

from torch import nn

from benchmarks.cases.pyrado import rnn as cases
from properties.candidate import Impl
from properties.entries.pyrado._build import env_spec, rnn_configs, rnn_kwargs
from properties.entry import BadConfig, Entry
from properties.kinds.pyrado_policy import PyradoPolicy

_SUBCLASSES: dict[type, type] = {}


def user_gru_class(impl: Impl) -> type:
    """A user's subclass of the implementation's ``RNNPolicyBase`` naming ``nn.GRU``."""
    base = impl.pyrado.RNNPolicyBase
    if base not in _SUBCLASSES:

        class UserGRUPolicy(base):  # type: ignore[misc, valid-type]
            recurrent_network_type = nn.GRU

        _SUBCLASSES[base] = UserGRUPolicy
    return _SUBCLASSES[base]


def build_base(impl: Impl, cfg: dict) -> Any:
    return user_gru_class(impl)(**rnn_kwargs(impl, cfg))


def build_rnn(impl: Impl, cfg: dict) -> Any:
    return impl.pyrado.RNNPolicy(**rnn_kwargs(impl, cfg), hidden_nonlin=cfg["hidden_nonlin"])


def build_gru(impl: Impl, cfg: dict) -> Any:
    return impl.pyrado.GRUPolicy(**rnn_kwargs(impl, cfg))


def build_lstm(impl: Impl, cfg: dict) -> Any:
    return impl.pyrado.LSTMPolicy(**rnn_kwargs(impl, cfg))


_SMALL = {"obs_dim": 2, "act_dim": 1}

_BAD = (
    BadConfig(
        "RNNPolicy with hidden_nonlin 'sigmoid'",
        lambda impl: impl.pyrado.RNNPolicy(env_spec(impl, _SMALL), 2, 1, hidden_nonlin="sigmoid"),
        ValueError,
        "hidden_nonlin",
    ),
    BadConfig(
        "GRUPolicy with 0 layers",
        lambda impl: impl.pyrado.GRUPolicy(env_spec(impl, _SMALL), 2, 0),
        ValueError,
        "num_recurrent_layers",
    ),
    BadConfig(
        "LSTMPolicy with a spec that is not an EnvSpec",
        lambda impl: impl.pyrado.LSTMPolicy((2, 1), 2, 1),
        TypeError,
        "EnvSpec",
    ),
    BadConfig(
        "RNNPolicyBase without a recurrent_network_type",
        lambda impl: impl.pyrado.RNNPolicyBase(env_spec(impl, _SMALL), 2, 1),
        TypeError,
        "recurrent_network_type",
    ),
)


#: The config keys' ranges: ``hidden_size`` and ``layers`` reach the constructor as
#: ``hidden_size`` and ``num_recurrent_layers`` (the errors name both config keys).
RNN_RANGES = {"hidden_size": "positive", "layers": "positive"}


def entries() -> list[Entry]:
    kind = PyradoPolicy()
    return [
        Entry(
            "pyrado.RNNPolicyBase",
            kind,
            rnn_configs,
            build_base,
            bad_configs=_BAD,
            config_ranges=RNN_RANGES,
        ),
        Entry(
            "pyrado.RNNPolicy",
            kind,
            rnn_configs,
            build_rnn,
            bad_configs=_BAD,
            config_ranges=RNN_RANGES,
        ),
        Entry(
            "pyrado.GRUPolicy",
            kind,
            rnn_configs,
            build_gru,
            bad_configs=_BAD,
            config_ranges=RNN_RANGES,
        ),
        Entry(
            "pyrado.LSTMPolicy",
            kind,
            rnn_configs,
            build_lstm,
            bad_configs=_BAD,
            config_ranges=RNN_RANGES,
            bench=cases.lstm_bench(build_lstm),
        ),
    ]
