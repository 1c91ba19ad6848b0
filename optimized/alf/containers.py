"""Containers with their routing compiled at construction, and an ``unroll`` that runs
member by member over the whole sequence.

A container's step is only routing: its ``forward`` is one flat loop over a plan built in
``__init__`` (for each member: its input getter, its result name, whether it is a Network
and whether the container carries state), with the input checked once at the start
(``optimized.alf.routing``), where the reference walks nests, flattens specs and looks
paths up on every call. Members still check their own inputs (their public call).

``unroll`` is where time goes on sequences: instead of T passes through every member, each
member unrolls the whole ``[T, B, ...]`` sequence at once
(``optimized.alf.unroll.unroll_member``): stateless members as one call on ``[T*B, ...]``,
stateful ones through their own fused ``unroll``. This is exact for ``Sequential``,
``Branch``, ``Parallel``, ``Residue`` and ``AMPWrapper``: member k at step t reads only
members' outputs at step t. ``Echo`` feeds its output back into the next step, so it keeps
the step loop.

``make_parallel`` is the reference's, converted (``optimized.twin``): these containers
around each member's own parallel form (vectorized where the member's is). In training
mode a batch-norm member sees the ``T*B`` rows of the whole sequence in one call.

``Sequential`` and ``Branch`` are the reference's functions with their result converted.
"""

from __future__ import annotations

import torch

from optimized.alf.routing import InputCheck, StateCheck, path_getter
from optimized.alf.unroll import fold_time, unroll_member
from optimized.twin import Twin, converting
from reference.alf import containers as ref
from reference.alf.network import Network
from reference.alf.unroll import check_sequence
from reference.specs import (
    Nest,
    flatten,
    is_nested,
    map_structure,
    map_structure_up_to,
    pack_sequence_as,
)

__all__ = ["AMPWrapper", "Branch", "Echo", "Parallel", "ReplicateInput", "Residue", "Sequential"]


def _checked(net: Network, inputs: Nest, state: Nest, first_step: torch.Tensor) -> None:
    check_sequence(net, inputs, state, first_step)
    net.check_inputs(inputs, outer_rank=2)


class _Packer:
    """``pack_sequence_as(members, values)`` and ``flatten_up_to(members, nest)`` for a nest of
    members, direct for one member or a flat tuple, list or dict of them, the reference's
    helpers otherwise (and for a nest of another structure: their error)."""

    def __init__(self, members: Nest):
        self._members = members
        flat = is_nested(members) and not any(is_nested(m) for m in flatten(members))
        self._kind = type(members) if flat and type(members) in (tuple, list, dict) else None
        self._single = not is_nested(members)
        self._keys = sorted(members) if self._kind is dict else None

    def __call__(self, values: list) -> Nest:
        if self._single:
            return values[0]
        if self._keys is not None:
            return dict(zip(self._keys, values))
        if self._kind is not None:
            return self._kind(values)
        return pack_sequence_as(self._members, values)

    def split(self, nest: Nest) -> list:
        if self._single:
            return [nest]
        if self._keys is not None:
            if isinstance(nest, dict) and sorted(nest) == self._keys:
                return [nest[k] for k in self._keys]
        elif type(nest) is self._kind and len(nest) == len(self._members):
            return list(nest)
        return ref.flatten_up_to(self._members, nest)


