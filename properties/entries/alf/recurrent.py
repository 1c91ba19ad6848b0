"""Catalog entries of ALF's recurrent cells (``alf.networks.networks``: GRUCell, LSTMCell)
and ``alf.networks.encoding_networks.LSTMEncodingNetwork``.

Benchmark cases time the whole-sequence ``unroll`` (``[T, B, ...]``, T = 100, with episode
starts at a given rate): the reference's literal step loop against the candidate's fused
unroll, and for LSTMEncodingNetwork a bare ``torch.nn.LSTM`` of the same size as the peer.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from benchmarks.cases.alf import recurrent as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entries.alf._build import alf_kwargs
from properties.entry import BadConfig, Entry
from properties.kinds.alf_network import AlfNetwork, Parallel
from properties.specs import alf_specs
from reference.specs import TensorSpec

#: Config keys that describe a benchmark sequence, not the network.
SEQUENCE_KEYS = ("steps", "reset_rate")


def sequence(cfg: dict) -> tuple[int, float] | None:
    return (cfg["steps"], cfg.get("reset_rate", 0.0)) if "steps" in cfg else None


def _net_cfg(cfg: dict) -> dict:
    return {k: v for k, v in cfg.items() if k not in SEQUENCE_KEYS}


@st.composite
def cell_configs(draw: Any) -> dict:
    return {"input_size": draw(st.integers(1, 5)), "hidden_size": draw(st.integers(1, 5))}


def cell_spec(cfg: dict) -> TensorSpec:
    return TensorSpec((cfg["input_size"],))


def build_gru(impl: Impl, cfg: dict) -> Any:
    return impl.alf.GRUCell(cfg["input_size"], cfg["hidden_size"])


def build_lstm(impl: Impl, cfg: dict) -> Any:
    return impl.alf.LSTMCell(cfg["input_size"], cfg["hidden_size"])


@st.composite
def lstm_encoding_configs(draw: Any) -> dict:
    depth = draw(st.integers(1, 2))
    hidden: Any = tuple(draw(st.integers(1, 4)) for _ in range(depth))
    if depth == 1 and draw(st.booleans()):
        hidden = hidden[0]
    last = draw(st.one_of(st.none(), st.integers(1, 3)))
    return {
        "input_tensor_spec": TensorSpec((draw(st.integers(1, 4)),)),
        "pre_fc_layer_params": draw(st.one_of(st.none(), S.fc_layer_params(max_layers=1))),
        "hidden_size": hidden,
        "lstm_output_layers": draw(st.sampled_from([-1, None, 0])),
        "post_fc_layer_params": draw(st.one_of(st.none(), S.fc_layer_params(max_layers=1))),
        "activation": draw(st.sampled_from(["relu_", "tanh"])),
        "kernel_initializer": draw(S.initializers()),
        "last_layer_size": last,
        "last_activation": None if last is None else draw(st.sampled_from(["identity", "tanh"])),
        "n": draw(st.integers(1, 3)),
    }


def build_lstm_encoding(impl: Impl, cfg: dict) -> Any:
    return impl.alf.LSTMEncodingNetwork(**alf_kwargs(impl, _net_cfg(cfg)))


def parallel_lstm_encoding(impl: Impl, cfg: dict) -> Any:
    return build_lstm_encoding(impl, cfg).make_parallel(cfg["n"], allow_non_parallel_input=True)


def _spec(impl: Impl, size: int) -> Any:
    return alf_specs(impl, TensorSpec((size,)))


def _zero_hidden(cell: str) -> BadConfig:
    return BadConfig(
        "zero hidden size",
        lambda impl: getattr(impl.alf, cell)(3, 0),
        ValueError,
        "hidden_size",
    )


# Each entry's bad configs build that entry only: a candidate that provides one of the
# three is not marked unsupported for a network it does not provide.
_BAD_LSTM_ENCODING = (
    BadConfig(
        "zero hidden size",
        lambda impl: impl.alf.LSTMEncodingNetwork(_spec(impl, 3), hidden_size=(0,)),
        ValueError,
        "hidden_size",
    ),
    BadConfig(
        "lstm_output_layers out of range",
        lambda impl: impl.alf.LSTMEncodingNetwork(
            _spec(impl, 3), hidden_size=(2, 2), lstm_output_layers=2
        ),
        ValueError,
        "lstm_output_layers",
    ),
    BadConfig(
        "output_tensor_spec of the wrong size",
        lambda impl: impl.alf.LSTMEncodingNetwork(
            _spec(impl, 3), output_tensor_spec=_spec(impl, 5), hidden_size=(2,)
        ),
        ValueError,
        "output_tensor_spec",
    ),
)

_CELL_PARALLEL = (
    "the spec gives the cells Network's default make_parallel (NaiveParallelNetwork), "
    "checked by alf.NaiveParallelNetwork and inside LSTMEncodingNetwork's parallel form"
)


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.GRUCell",
            AlfNetwork(spec=cell_spec, stateful=True, sequence=sequence),
            cell_configs,
            build_gru,
            left_out={"parallel": _CELL_PARALLEL},
            bad_configs=(_zero_hidden("GRUCell"),),
            config_ranges={"input_size": "positive", "hidden_size": "positive"},
            bench=cases.cell_bench(3),
        ),
        Entry(
            "alf.LSTMCell",
            AlfNetwork(spec=cell_spec, stateful=True, sequence=sequence),
            cell_configs,
            build_lstm,
            left_out={"parallel": _CELL_PARALLEL},
            bad_configs=(_zero_hidden("LSTMCell"),),
            config_ranges={"input_size": "positive", "hidden_size": "positive"},
            bench=cases.cell_bench(4),
        ),
        Entry(
            "alf.LSTMEncodingNetwork",
            AlfNetwork(
                parallel=Parallel(parallel_lstm_encoding, build_lstm_encoding),
                stateful=True,
                sequence=sequence,
            ),
            lstm_encoding_configs,
            build_lstm_encoding,
            bad_configs=_BAD_LSTM_ENCODING,
            bench=cases.lstm_encoding_bench(build_lstm_encoding),
            config_ranges={"hidden_size": "positive", "last_layer_size": "positive"},
        ),
    ]
