"""What one benchmark times: a network of one implementation, its inputs, and a step.

A *workload* is a zero-argument callable (forward, or forward + backward w.r.t. the
parameters) for one catalog entry, one :class:`~properties.entry.BenchCase`, one
implementation and one mode. Implementations:

* ``reference``: the entry's reference module (twinnet's ``reference`` unless the entry
  names another); ``optimized`` and a candidate module given by name (``twinnet bench
  --impl MODULE``): the network built from that module, never falling back to another
  (a name it lacks, or a config it declines with ``NotImplementedError``, skips the case).
  For a case whose config has ``n``, the kind's parallel form is timed on ``[B, n, ...]``
  inputs;
* ``vmap``: n single reference replicas (the parallel form's ``replica``) stacked with
  ``torch.func.stack_module_state`` and run with ``functional_call`` under ``vmap`` over
  the replica dim 1 of the inputs;
* ``compile``: ``torch.compile`` of the reference network;
* a *peer* declared by the entry (``entry.bench.peers``: name -> ``build(reference, cfg)``),
  e.g. the plain ``torch.distributions`` chain beside a fused distribution head; ``peers``
  in a selection means every declared peer.

Every implementation times what the entry's kind says one step computes
(``entry.kind.timed(net, inputs, cfg)``: one call from the initial state for a network,
forward + sample + log_prob for a distribution head, the case's operation for a flow or a
Jacobian network), on the same seeded float32 inputs sampled from the config's plain data.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from properties.candidate import Impl, NotProvided
from properties.entry import BenchCase, Entry, NotApplicable
from properties.kinds.alf_network import Parallel
from properties.kinds.base import moved, parameters_of, to_device
from reference.specs import Nest, flatten, sample_nest

IMPLS = ("reference", "optimized", "vmap", "compile")
PEERS = "peers"  # selection token: every peer the entry declares
MODES = ("fwd", "fwd+bwd")
SEED = 0


@dataclass(frozen=True)
class Workload:
    """``step``: one timed call; ``min_bytes``: the compulsory memory traffic of a call
    (parameters, inputs and outputs once each, plus the parameter gradients for
    ``fwd+bwd``): a lower bound on what any implementation must move."""

    step: Callable[[], object]
    parameters: tuple[torch.Tensor, ...]
    min_bytes: int


def parallel_form(entry: Entry) -> Parallel | None:
    """The entry's parallel form, where its kind has one."""
    return getattr(entry.kind, "parallel", None)


def timed_in_parallel(entry: Entry, case: BenchCase) -> bool:
    """Whether the case times the parallel form (its config has ``n``)."""
    return "n" in case.cfg and parallel_form(entry) is not None


def network(entry: Entry, case: BenchCase, impl: Impl) -> Any:
    """The timed network: the parallel form for cases with ``n``, else ``entry.build``."""
    form = parallel_form(entry)
    if form is not None and timed_in_parallel(entry, case):
        return form.build(impl, case.cfg)
    return entry.build(impl, case.cfg)


def case_inputs(entry: Entry, case: BenchCase, device: torch.device) -> Nest:
    """Seeded float32 inputs of the case (sampled on the CPU, then moved to ``device``):
    ``[B, n, ...]`` for the parallel form, else the kind's inputs."""
    generator = torch.Generator().manual_seed(SEED)
    form = parallel_form(entry)
    if form is not None and timed_in_parallel(entry, case):
        outer = (case.batch, form.n(case.cfg))
        x = sample_nest(entry.kind.input_spec(case.cfg), outer, generator, torch.float32)
    else:
        x = entry.kind.inputs(case.cfg, case.batch, generator, torch.float32)
    return to_device(x, device)


def _loss(outputs: Nest) -> torch.Tensor:
    floats = [t.float().sum() for t in flatten(outputs) if t.is_floating_point()]
    return torch.stack(floats).sum()


def _nbytes(nest: Any) -> int:
    return sum(t.nbytes for t in flatten(nest) if isinstance(t, torch.Tensor))


