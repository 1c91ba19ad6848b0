"""What one benchmark times: a network of one implementation, its inputs, and a step.

A *workload* is a zero-argument callable (forward, or forward + backward w.r.t. the
parameters) for one catalog entry, one :class:`~properties.entry.BenchCase`, one
implementation and one mode. Implementations:

* ``reference`` / ``optimized``: the entry's network built from that package; for a case
  whose config has ``n`` the entry's parallel form is timed (inputs ``[B, n, ...]``);
* ``vmap``: n reference replicas (``entry.replica``) stacked with
  ``torch.func.stack_module_state`` and run with ``functional_call`` under ``vmap`` over
  the replica dim 1 of the inputs;
* ``compile``: ``torch.compile`` of the reference network;
* a *peer* declared by the entry (``Entry.peers``: name -> build function), e.g. the plain
  ``torch.distributions`` chain beside a fused distribution head; ``peers`` in a selection
  means every declared peer.

Entries with a ``timed`` hook time what it computes for the case (``cfg['op']``: a Jacobian,
a flow's inverse); entries with a ``dist`` spec time ``dist.timed`` (forward, sample,
log_prob of the sample); the others time their comparison ``outputs``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from properties.entry import BenchCase, Entry, NotApplicable, moved, parameters_of
from properties.impl import REFERENCE, Impl
from reference.specs import Nest, flatten, map_structure

IMPLS = ("reference", "optimized", "vmap", "compile")
PEERS = "peers"  # selection token: every peer the entry declares
MODES = ("fwd", "fwd+bwd")
SEED = 0


@dataclass(frozen=True)
class Workload:
    step: Callable[[], object]
    parameters: tuple[torch.Tensor, ...]


def package(name: str) -> Impl:
    """``reference`` or a candidate package (names it lacks fall back to the reference's)."""
    return REFERENCE if name == "reference" else Impl(name, fallback=REFERENCE)


def network(entry: Entry, case: BenchCase, impl: Impl) -> nn.Module:
    """The timed network: the parallel form for cases with ``n``, else ``entry.build``."""
    if "n" in case.cfg and entry.parallel is not None:
        return entry.parallel(impl, case.cfg)
    return entry.build(impl, case.cfg)


def _to(nest: Nest, device: torch.device) -> Nest:
    return map_structure(lambda t: t.to(device), nest)


def case_inputs(entry: Entry, case: BenchCase, net: nn.Module, device: torch.device) -> Nest:
    """Seeded float32 inputs for ``net`` (drawn on the CPU, then moved to ``device``)."""
    generator = torch.Generator().manual_seed(SEED)
    return _to(entry.inputs(net, case.cfg, case.batch, generator, torch.float32), device)


def _loss(outputs: Nest) -> torch.Tensor:
    return sum(t.float().sum() for t in flatten(outputs) if t.is_floating_point())  # type: ignore[return-value]


def make_step(
    forward: Callable[[], Nest], params: tuple[torch.Tensor, ...], mode: str
) -> Callable[[], object]:
    """``forward`` itself, or forward + backward of the summed outputs w.r.t. ``params``."""
    if mode == "fwd":

        def fwd() -> object:
            with torch.no_grad():
                return forward()

        return fwd
    trainable = tuple(p for p in params if p.requires_grad)
    if not trainable:
        raise NotApplicable("no trainable parameters for fwd+bwd")

    def fwd_bwd() -> object:
        return torch.autograd.grad(_loss(forward()), trainable)

    return fwd_bwd


def timed_outputs(entry: Entry, case: BenchCase) -> Callable[[Any, Nest], Nest]:
    """What a benchmark step computes: the entry's ``timed`` for the case where it declares
    one, ``entry.dist.timed`` for distribution entries (forward + sample + log_prob), else
    ``entry.outputs``."""
    timed = entry.timed
    if timed is not None:
        return lambda net, inputs: timed(net, inputs, case.cfg)
    return entry.dist.timed if entry.dist is not None else entry.outputs


def _eager(
    entry: Entry,
    case: BenchCase,
    impl_name: str,
    mode: str,
    device: torch.device,
    compiled: bool,
    peer: Callable[[Any, dict], nn.Module] | None = None,
) -> Workload:
    impl = package(impl_name)
    if peer is None and not impl.provides(entry.name):
        raise NotApplicable(f"not provided by {impl_name}")
    net = moved(
        peer(REFERENCE, case.cfg) if peer is not None else network(entry, case, impl), device
    )
    inputs = case_inputs(entry, case, net, device)
    run: Callable[..., Any] = net
    if compiled:
        if not isinstance(net, nn.Module):
            raise NotApplicable("torch.compile is timed for nn.Module networks only")
        run = torch.compile(net)
    params = tuple(p for _, p in parameters_of(net))
    outputs = timed_outputs(entry, case)
    return Workload(make_step(lambda: outputs(run, inputs), params, mode), params)


def _vmapped(entry: Entry, case: BenchCase, mode: str, device: torch.device) -> Workload:
    n = case.cfg.get("n")
    if entry.replica is None or n is None:
        raise NotApplicable("vmap needs a replicated entry and a case with n")
    replicas = [entry.replica(REFERENCE, case.cfg).to(device) for _ in range(n)]
    params, buffers = torch.func.stack_module_state(replicas)  # type: ignore[arg-type]
    base = copy.deepcopy(replicas[0]).to("meta")
    inputs = case_inputs(entry, case, network(entry, case, REFERENCE), device)

    outputs = timed_outputs(entry, case)

    def one(p: dict, b: dict, x: Nest) -> Nest:
        return outputs(lambda inp: torch.func.functional_call(base, (p, b), (inp,)), x)

    batched = torch.func.vmap(one, in_dims=(0, 0, 1), out_dims=1, randomness="different")
    leaves = tuple(params.values())
    return Workload(make_step(lambda: batched(params, buffers, inputs), leaves, mode), leaves)


def workload(
    entry: Entry, case: BenchCase, impl_name: str, mode: str, device: torch.device
) -> Workload:
    """Build the workload; raise :class:`NotApplicable` when the impl does not apply."""
    if impl_name == "vmap":
        return _vmapped(entry, case, mode, device)
    if impl_name == "compile":
        return _eager(entry, case, "reference", mode, device, compiled=True)
    if impl_name in entry.peers:
        return _eager(entry, case, "reference", mode, device, False, entry.peers[impl_name])
    return _eager(entry, case, impl_name, mode, device, compiled=False)