class _Sequential(Twin, ref._Sequential):
    """The routing compiled into a flat plan; ``unroll`` member by member (module doc)."""

    def fuse(self) -> None:
        self._check = InputCheck(self)
        self._state_check = StateCheck(self)
        self._stateful = bool(flatten(self._state_spec))
        self._plan = tuple(
            (module, path_getter(source), out, isinstance(module, Network))
            for module, source, out in zip(self._networks, self._inputs, self._outputs)
        )
        self._select = path_getter(self._output)
        self._routed = self._select is not None or any(g or o for _, g, o, _ in self._plan)

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        """The reference's forward as one flat loop over the compiled plan (module doc)."""
        self._check(inputs)
        named: dict[str, Nest] = {"input": inputs} if self._routed else {}
        x = inputs
        if not self._stateful:
            for module, get, out, is_network in self._plan:
                if get is not None:
                    x = get(named)
                x = module(x, ())[0] if is_network else module(x)
                if out:
                    named[out] = x
            return (x if self._select is None else self._select(named)), state
        self._state_check(state, inputs)
        new_state = []
        for i, (module, get, out, is_network) in enumerate(self._plan):
            if get is not None:
                x = get(named)
            if is_network:
                x, s = module(x, state[i])
            else:
                x, s = module(x), ()
            new_state.append(s)
            if out:
                named[out] = x
        return (x if self._select is None else self._select(named)), new_state

    def unroll(self, inputs: Nest, state: Nest, first_step: torch.Tensor) -> tuple[Nest, Nest]:
        """Member by member over the whole sequence (module doc)."""
        _checked(self, inputs, state, first_step)
        named: dict[str, Nest] = {"input": inputs}
        x = inputs
        new_state = []
        for i, (module, get, out, _) in enumerate(self._plan):
            if get is not None:
                x = get(named)
            x, s = unroll_member(module, x, state[i] if self._stateful else (), first_step)
            new_state.append(s)
            if out:
                named[out] = x
        if self._select is not None:
            x = self._select(named)
        return x, (new_state if self._stateful else state)


#: ``reference.alf.containers.Sequential``, its result converted (member-wise ``unroll``).
Sequential = converting(ref.Sequential)


class _Branch(Twin, ref._Branch):
    """Every member on the input, the members flattened once; ``unroll`` member-wise."""

    def fuse(self) -> None:
        self._check = InputCheck(self)
        self._state_check = StateCheck(self)
        self._stateful = bool(flatten(self._state_spec))
        self._flat = flatten(self.members)
        self._pack = _Packer(self.members)

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        """Every member on the input, its members flattened once (module doc)."""
        self._check(inputs)
        if not self._stateful:
            return self._pack([net(inputs)[0] for net in self._flat]), state
        self._state_check(state, inputs)
        results = [net(inputs, s) for net, s in zip(self._flat, self._pack.split(state))]
        return self._pack([y for y, _ in results]), self._pack([s for _, s in results])

    def unroll(self, inputs: Nest, state: Nest, first_step: torch.Tensor) -> tuple[Nest, Nest]:
        """Every member over the whole sequence (module doc)."""
        _checked(self, inputs, state, first_step)
        nets = flatten(self.members)
        stateful = bool(flatten(self._state_spec))
        states = ref.flatten_up_to(self.members, state) if stateful else [()] * len(nets)
        results = [unroll_member(net, inputs, s, first_step) for net, s in zip(nets, states)]
        output = pack_sequence_as(self.members, [y for y, _ in results])
        if not stateful:
            return output, state
        return output, pack_sequence_as(self.members, [s for _, s in results])


#: ``reference.alf.containers.Branch``, its result converted (member-wise ``unroll``).
Branch = converting(ref.Branch)


class Parallel(Twin, ref.Parallel):
    """Member i on input i, the members flattened once; ``unroll`` member-wise."""

    def fuse(self) -> None:
        self._check = InputCheck(self)
        self._state_check = StateCheck(self)
        self._stateful = bool(flatten(self._state_spec))
        self._flat = flatten(self.members)
        self._pack = _Packer(self.members)

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        """Member i on input i, the nest of members flattened once (module doc)."""
        self._check(inputs)
        xs = self._pack.split(inputs)
        if not self._stateful:
            return self._pack([net(x)[0] for net, x in zip(self._flat, xs)]), state
        self._state_check(state, inputs)
        states = self._pack.split(state)
        results = [net(x, s) for net, x, s in zip(self._flat, xs, states)]
        return self._pack([y for y, _ in results]), self._pack([s for _, s in results])

    def unroll(self, inputs: Nest, state: Nest, first_step: torch.Tensor) -> tuple[Nest, Nest]:
        """Member i over the whole sequence of input i (module doc)."""
        _checked(self, inputs, state, first_step)
        members = self.members
        if not flatten(self._state_spec):
            state = map_structure(lambda _: (), members)
        results = map_structure_up_to(
            members, lambda net, x, s: unroll_member(net, x, s, first_step), members, inputs, state
        )
        output = map_structure_up_to(members, lambda r: r[0], results)
        if not flatten(self._state_spec):
            return output, ()
        return output, map_structure_up_to(members, lambda r: r[1], results)


