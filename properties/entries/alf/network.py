"""Catalog entries of ``alf.networks.network``: the ``Network`` base class (through a
minimal subclass), NetworkWrapper, NaiveParallelNetwork, BatchSquashNetwork,
get_input_tensor_spec and wrap_as_network."""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st
from torch import nn

from properties import strategies as S
from properties.candidate import Impl
from properties.entries.alf.encoding import FAN_IN_EXAMPLE, build_encoding, encoding_configs
from properties.entries.alf.preprocessors import naive_parallel
from properties.entry import BadConfig, Entry
from properties.kinds.alf_network import AlfNetwork, Parallel
from properties.specs import alf_specs
from reference.specs import Nest, TensorSpec

_SUBCLASSES: dict[type, type] = {}


def affine_class(impl: Impl) -> type:
    """A minimal subclass of the implementation's ``Network``, as a user writes one: it uses
    only what the spec documents (the constructor, ``input_tensor_spec.shape``) and tests the
    base class's specs, copy and default ``make_parallel``."""
    base = impl.alf.Network
    if base not in _SUBCLASSES:

        class Affine(base):  # type: ignore[misc, valid-type]
            def __init__(self, input_tensor_spec: Any, units: int, name: str = "Affine"):
                super().__init__(input_tensor_spec, name=name)
                self.linear = nn.Linear(int(input_tensor_spec.shape[0]), units)

            def forward(self, x: torch.Tensor, state: Nest = ()) -> tuple[torch.Tensor, Nest]:
                return torch.tanh(self.linear(x)), state

        _SUBCLASSES[base] = Affine
    return _SUBCLASSES[base]


@st.composite
def small_fc_configs(draw: Any) -> dict:
    return {
        "input_tensor_spec": draw(S.vector_specs()),
        "units": draw(S.sizes(1, 8)),
        "activation": draw(S.activations()),
        "n": draw(st.integers(1, 3)),
    }


def build_network_base(impl: Impl, cfg: dict) -> Any:
    return affine_class(impl)(alf_specs(impl, cfg["input_tensor_spec"]), cfg["units"])


def _fc(impl: Impl, cfg: dict) -> Any:
    return impl.alf.FC(
        cfg["input_tensor_spec"].shape[0], cfg["units"], S.resolve_activation(cfg["activation"])
    )


#: what ``NetworkWrapper`` wraps: a layer with its own ``make_parallel`` (``alf.FC``), or
#: torch modules without one, whose parallel form is ALF's naive parallel layer
WRAPPED = ("fc", "linear", "sequential")


@st.composite
def wrapper_configs(draw: Any) -> dict:
    return {**draw(small_fc_configs()), "module": draw(st.sampled_from(WRAPPED))}


def _wrapped(impl: Impl, cfg: dict) -> Any:
    """``alf.FC(d, units)``, ``nn.Linear(d, units)`` or ``nn.Sequential(nn.Linear, nn.Tanh)``."""
    if cfg["module"] == "fc":
        return _fc(impl, cfg)
    linear = nn.Linear(cfg["input_tensor_spec"].shape[0], cfg["units"])
    return linear if cfg["module"] == "linear" else nn.Sequential(linear, nn.Tanh())


def build_wrapper(impl: Impl, cfg: dict) -> Any:
    return impl.alf.NetworkWrapper(_wrapped(impl, cfg), alf_specs(impl, cfg["input_tensor_spec"]))


def build_wrap_as_network(impl: Impl, cfg: dict) -> Any:
    return impl.alf.wrap_as_network(_fc(impl, cfg), None)


def build_inferred_wrapper(impl: Impl, cfg: dict) -> Any:
    body = nn.Sequential(_fc(impl, cfg), impl.alf.FC(cfg["units"], 3))
    return impl.alf.NetworkWrapper(body, impl.alf.get_input_tensor_spec(body))


def build_naive_parallel(impl: Impl, cfg: dict) -> Any:
    return impl.alf.NaiveParallelNetwork(build_encoding(impl, cfg), cfg["n"])


@st.composite
def batch_squash_configs(draw: Any) -> dict:
    cfg = draw(encoding_configs(allow_preprocessors=True, with_n=False))
    k = draw(st.integers(1, 3))
    cfg["batch_dims"] = k
    cfg["inner_batch"] = tuple(draw(st.integers(1, 3)) for _ in range(k - 1))
    return cfg


def build_batch_squash(impl: Impl, cfg: dict) -> Any:
    inner = {k: v for k, v in cfg.items() if k not in ("batch_dims", "inner_batch")}
    return impl.alf.BatchSquashNetwork(build_encoding(impl, inner), cfg["batch_dims"])


_BAD = (
    BadConfig(
        "wrap_as_network of a function without a spec",
        lambda impl: impl.alf.wrap_as_network(torch.tanh, None),
        ValueError,
        "input_tensor_spec",
    ),
    BadConfig(
        "NaiveParallelNetwork of a plain module",
        lambda impl: impl.alf.NaiveParallelNetwork(nn.Linear(2, 2), 2),
        TypeError,
        "Network",
    ),
    BadConfig(
        "BatchSquashNetwork with batch_dims 0",
        lambda impl: impl.alf.BatchSquashNetwork(
            impl.alf.EncodingNetwork(alf_specs(impl, TensorSpec((2,)))), 0
        ),
        ValueError,
        "batch_dims",
    ),
)

_REPLICAS = {"outer": lambda cfg, batch: (batch, cfg["n"]), "result_outer": lambda cfg, b: (b,)}


def entries() -> list[Entry]:
    return [
        Entry(
            "alf.Network",
            AlfNetwork(parallel=naive_parallel(build_network_base)),
            small_fc_configs,
            build_network_base,
            left_out={
                "bad_input": "the base class has no forward; input checks belong to subclasses"
            },
        ),
        Entry(
            "alf.NetworkWrapper",
            AlfNetwork(parallel=naive_parallel(build_wrapper)),
            wrapper_configs,
            build_wrapper,
            bad_configs=_BAD,
        ),
        Entry(
            "alf.NaiveParallelNetwork",
            AlfNetwork(**_REPLICAS, parallel=Parallel(build_naive_parallel, build_encoding)),
            lambda: encoding_configs(allow_preprocessors=True),
            build_naive_parallel,
            bad_configs=_BAD,
            examples=(FAN_IN_EXAMPLE,),
        ),
        Entry(
            "alf.BatchSquashNetwork",
            AlfNetwork(outer=lambda cfg, batch: (batch, *cfg["inner_batch"])),
            batch_squash_configs,
            build_batch_squash,
            left_out={"parallel": "the spec gives BatchSquashNetwork no make_parallel of its own"},
            bad_configs=_BAD,
            examples=({**FAN_IN_EXAMPLE, "batch_dims": 2, "inner_batch": (3,)},),
        ),
        Entry(
            "alf.get_input_tensor_spec",
            AlfNetwork(),
            small_fc_configs,
            build_inferred_wrapper,
            left_out={"parallel": "a function: the spec gives it no parallel form"},
        ),
        Entry(
            "alf.wrap_as_network",
            AlfNetwork(parallel=naive_parallel(build_wrap_as_network)),
            small_fc_configs,
            build_wrap_as_network,
            bad_configs=_BAD,
        ),
    ]
