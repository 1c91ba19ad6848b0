"""Per-call work of the containers, compiled once at construction.

* :class:`InputCheck`: ``check_inputs`` for a tensor or a flat tuple/list/dict of tensors as a
  few attribute reads, where the reference walks the nest and iterates every parameter for
  the float dtype. Only a pass is decided here: any other input, or any mismatch, goes to
  the reference's ``check_inputs``, which raises its exact error.
* :class:`StateCheck`: ``check_state`` for a state of continuous leaves in tuples and lists
  (any depth: a container's list of member states) against a template of the spec's leaf
  shapes built once, where the reference reads every spec's properties and the input's
  leaves per call; a mismatch goes to the reference's ``check_state`` and its error.
* :class:`ReplicaCheck`: ``replicate_input`` (a parallel network's ``[B, n, ...]`` or shared
  ``[B, ...]`` input) for a continuous leaf or a flat tuple/list of them, the same few reads.
* :func:`path_getter`: a member's input path (``'a'``, ``('input', 'a')``) as direct dict
  reads, where the reference maps over the path and splits every name on ``'.'``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from reference.alf import containers as ref
from reference.alf.network import Network
from reference.specs import Nest, TensorSpec, flatten, is_nested

#: A state template: a continuous leaf's inner shape (a ``torch.Size``), or a tuple of
#: templates for a tuple or list of member states.
Template = torch.Size | tuple


class LiveDtype:
    """The dtype ``float_dtype()`` gives, read live from the first floating parameter (so
    ``.to()`` and ``.double()`` are seen) without the reference's scan of every parameter."""

    def __init__(self, net: nn.Module):
        self._owner = next(
            (
                (module, name)
                for module in net.modules()
                for name, p in module.named_parameters(recurse=False)
                if p.dtype.is_floating_point
            ),
            None,
        )

    def read(self) -> tuple[bool, torch.dtype | None]:
        """``(found, dtype)``: dtype None for a network without floating parameters, found
        False where that parameter has gone since (the caller runs the full check)."""
        if self._owner is None:
            return True, None
        p = getattr(self._owner[0], self._owner[1], None)
        return (False, None) if p is None else (True, p.dtype)


def _dtype_fits(x: torch.Tensor, dtype: torch.dtype | None) -> bool:
    return x.dtype == dtype if dtype is not None else x.dtype.is_floating_point


class InputCheck:
    """``net.check_inputs(x)`` with one outer dim (module doc). Handles inputs whose spec is
    a continuous leaf or a flat tuple, list or dict of continuous leaves; the dtype is read
    live from the parameter ``float_dtype()`` finds, so ``.to()`` and ``.double()`` are seen."""

    def __init__(self, net: Network):
        self._net = net
        spec = net.input_tensor_spec
        leaves = list(spec.values()) if isinstance(spec, dict) else spec
        self._kind = type(spec) if type(spec) in (tuple, list, dict) else None
        self._keys = sorted(spec) if isinstance(spec, dict) else None
        if self._kind is None:
            leaves = [spec]
        elif self._keys is not None:
            leaves = [spec[k] for k in self._keys]
        fast = all(not is_nested(s) and s.is_continuous for s in leaves)
        self._shapes = tuple(torch.Size(s.shape) for s in leaves) if fast else None
        self._dtype = LiveDtype(net)

    def __call__(self, inputs: Nest) -> None:
        if not self._passes(inputs):
            self._net.check_inputs(inputs)

    def _leaves(self, inputs: Nest) -> list | None:
        if self._kind is None:
            return [inputs]
        if self._keys is not None:
            if not isinstance(inputs, dict) or sorted(inputs) != self._keys:
                return None
            return [inputs[k] for k in self._keys]
        return list(inputs) if type(inputs) is self._kind else None

    def _passes(self, inputs: Nest) -> bool:
        if self._shapes is None:
            return False
        leaves = self._leaves(inputs)
        if leaves is None or len(leaves) != len(self._shapes):
            return False
        found, dtype = self._dtype.read()
        if not found:
            return False
        batch = None
        for x, shape in zip(leaves, self._shapes):
            if not isinstance(x, torch.Tensor) or x.dim() != len(shape) + 1:
                return False
            if x.shape[1:] != shape:
                return False
            if not _dtype_fits(x, dtype):
                return False
            if batch is None:
                batch = x.shape[0]
            elif x.shape[0] != batch:
                return False
        return True


