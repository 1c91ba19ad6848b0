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
  raise; ``bench``: benchmark cases;
* ``dist``: for networks that return a distribution, a
  :class:`~properties.distributions.DistSpec` (support, independent scipy model, declared
  parameter limits) used by the dist_* and determinism properties;
* ``peers``: well-known alternative implementations timed by the benchmarks beside
  ``reference`` and the candidate (name -> build function);
* ``timed(net, inputs, cfg)``: what a benchmark step computes, for entries whose cases time
  something other than the forward pass (a Jacobian, a flow's inverse);
* ``input_spec(net, cfg)`` / ``output_spec(net, cfg)`` / ``bad_inputs(net, cfg, x)``: for
  networks that are not ALF-shaped (no ``input_tensor_spec``, several positional inputs,
  not an ``nn.Module`` at all), their specs and input corruptions.

The network an entry builds may be any callable: the helpers ``parameters_of``,
``state_of``, ``load_state``, ``moved`` and ``set_training`` treat a non-module as a
network without parameters, state or mode.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from hypothesis import strategies as st
from torch import nn

from properties.distributions import DistSpec
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
    # network-specific properties (AMAGO): see the test modules that define them
    "output_range",
    "actions_differentiable",
    "timestep_independence",
    "augmentation",
    "input_norm",
)


DIST_PROPERTIES = frozenset({"dist_bounds", "dist_logprob", "dist_sampling", "determinism"})


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


def default_input_spec(net: Any, cfg: dict) -> Nest:
    return net.input_tensor_spec


def default_output_spec(net: Any, cfg: dict) -> Nest:
    return net.output_spec


# A network under test is an ``nn.Module`` or, for libraries whose heads are plain objects
# (AMAGO's ``PolicyOutput``, a bare function), any callable without parameters or state.
# The helpers below are what the properties and benchmarks ask of either kind.


def parameters_of(net: Any) -> list[tuple[str, torch.Tensor]]:
    """``net.named_parameters()``; none for a callable that is not a module."""
    return list(net.named_parameters()) if isinstance(net, nn.Module) else []


def state_of(net: Any) -> dict[str, torch.Tensor]:
    """``net.state_dict()``; empty for a callable that is not a module."""
    return dict(net.state_dict()) if isinstance(net, nn.Module) else {}


def load_state(net: Any, state: dict[str, torch.Tensor]) -> None:
    """``net.load_state_dict(state)``; a non-module accepts only the empty state."""
    if isinstance(net, nn.Module):
        net.load_state_dict(state)
    elif state:
        raise ValueError(f"{type(net).__name__} has no state, got keys {sorted(state)}")


def moved(net: Any, device: Any = None, dtype: torch.dtype | None = None) -> Any:
    """``net.to(device, dtype)``; a non-module is returned as is (its inputs carry both)."""
    return net.to(device=device, dtype=dtype) if isinstance(net, nn.Module) else net


def set_training(net: Any, mode: bool) -> Any:
    """``net.train(mode)``; a non-module has no mode."""
    return net.train(mode) if isinstance(net, nn.Module) else net


class NotApplicable(Exception):
    """A benchmark implementation (a peer, vmap, compile...) does not apply to this entry
    or case; the reason says why. Peer builders raise it, the benchmarks skip."""


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
    #: The benchmark modes that apply (``fwd``: no grad; ``fwd+bwd``: with parameter grads).
    modes: tuple[str, ...] = ("fwd", "fwd+bwd")
    #: FLOPs per mode that the math needs, where the reference does more than that (a
    #: diagonal taken from a full Jacobian, a log-det recomputed): every implementation is
    #: credited these instead of the reference's counted FLOPs.
    flops: Mapping[str, int] | None = None


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
    #: The input / output nest specs of a built network (outer dims excluded); defaults
    #: ``net.input_tensor_spec`` / ``net.output_spec``.
    input_spec: Callable[[Any, dict], Nest] = default_input_spec
    output_spec: Callable[[Any, dict], Nest] = default_output_spec
    #: ``bad_inputs(net, cfg, x)``: corruptions of a valid input ``x`` as
    #: ``(why, bad input, error type)``; default: derived from ``input_spec``.
    bad_inputs: Callable[[Any, dict, Nest], list[tuple[str, Nest, type[Exception]]]] | None = None
    #: Distribution-valued networks: what the dist_* properties need (see
    #: ``properties.distributions.DistSpec``); ``outputs`` is then its summary.
    dist: DistSpec | None = None
    #: Well-known alternatives timed beside reference/optimized: name -> ``build(impl, cfg)``.
    peers: Mapping[str, Callable[[Any, dict], nn.Module]] = field(default_factory=dict)
    #: Factor on the contract tolerance where outputs are compared (parity, state_dict,
    #: device): above 1 only for outputs that are sums of many O(1) terms, such as the
    #: log-density of a chain of transforms, whose rounding is relative to the terms.
    output_tolerance: float = 1.0
    #: ``timed(net, inputs, cfg)``: what one benchmark step computes for a case (default:
    #: ``dist.timed`` for distribution entries, else ``outputs``); lets a case time a
    #: method other than forward (``cfg['op']``: a Jacobian, a flow's inverse...).
    timed: Callable[[Any, Nest, dict], Nest] | None = None

    def __post_init__(self) -> None:
        unknown = self.properties - set(PROPERTY_IDS)
        if unknown:
            raise ValueError(f"{self.name}: unknown property ids {sorted(unknown)}")
        if self.properties & DIST_PROPERTIES and self.dist is None:
            raise ValueError(f"{self.name}: the dist_* / determinism properties need dist=")
        if "parallel" in self.properties and (self.parallel is None or self.replica is None):
            raise ValueError(f"{self.name}: the parallel property needs parallel= and replica=")
