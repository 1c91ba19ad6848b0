"""Catalog entries of ``alf.networks.q_networks``: QNetworkBase, QNetwork, QRNNNetwork,
ParallelQNetwork."""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st

from benchmarks.cases.alf import q_networks as cases
from properties import strategies as S
from properties.candidate import Impl
from properties.entries.alf._build import alf_kwargs
from properties.entries.alf.recurrent import SEQUENCE_KEYS, sequence
from properties.entry import BadConfig, Entry
from properties.kinds.alf_network import AlfNetwork, Parallel
from properties.specs import alf_specs
from reference.specs import BoundedTensorSpec, TensorSpec


@st.composite
def q_configs(draw: Any, recurrent: bool = False) -> dict:
    """Configs of QNetwork / QRNNNetwork: flat, image or nested observation, FC layers, a
    discrete action spec (any minimum), the parallel flag and a replica count ``n``."""
    cfg: dict[str, Any] = {
        "activation": draw(st.sampled_from(["relu_", "tanh", "elu"])),
        "kernel_initializer": draw(S.initializers()),
    }
    # (a recurrent network's state follows the dtype of the floating inputs: none nested,
    # whose leaves may all be discrete)
    kind = draw(st.sampled_from(["flat", "image"] if recurrent else ["flat", "image", "nested"]))
    if kind == "flat":
        cfg["input_tensor_spec"] = draw(S.vector_specs())
    elif kind == "image":
        spec, convs, _ = draw(S.image_and_convs(allow_same_padding=False))
        cfg["input_tensor_spec"], cfg["conv_layer_params"] = spec, convs
    else:
        spec, pres = draw(S.nested_inputs())
        cfg["input_tensor_spec"], cfg["input_preprocessors"] = spec, pres
        cfg["preprocessing_combiner"] = "concat"
    lo = draw(st.integers(-2, 2))
    cfg["action_spec"] = BoundedTensorSpec((), torch.int64, lo, lo + draw(st.integers(0, 5)))
    cfg["fc_layer_params"] = draw(st.one_of(st.none(), S.fc_layer_params(max_layers=2)))
    if recurrent:
        depth = draw(st.integers(1, 2))
        sizes = tuple(draw(st.integers(1, 4)) for _ in range(depth))
        cfg["lstm_hidden_size"] = sizes[0] if depth == 1 and draw(st.booleans()) else sizes
        cfg["value_fc_layer_params"] = draw(st.one_of(st.none(), S.fc_layer_params(max_layers=1)))
    cfg["use_naive_parallel_network"] = draw(st.booleans())
    cfg["n"] = draw(st.integers(1, 3))
    return cfg


def _kwargs(impl: Impl, cfg: dict) -> dict:
    return alf_kwargs(impl, cfg, drop=("n", *SEQUENCE_KEYS))


def build_q(impl: Impl, cfg: dict) -> Any:
    return impl.alf.QNetwork(**_kwargs(impl, cfg))


def build_qrnn(impl: Impl, cfg: dict) -> Any:
    return impl.alf.QRNNNetwork(**_kwargs(impl, cfg))


def build_q_base(impl: Impl, cfg: dict) -> Any:
    """QNetworkBase with the EncodingNetwork constructor and its keywords."""
    kw = _kwargs(impl, cfg)
    return impl.alf.QNetworkBase(
        kw.pop("input_tensor_spec"),
        kw.pop("action_spec"),
        impl.alf.EncodingNetwork,
        use_naive_parallel_network=kw.pop("use_naive_parallel_network", False),
        **kw,
    )


def parallel_of(build: Any) -> Any:
    def parallel(impl: Impl, cfg: dict) -> Any:
        return build(impl, cfg).make_parallel(cfg["n"])

    return parallel


def build_parallel_q(impl: Impl, cfg: dict) -> Any:
    """``ParallelQNetwork(QNetwork(...), n)`` (the constructor, whatever the naive flag)."""
    return impl.alf.ParallelQNetwork(build_q(impl, cfg), cfg["n"])


_OBS = TensorSpec((3,))
_BAD = (
    BadConfig(
        "continuous action spec",
        lambda impl: impl.alf.QNetwork(
            alf_specs(impl, _OBS),
            alf_specs(impl, BoundedTensorSpec((2,), torch.float32, -1.0, 1.0)),
            fc_layer_params=(4,),
        ),
        TypeError,
        "discrete",
    ),
    BadConfig(
        "a nest of two action specs",
        lambda impl: impl.alf.QNetwork(
            alf_specs(impl, _OBS),
            alf_specs(
                impl,
                (
                    BoundedTensorSpec((), torch.int64, 0, 2),
                    BoundedTensorSpec((), torch.int64, 0, 2),
                ),
            ),
            fc_layer_params=(4,),
        ),
        TypeError,
        "action_spec",
    ),
)

_PARALLEL_BAD = (
    BadConfig(
        "non-positive n",
        lambda impl: impl.alf.ParallelQNetwork(
            impl.alf.QNetwork(
                alf_specs(impl, _OBS),
                alf_specs(impl, BoundedTensorSpec((), torch.int64, 0, 2)),
                fc_layer_params=(4,),
            ),
            0,
        ),
        ValueError,
        "n",
    ),
)


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.QNetworkBase",
            AlfNetwork(parallel=Parallel(parallel_of(build_q_base), build_q_base)),
            q_configs,
            build_q_base,
            bad_configs=_BAD[:1],
            config_ranges={"use_naive_parallel_network": "flag"},
        ),
        Entry(
            "alf.QNetwork",
            AlfNetwork(parallel=Parallel(parallel_of(build_q), build_q)),
            q_configs,
            build_q,
            bad_configs=_BAD,
            config_ranges={"use_naive_parallel_network": "flag"},
        ),
        Entry(
            "alf.QRNNNetwork",
            AlfNetwork(
                parallel=Parallel(parallel_of(build_qrnn), build_qrnn),
                stateful=True,
                sequence=sequence,
            ),
            lambda: q_configs(recurrent=True),
            build_qrnn,
            bad_configs=_BAD[:1],
            bench=cases.qrnn_bench(),
            config_ranges={"lstm_hidden_size": "positive", "use_naive_parallel_network": "flag"},
        ),
        Entry(
            "alf.ParallelQNetwork",
            AlfNetwork(
                outer=lambda cfg, batch: (batch, cfg["n"]),
                result_outer=lambda cfg, batch: (batch,),
                parallel=Parallel(build_parallel_q, build_q),
            ),
            q_configs,
            build_parallel_q,
            bad_configs=_PARALLEL_BAD,
            bench=cases.parallel_q_bench(),
            config_ranges={"use_naive_parallel_network": "flag", "n": "positive"},
        ),
    ]