class Echo(Twin, ref.Echo):
    """The reference's Echo with the compiled input check (its step feeds the next: the step
    loop is the unroll); its parallel form is built around the block's optimized one."""

    def fuse(self) -> None:
        self._check = InputCheck(self)
        self._state_check = StateCheck(self)

    def forward(self, input: Nest, state: Nest) -> tuple[Nest, Nest]:
        """The reference's step with the input checked by the compiled check."""
        self._check(input)
        self._state_check(state, input)
        block_state, echo = state
        block_input = (input, echo) if self._tuple_input else {"input": input, "echo": echo}
        out, block_state = self._block(block_input, block_state)
        if self._tuple_output:
            real, echo = out
        else:
            real, echo = out["output"], out["echo"]
        return real, (block_state, echo)


class Residue(Twin, ref.Residue):
    """The residual step with the compiled input check; ``unroll`` runs the block over the
    whole sequence, then the residual sum at once."""

    def fuse(self) -> None:
        self._check = InputCheck(self)
        self._state_check = StateCheck(self)
        self._stateful = bool(flatten(self._state_spec))

    def forward(self, x: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        """The reference's residual step with the input checked by the compiled check."""
        self._check(x)
        if self._stateful:
            self._state_check(state, x)
        y, state = self._block(x, state)
        if isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor) and x.shape == y.shape:
            return self._activation(x + y), state
        ref.check_residual(x, y, self.name)
        return map_structure(lambda a, b: self._activation(a + b), x, y), state

    def unroll(self, inputs: Nest, state: Nest, first_step: torch.Tensor) -> tuple[Nest, Nest]:
        """The block over the whole sequence, then the residual sum at once."""
        _checked(self, inputs, state, first_step)
        y, state = unroll_member(self._block, inputs, state, first_step)
        ref.check_residual(inputs, y, self.name)
        return map_structure(lambda a, b: self._activation(a + b), inputs, y), state


class AMPWrapper(Twin, ref.AMPWrapper):
    """The wrapped network itself on the CPU (no nest walk); ``unroll`` is its own."""

    def forward(self, input: Nest, state: Nest) -> tuple[Nest, Nest]:
        """The wrapped network itself for a CPU tensor (no nest walk); else the reference's."""
        if isinstance(input, torch.Tensor) and not input.is_cuda:
            return self._net(input, state)
        return super().forward(input, state)

    def unroll(self, inputs: Nest, state: Nest, first_step: torch.Tensor) -> tuple[Nest, Nest]:
        """The wrapped network's own unroll, inside the same autocast context."""
        if not any(x.is_cuda for x in flatten(inputs) if isinstance(x, torch.Tensor)):
            return unroll_member(self._net, inputs, state, first_step)
        if torch.is_autocast_enabled("cuda") and not self._enabled:
            inputs = map_structure(lambda x: x.float() if x.is_floating_point() else x, inputs)
        with torch.autocast("cuda", enabled=self._enabled):
            return unroll_member(self._net, inputs, state, first_step)


class ReplicateInput(Twin, ref.ReplicateInput):
    """``unroll`` replicates the whole sequence once, then the parallel network's unroll."""

    def unroll(self, inputs: Nest, state: Nest, first_step: torch.Tensor) -> tuple[Nest, Nest]:
        """Replicate the whole sequence once, then the parallel network's unroll."""
        return unroll_member(self._pnet, fold_time(self.replicated, inputs), state, first_step)
