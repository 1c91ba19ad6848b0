"""``Entry``: everything the generic property tests and benchmarks need about one network.

An entry is data plus small functions, in the style of torch's OpInfo:

* ``configs()``: a hypothesis strategy of *plain-data* constructor configs (dicts of
  specs, ints, tuples and activation names), valid for any implementation;
* ``build(impl, cfg)``: the network, built from ``impl`` (an :class:`~properties.impl.Impl`);
* ``inputs(net, cfg, batch, generator, dtype)``: a batch of inputs for a built network
  (default: samples of ``net.input_tensor_spec`` with one outer dim);
* ``outputs(net, inputs)``: the nest of tensors to compare (default ``net(inputs)[0]``);
* ``parallel(impl, cfg)`` / ``replica(impl, cfg)``: for entries with a vectorized form, the
  parallel network (``cfg['n']`` replicas, shared ``[B, ...]`` input allowed) and one
  single network of the same shape;
* ``properties``: the property ids that apply; ``bad_configs``: constructor calls that must
  raise; ``bench``: benchmark cases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from hypothesis import strategies as st
from torch import nn

from reference.specs import Nest, sample_nest

PROPERTY_IDS = (
    "shape",
    "parity",
    "grad_parity",
    "batch_invariance",
    "parallel",
    "device",
    "state_dict",
    "recurrent_steps",
    "flow_inverse",
    "flow_logdet",
    "jacobian",
    "dist_bounds",
    "dist_logprob",
    "dist_sampling",
    "determinism",
    "init",
    "bad_input",
)


def property_of(test_name: str) -> str | None:
    """The property id a test function checks: ``test_<id>`` or ``test_<id>_<detail>``."""
    name = test_name.removeprefix("test_")
    matches = [p for p in PROPERTY_IDS if name == p or name.startswith(p + "_")]
    return max(matches, key=len) if matches else None


GENERIC = frozenset(
    {
        "shape",
        "parity",
        "grad_parity",
        "batch_invariance",
        "device",
        "state_dict",
        "bad_input",
        "init",
    }
)


def default_inputs(
    net: nn.Module, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype
) -> Nest:
    return sample_nest(net.input_tensor_spec, (batch,), generator, dtype)


def default_outputs(net: nn.Module, inputs: Nest) -> Nest:
    return net(inputs)[0]


@dataclass(frozen=True)
class BadConfig:
    """A constructor call that must raise ``error`` with ``match`` in its message."""

    why: str
    build: Callable[[Any], object]
    error: type[Exception]
    match: str


@dataclass(frozen=True)
class BenchCase:
    """One benchmark point: a fixed config, a batch size, and a label for tables."""

    label: str
    cfg: dict
    batch: int


@dataclass(frozen=True)
class Entry:
    name: str
    family: str
    configs: Callable[[], st.SearchStrategy[dict]]
    build: Callable[[Any, dict], nn.Module]
    properties: frozenset[str]
    inputs: Callable[..., Nest] = default_inputs
    outputs: Callable[[nn.Module, Nest], Nest] = default_outputs
    parallel: Callable[[Any, dict], nn.Module] | None = None
    replica: Callable[[Any, dict], nn.Module] | None = None
    bad_configs: tuple[BadConfig, ...] = ()
    bench: tuple[BenchCase, ...] = field(default=())
    has_batchnorm: Callable[[dict], bool] = lambda cfg: False

    def __post_init__(self) -> None:
        unknown = self.properties - set(PROPERTY_IDS)
        if unknown:
            raise ValueError(f"{self.name}: unknown property ids {sorted(unknown)}")
        if "parallel" in self.properties and (self.parallel is None or self.replica is None):
            raise ValueError(f"{self.name}: the parallel property needs parallel= and replica=")