class ReplicaCheck:
    """``replicate_input(spec, inputs, n, ...)`` (module doc): the inputs as ``[B, n, ...]``
    (a shared ``[B, ...]`` input expanded, no copy), or None where the caller must run the
    reference's ``replicate_input`` (any other input, any mismatch: its exact error)."""

    def __init__(self, net: nn.Module, spec: Nest, n: int):
        self._kind = type(spec) if type(spec) in (tuple, list) else None
        leaves = list(spec) if self._kind is not None else [spec]
        fast = all(isinstance(s, TensorSpec) and s.is_continuous for s in leaves)
        self._shapes = tuple(torch.Size(s.shape) for s in leaves) if fast else None
        self._n = n
        self._dtype = LiveDtype(net)

    def __call__(self, inputs: Nest) -> Nest | None:
        if self._shapes is None:
            return None
        if self._kind is None:
            leaves = [inputs]
        elif type(inputs) is self._kind and len(inputs) == len(self._shapes):
            leaves = list(inputs)
        else:
            return None
        found, dtype = self._dtype.read()
        if not found:
            return None
        outer = None
        for x, shape in zip(leaves, self._shapes):
            if not isinstance(x, torch.Tensor):
                return None
            rank = x.dim() - len(shape)
            if rank not in (1, 2) or x.shape[rank:] != shape:
                return None
            if not _dtype_fits(x, dtype):
                return None
            if outer is None:
                outer = x.shape[:rank]
            elif x.shape[:rank] != outer:
                return None
        if outer is None or len(outer) == 2:
            return inputs if outer is not None and outer[1] == self._n else None
        shared = [
            x.unsqueeze(1).expand(x.shape[0], self._n, *s) for x, s in zip(leaves, self._shapes)
        ]
        return shared[0] if self._kind is None else self._kind(shared)


def path_getter(path: Nest) -> Callable[[dict[str, Nest]], Nest] | None:
    """``reference.alf.containers.lookup(named, path)`` as a function of ``named`` (None for
    the empty path): direct reads for plain names, the reference's lookup (and its error)
    for a missing name or a dotted or nested path."""
    if not path:
        return None
    names = (path,) if isinstance(path, str) else path
    plain = type(names) is tuple and all(isinstance(p, str) and p and "." not in p for p in names)
    if not plain:
        return lambda named: ref.lookup(named, path)
    if isinstance(path, str):

        def one(named: dict[str, Nest]) -> Nest:
            value = named.get(path, named)
            return ref.lookup(named, path) if value is named else value

        return one

    def several(named: dict[str, Nest]) -> Nest:
        if all(p in named for p in names):
            return tuple(named[p] for p in names)
        return ref.lookup(named, path)

    return several


def _template(spec: Nest) -> Template | None:
    """The spec's leaf shapes in its tuple/list structure (module doc); None where another
    leaf (a discrete spec) or container (a dict, a namedtuple) asks for the full check."""
    if isinstance(spec, TensorSpec):
        return torch.Size(spec.shape) if spec.is_continuous else None
    if type(spec) in (tuple, list):
        members = tuple(_template(s) for s in spec)
        return None if any(m is None for m in members) else members
    return None


def _fits(template: Template, state: Nest, batch: int, dtype: torch.dtype) -> bool:
    if type(template) is torch.Size:
        return (
            type(state) is torch.Tensor
            and state.dtype == dtype
            and state.dim() == len(template) + 1
            and state.shape[0] == batch
            and state.shape[1:] == template
        )
    if type(state) not in (tuple, list) or len(state) != len(template):
        return False
    return all(_fits(t, x, batch, dtype) for t, x in zip(template, state))


class StateCheck:
    """``net.check_state(state, outer, inputs)`` for one outer dim (module doc): the state's
    floating leaves must have the dtype of the input's first floating leaf, as in the
    reference; anything else goes to the reference's check."""

    def __init__(self, net: Network):
        self._net = net
        self._template = _template(net.state_spec)
        self._empty = not net.state_spec

    def __call__(self, state: Nest, inputs: Nest) -> None:
        if self._empty:
            return
        x = inputs if isinstance(inputs, torch.Tensor) else None
        if (
            x is None
            or self._template is None
            or not x.is_floating_point()
            or not _fits(self._template, state, x.shape[0], x.dtype)
        ):
            first = x if x is not None else next(iter(flatten(inputs)), None)
            outer = first.shape[:1] if isinstance(first, torch.Tensor) else ()
            self._net.check_state(state, outer, inputs)
