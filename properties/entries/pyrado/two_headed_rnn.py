"""Catalog entries of ``pyrado.policies.recurrent.two_headed_rnn``: ``TwoHeadedRNNPolicyBase``
(through a user's minimal subclass naming ``nn.LSTM``), ``TwoHeadedRNNPolicy``,
``TwoHeadedGRUPolicy`` and ``TwoHeadedLSTMPolicy``. Head sizes are drawn from None (the
action dim, the spec's default) and explicit sizes."""

from __future__ import annotations

from functools import partial
from typing import Any

from torch import nn

from properties.candidate import Impl
from properties.entries.pyrado._build import env_spec, rnn_configs, two_headed_kwargs
from properties.entry import BadConfig, Entry
from properties.kinds.pyrado_policy import PyradoPolicy

_SUBCLASSES: dict[type, type] = {}


def user_lstm_class(impl: Impl) -> type:
    """A user's subclass of the implementation's ``TwoHeadedRNNPolicyBase`` naming nn.LSTM."""
    base = impl.pyrado.TwoHeadedRNNPolicyBase
    if base not in _SUBCLASSES:

        class UserTwoHeadedLSTM(base):  # type: ignore[misc, valid-type]
            recurrent_network_type = nn.LSTM

        _SUBCLASSES[base] = UserTwoHeadedLSTM
    return _SUBCLASSES[base]


def build_base(impl: Impl, cfg: dict) -> Any:
    return user_lstm_class(impl)(**two_headed_kwargs(impl, cfg))


def build_rnn(impl: Impl, cfg: dict) -> Any:
    return impl.pyrado.TwoHeadedRNNPolicy(
        **two_headed_kwargs(impl, cfg), shared_hidden_nonlin=cfg["hidden_nonlin"]
    )


def build_gru(impl: Impl, cfg: dict) -> Any:
    return impl.pyrado.TwoHeadedGRUPolicy(**two_headed_kwargs(impl, cfg))


def build_lstm(impl: Impl, cfg: dict) -> Any:
    return impl.pyrado.TwoHeadedLSTMPolicy(**two_headed_kwargs(impl, cfg))


_SMALL = {"obs_dim": 2, "act_dim": 1}

_BAD = (
    BadConfig(
        "TwoHeadedRNNPolicy with shared_hidden_nonlin 'sigmoid'",
        lambda impl: impl.pyrado.TwoHeadedRNNPolicy(
            env_spec(impl, _SMALL), 2, 1, shared_hidden_nonlin="sigmoid"
        ),
        ValueError,
        "hidden_nonlin",
    ),
    BadConfig(
        "TwoHeadedGRUPolicy with head_1_size 0",
        lambda impl: impl.pyrado.TwoHeadedGRUPolicy(env_spec(impl, _SMALL), 2, 1, head_1_size=0),
        ValueError,
        "head_1_size",
    ),
)


def head_sizes(cfg: dict) -> list[int]:
    """Each head's output size: ``head_<i>_size``, else the action dim."""
    return [cfg.get("head_1_size") or cfg["act_dim"], cfg.get("head_2_size") or cfg["act_dim"]]


#: The config keys' ranges: ``hidden_size`` and ``layers`` reach the constructor as
#: ``shared_hidden_size`` and ``shared_num_recurrent_layers``; a head size may be None.
_RANGES = {
    "hidden_size": "positive",
    "layers": "positive",
    "head_1_size": "positive",
    "head_2_size": "positive",
}


def entries() -> list[Entry]:
    kind = PyradoPolicy(heads=2, act_sizes=head_sizes)
    configs = partial(rnn_configs, two_headed=True)
    return [
        Entry(
            "pyrado.TwoHeadedRNNPolicyBase",
            kind,
            configs,
            build_base,
            bad_configs=_BAD,
            config_ranges=_RANGES,
        ),
        Entry(
            "pyrado.TwoHeadedRNNPolicy",
            kind,
            configs,
            build_rnn,
            bad_configs=_BAD,
            config_ranges=_RANGES,
        ),
        Entry(
            "pyrado.TwoHeadedGRUPolicy",
            kind,
            configs,
            build_gru,
            bad_configs=_BAD,
            config_ranges=_RANGES,
        ),
        Entry(
            "pyrado.TwoHeadedLSTMPolicy",
            kind,
            configs,
            build_lstm,
            bad_configs=_BAD,
            config_ranges=_RANGES,
        ),
    ]