def compulsory_bytes(
    forward: Callable[[], Nest], params: tuple[torch.Tensor, ...], inputs: Nest, mode: str
) -> int:
    """Bytes of parameters, inputs and (one no-grad call's) outputs, plus the trainable
    parameters' gradients for ``fwd+bwd``."""
    with torch.no_grad():
        outputs = forward()
    grads = 0 if mode == "fwd" else sum(p.nbytes for p in params if p.requires_grad)
    return sum(p.nbytes for p in params) + _nbytes(inputs) + _nbytes(outputs) + grads


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
        return torch.autograd.grad(_loss(forward()), trainable, allow_unused=True)

    return fwd_bwd


def _built(build: Callable[[], Any], impl: Impl, entry: Entry) -> Any:
    """``build()``, with a name or a config the implementation lacks as NotApplicable."""
    if not impl.provides(entry.name):
        raise NotApplicable(f"not provided by {impl}")
    try:
        return build()
    except NotImplementedError as error:
        raise NotApplicable(f"{impl} declines the config: {error}") from error
    except NotProvided as error:
        raise NotApplicable(str(error)) from error


def _eager(
    entry: Entry,
    case: BenchCase,
    impl: Impl,
    mode: str,
    device: torch.device,
    compiled: bool = False,
    peer: Callable[[Impl, dict], Any] | None = None,
) -> Workload:
    if peer is not None:
        net = peer(impl, case.cfg)
    else:
        net = _built(lambda: network(entry, case, impl), impl, entry)
    net = moved(net, device)
    inputs = case_inputs(entry, case, device)
    run: Any = net
    if compiled:
        if not isinstance(net, nn.Module):
            raise NotApplicable("torch.compile is timed for nn.Module networks only")
        run = torch.compile(net)
    handed = entry.kind.hand_weights(net, case.cfg, torch.float32, device, requires_grad=True)
    params = tuple(p for _, p in parameters_of(net)) + handed

    def forward() -> Nest:
        return entry.kind.timed(run, inputs, case.cfg)

    step = make_step(forward, params, mode)
    return Workload(step, params, compulsory_bytes(forward, params, inputs, mode))


class _Functional:
    """A network module called with parameters and buffers given from outside
    (``torch.func.functional_call``); its other attributes (specs) are the module's."""

    def __init__(self, module: nn.Module, params: dict, buffers: dict):
        self._module, self._params, self._buffers = module, params, buffers

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return torch.func.functional_call(self._module, (self._params, self._buffers), args, kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


def _vmapped(entry: Entry, case: BenchCase, mode: str, device: torch.device) -> Workload:
    form = parallel_form(entry)
    if form is None or not timed_in_parallel(entry, case):
        raise NotApplicable("vmap needs a parallel form and a case with n")
    reference = Impl(entry.reference)
    replicas = [moved(form.replica(reference, case.cfg), device) for _ in range(form.n(case.cfg))]
    if not all(isinstance(r, nn.Module) for r in replicas):
        raise NotApplicable("vmap stacks the parameters of nn.Module replicas only")
    params, buffers = torch.func.stack_module_state(replicas)  # type: ignore[arg-type]
    base = copy.deepcopy(replicas[0]).to("meta")
    inputs = case_inputs(entry, case, device)

    def one(p: dict, b: dict, x: Nest) -> Nest:
        return entry.kind.timed(_Functional(base, p, b), x, case.cfg)

    batched = torch.func.vmap(one, in_dims=(0, 0, 1), out_dims=1, randomness="different")
    leaves = tuple(params.values())

    def forward() -> Nest:
        return batched(params, buffers, inputs)

    step = make_step(forward, leaves, mode)
    return Workload(step, leaves, compulsory_bytes(forward, leaves, inputs, mode))


def workload(
    entry: Entry, case: BenchCase, impl_name: str, mode: str, device: torch.device
) -> Workload:
    """Build the workload; raise :class:`NotApplicable` when the impl does not apply.
    ``impl_name``: ``reference``, ``vmap``, ``compile``, a peer of the entry, or a module
    (``optimized``, a candidate)."""
    reference = Impl(entry.reference)
    if impl_name == "vmap":
        return _vmapped(entry, case, mode, device)
    if impl_name == "compile":
        return _eager(entry, case, reference, mode, device, compiled=True)
    if impl_name in entry.bench.peers:
        return _eager(entry, case, reference, mode, device, peer=entry.bench.peers[impl_name])
    impl = reference if impl_name == "reference" else Impl(impl_name)
    return _eager(entry, case, impl, mode, device)
