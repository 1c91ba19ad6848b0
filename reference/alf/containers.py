"""Network containers: ``Sequential``, ``Branch``, ``Parallel``, ``Echo``, ``Residue``,
``AMPWrapper``.

A container routes its input through member networks and carries their states. With
members ``m_1 .. m_k`` and states ``s_1 .. s_k``:

* ``Sequential``: ``x_i, s_i' = m_i(x_{i-1}, s_i)``; a member may read its input from the
  named results instead (``'input'`` is the Sequential's input), ``output`` selects what is
  returned; the state is the list ``[s_1', ..., s_k']`` (``()`` for members without state),
  or ``()`` if no member has state. A list as upstream's code builds it (its state_spec
  too); the spec's example writes the state as a tuple, and ALF's nest code treats the two
  as different structures, so upstream's code decides.
* ``Branch``: ``y_i, s_i' = m_i(x, s_i)``, every member on the same input.
* ``Parallel``: ``y_i, s_i' = m_i(x_i, s_i)``, member i on input leaf (or sub-nest) i.
* ``Echo``: ``y, (s', e') = block((x, e), s)``: part of the block's output is fed back.
* ``Residue``: ``y = activation(x + block(x))``.
* ``AMPWrapper``: the network run inside ``torch.autocast`` on or off.

State_dict keys are upstream ALF's: ``Sequential`` registers its modules as ``_nets.<i>``
(modules only, in order); ``Branch`` and ``Parallel`` hold a nest of members as ``_nets``
(``ModuleList`` / ``ModuleDict`` in sorted-key order) or a single member as ``_networks``;
modules and functions given to them are wrapped as ``NetworkWrapper`` (``._module.``; in
the parallel form ``._module._networks.<i>.`` for a module without ``make_parallel``).
``Echo`` and ``Residue`` hold ``_block``, ``AMPWrapper`` holds ``_net``.

A parallel Sequential (``make_parallel(n)``) holds every member's parallel form: the
member's own ``make_parallel(n)``, else (a plain function, or an ``nn.Module`` without one)
a ``NaiveParallelLayer``, as upstream. So a function, unregistered in the single network,
takes a ``_nets.<i>`` slot of its own (with no tensors) in the parallel one, and the later
members' numbers shift by one (``reference.alf.replicas`` matches them by rank).

Deviations from upstream: ``Echo.make_parallel(n)`` makes the block parallel with
``n`` replicas (upstream's call omits ``n``). A module member with parameters but no
``reset_parameters`` cannot be replicated naively: ``TypeError`` (upstream: ``ValueError``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from torch import nn

from reference import checks
from reference.alf.layers import check_activation
from reference.alf.naive_parallel import parallel_member
from reference.alf.network import (
    Network,
    get_input_tensor_spec,
    make_parallel_spec,
    replicate_input,
    wrap_as_network,
)
from reference.alf.sequential import _module_tree
from reference.alf.unroll import StepUnroll
from reference.specs import (
    Nest,
    assert_same_structure,
    flatten,
    is_nested,
    map_structure,
    map_structure_up_to,
    pack_sequence_as,
)


def _is_nested_str(value: Any) -> bool:
    return all(isinstance(s, str) for s in flatten(value))


def lookup(named: Mapping[str, Nest], path: Nest) -> Nest:
    """The named results a nest of dotted names selects: ``'a.b'`` is ``named['a']['b']``
    (a field or a tuple index for the later parts)."""

    def one(name: str) -> Nest:
        head, *rest = name.split(".")
        if head not in named:
            raise ValueError(f"expected one of the named results {sorted(named)}, got {name!r}")
        value = named[head]
        for part in rest:
            if isinstance(value, dict):
                value = value[part]
            elif isinstance(value, (tuple, list)) and part.isdigit():
                value = value[int(part)]
            else:
                value = getattr(value, part)
        return value

    return map_structure(one, path)


def _state_or_empty(states: Nest) -> Nest:
    return states if flatten(states) else ()


class _Sequential(StepUnroll, Network):
    """The network ``Sequential(...)`` builds (module doc). ``elements``: positional members,
    each ``module`` or ``(input_names, module)``; ``element_dict``: named members in order."""

    def __init__(
        self,
        elements: Sequence[Any] = (),
        element_dict: Mapping[str, Any] | None = None,
        output: Nest = "",
        input_tensor_spec: Nest = None,
        name: str = "Sequential",
    ):
        named = [("", e) for e in elements] + list((element_dict or {}).items())
        if not named:
            raise ValueError(f"{name}: expected at least one module, got none")
        modules, sources, outputs, states = [], [], [], []
        for i, (out, element) in enumerate(named):
            source: Nest = ""
            module = element
            if isinstance(element, tuple) and len(element) == 2:
                source, module = element
            if isinstance(module, type):
                raise TypeError(
                    f"{name}: expected a module instance for {out or i}, got the class "
                    f"{module.__name__} (missing '()'?)"
                )
            if not callable(module) or not _is_nested_str(source):
                raise TypeError(
                    f"{name}: expected a Callable or (nested str, Callable) for {out or i}, "
                    f"got {element!r}"
                )
            modules.append(module)
            sources.append(source)
            outputs.append(out)
            states.append(module.state_spec if isinstance(module, Network) else ())
        if not _is_nested_str(output):
            raise TypeError(f"{name}: expected output as a nested str, got {output!r}")
        if input_tensor_spec is None and not sources[0]:
            input_tensor_spec = get_input_tensor_spec(modules[0])
        if input_tensor_spec is None:
            raise ValueError(
                f"{name}: expected input_tensor_spec, got None and it cannot be inferred from "
                f"{type(modules[0]).__name__}"
            )
        super().__init__(input_tensor_spec, _state_or_empty(states), name)
        self._networks = modules
        self._inputs = sources
        self._outputs = outputs
        self._output = output
        self._nets = nn.ModuleList([m for m in modules if isinstance(m, nn.Module)])

    def __getitem__(self, i: int) -> Any:
        return self._networks[i]

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        outer = self.check_inputs(inputs)
        self.check_state(state, outer, inputs)
        stateful = bool(flatten(self._state_spec))
        named: dict[str, Nest] = {"input": inputs}
        x = inputs
        new_state = []
        for i, module in enumerate(self._networks):
            if self._inputs[i]:
                x = lookup(named, self._inputs[i])
            if isinstance(module, Network):
                x, s = module(x, state[i] if stateful else ())
            else:
                x, s = module(x), ()
            new_state.append(s)
            if self._outputs[i]:
                named[self._outputs[i]] = x
        if self._output:
            x = lookup(named, self._output)
        return x, (new_state if stateful else state)

    def parallel_members(self, n: int) -> tuple[list, dict, Nest]:
        """The members' parallel forms: ``(positional, named, input spec)`` for a Sequential
        of n replicas."""
        checks.size(n, f"{self.name}.make_parallel n")
        positional, named = [], {}
        for module, source, out in zip(self._networks, self._inputs, self._outputs):
            member = (source, parallel_member(module, n))
            if out:
                named[out] = member
            else:
                positional.append(member)
        return positional, named, make_parallel_spec(self._input_tensor_spec, n)

    def make_parallel(self, n: int) -> Network:
        """n replicas: every member replaced by its own parallel form (inputs ``[B, n, ...]``)."""
        positional, named, spec = self.parallel_members(n)
        return _Sequential(positional, named, self._output, spec, f"parallel_{self.name}")


class ReplicateInput(StepUnroll, Network):
    """A parallel network that also takes a ``[B, ...]`` input, shared by its n replicas
    (``make_parallel(n, allow_non_parallel_input=True)``). As upstream, it reports the
    single network's ``input_tensor_spec`` and holds the parallel network as ``_pnet``."""

    def __init__(self, single_spec: Nest, n: int, pnet: Network, name: str):
        super().__init__(single_spec, pnet.state_spec, name)
        self._n = n
        self._pnet = pnet

    @property
    def n(self) -> int:
        return self._n

    def replicated(self, inputs: Nest) -> Nest:
        """``inputs`` as ``[B, n, ...]`` (a ``[B, ...]`` input broadcast to the replicas)."""
        return replicate_input(
            self._input_tensor_spec, inputs, self._n, f"{self.name} input", self.float_dtype()
        )

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        return self._pnet(self.replicated(inputs), state)


def Sequential(
    *modules: Any,
    output: Nest = "",
    input_tensor_spec: Nest = None,
    name: str = "Sequential",
    **named_modules: Any,
) -> _Sequential:
    """Members computed in order (module doc); ``named_modules`` add named results."""
    return _Sequential(modules, named_modules, output, input_tensor_spec, name)


class _Members:
    """Holds a nest of member networks the way upstream registers them: a nest as ``_nets``
    (module tree), a single network as ``_networks``."""

    _networks: Network
    _members: Nest
    _nested: bool

    def _hold(self, networks: Nest) -> None:
        self._nested = is_nested(networks)
        if self._nested:
            self._members = networks
            self._nets = _module_tree(networks)
        else:
            self._networks = networks

    @property
    def members(self) -> Nest:
        return self._members if self._nested else self._networks


class _Branch(_Members, StepUnroll, Network):
    """The network ``Branch(...)`` builds: every member on the same input (module doc)."""

    def __init__(
        self,
        modules: Nest,
        named_modules: Mapping[str, Any] | None = None,
        input_tensor_spec: Nest = None,
        name: str = "Branch",
    ):
        if modules and named_modules:
            raise ValueError(f"{name}: expected positional or named modules, got both")
        if modules:
            if isinstance(modules, (tuple, list)) and len(modules) == 1:
                modules = modules[0]
        else:
            modules = dict(named_modules or {})
        if not flatten(modules):
            raise ValueError(f"{name}: expected at least one module, got none")
        if input_tensor_spec is None:
            specs = [s for s in map(get_input_tensor_spec, flatten(modules)) if s is not None]
            if not specs:
                raise ValueError(
                    f"{name}: expected input_tensor_spec, got None and no module gives one"
                )
            for s in specs[1:]:
                if s != specs[0]:
                    raise ValueError(f"{name}: expected every module to take {specs[0]}, got {s}")
            input_tensor_spec = specs[0]
        networks = map_structure(lambda m: wrap_as_network(m, input_tensor_spec), modules)
        super().__init__(
            input_tensor_spec,
            _state_or_empty(map_structure(lambda net: net.state_spec, networks)),
            name,
        )
        self._hold(networks)

    @property
    def networks(self) -> Nest:
        return self.members

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        outer = self.check_inputs(inputs)
        self.check_state(state, outer, inputs)
        nets = flatten(self.members)
        if not flatten(self._state_spec):
            outs = [net(inputs)[0] for net in nets]
            return pack_sequence_as(self.members, outs), state
        states = flatten_up_to(self.members, state)
        results = [net(inputs, s) for net, s in zip(nets, states)]
        output = pack_sequence_as(self.members, [y for y, _ in results])
        return output, pack_sequence_as(self.members, [s for _, s in results])

    def make_parallel(self, n: int) -> Network:
        """n replicas: every member replaced by its own parallel form."""
        members = map_structure(lambda net: net.make_parallel(n), self.members)
        return _Branch(  # as ``Branch(members)``: a one-member tuple stays a tuple
            (members,),
            None,
            make_parallel_spec(self._input_tensor_spec, n),
            f"parallel_{self.name}",
        )


def flatten_up_to(shallow: Nest, nest: Nest) -> list[Nest]:
    """The sub-nests of ``nest`` at the leaves of ``shallow``, in canonical order."""
    out: list[Nest] = []
    map_structure_up_to(shallow, lambda _, sub: out.append(sub), shallow, nest)
    return out


def Branch(
    *modules: Any, input_tensor_spec: Nest = None, name: str = "Branch", **named_modules: Any
) -> _Branch:
    """Apply multiple networks on the same input (module doc)."""
    return _Branch(modules, named_modules, input_tensor_spec, name)


class Parallel(_Members, StepUnroll, Network):
    """Member i on input i: ``y_i, s_i' = m_i(x_i, s_i)`` (module doc)."""

    def __init__(self, modules: Nest, input_tensor_spec: Nest = None, name: str = "Parallel"):
        if input_tensor_spec is None:
            input_tensor_spec = map_structure(get_input_tensor_spec, modules)
            if any(s is None for s in flatten(input_tensor_spec)):
                raise ValueError(
                    f"{name}: expected input_tensor_spec, got None and it cannot be inferred "
                    "from every module"
                )
        networks = map_structure_up_to(modules, wrap_as_network, modules, input_tensor_spec)
        super().__init__(
            input_tensor_spec,
            _state_or_empty(map_structure(lambda net: net.state_spec, networks)),
            name,
        )
        self._hold(networks)

    @property
    def networks(self) -> Nest:
        return self.members

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        outer = self.check_inputs(inputs)
        self.check_state(state, outer, inputs)
        if not flatten(self._state_spec):
            out = map_structure_up_to(self.members, lambda net, x: net(x)[0], self.members, inputs)
            return out, state
        results = map_structure_up_to(
            self.members, lambda net, x, s: net(x, s), self.members, inputs, state
        )
        output = map_structure_up_to(self.members, lambda r: r[0], results)
        return output, map_structure_up_to(self.members, lambda r: r[1], results)

    def make_parallel(self, n: int) -> Network:
        """n replicas: every member replaced by its own parallel form."""
        members = map_structure(lambda net: net.make_parallel(n), self.members)
        return Parallel(
            members, make_parallel_spec(self._input_tensor_spec, n), f"parallel_{self.name}"
        )


def _echo_parts(spec: Nest, first: str, what: str) -> tuple[bool, Nest, Nest]:
    """``(is_tuple, first part, echo part)`` of a two-part spec (tuple or dict)."""
    if isinstance(spec, tuple) and not hasattr(spec, "_fields") and len(spec) == 2:
        return True, spec[0], spec[1]
    if isinstance(spec, dict) and sorted(spec) == sorted((first, "echo")):
        return False, spec[first], spec["echo"]
    raise ValueError(
        f"Echo: expected {what} as a 2-tuple or a dict with keys '{first}' and 'echo', got {spec}"
    )


class Echo(StepUnroll, Network):
    """Feed part of the block's output back as part of its next input (module doc):

    ``block_out, s' = block((x, e), s)`` (or ``dict(input=x, echo=e)``), output
    ``block_out[0]`` (or ``['output']``), new state ``(s', block_out[1])`` (or ``['echo']``).
    """

    def __init__(self, block: Network, input_tensor_spec: Nest = None):
        if not isinstance(block, Network):
            raise TypeError(f"Echo: expected block to be a Network, got {type(block).__name__}")
        self_tuple_in, real_spec, echo_in = _echo_parts(block.input_tensor_spec, "input", "input")
        self_tuple_out, _, echo_out = _echo_parts(block.output_spec, "output", "output")
        if echo_in != echo_out:
            raise ValueError(
                f"Echo: expected the echo output spec to equal the echo input spec {echo_in}, "
                f"got {echo_out}"
            )
        if input_tensor_spec is not None and input_tensor_spec != real_spec:
            raise ValueError(
                f"Echo: expected input_tensor_spec {real_spec} (the block's), got "
                f"{input_tensor_spec}"
            )
        super().__init__(real_spec, (block.state_spec, echo_in), "Echo")
        self._block = block
        self._tuple_input = self_tuple_in
        self._tuple_output = self_tuple_out

    def forward(self, input: Nest, state: Nest) -> tuple[Nest, Nest]:
        outer = self.check_inputs(input)
        self.check_state(state, outer, input)
        block_state, echo = state
        block_input = (input, echo) if self._tuple_input else {"input": input, "echo": echo}
        out, block_state = self._block(block_input, block_state)
        if self._tuple_output:
            real, echo = out
        else:
            real, echo = out["output"], out["echo"]
        return real, (block_state, echo)

    def make_parallel(self, n: int) -> Network:
        """n replicas: the block replaced by its parallel form."""
        return Echo(self._block.make_parallel(n), make_parallel_spec(self._input_tensor_spec, n))


def check_residual(x: Nest, y: Nest, what: str) -> None:
    """The block's output ``y`` must have the structure and shapes of its input ``x``: a
    residual sum that broadcasts (``[B, 1] + [B, 4]``) is not ``x + block(x)``."""
    assert_same_structure(x, y, f"{what} block output")
    for a, b in zip(flatten(x), flatten(y), strict=True):
        if a.shape != b.shape:
            raise ValueError(
                f"{what}: expected the block output shaped like its input {list(a.shape)}, "
                f"got {list(b.shape)}"
            )


class Residue(StepUnroll, Network):
    """``y = activation(x + block(x))``; the block's state is the state. A block output
    whose shapes differ from the input's raises ``ValueError`` (:func:`check_residual`)."""

    def __init__(
        self,
        block: Callable,
        input_tensor_spec: Nest = None,
        activation: Callable = torch.relu_,
        name: str = "Residue",
    ):
        block = wrap_as_network(block, input_tensor_spec)
        super().__init__(block.input_tensor_spec, block.state_spec, name)
        self._block = block
        self._activation = check_activation(activation, f"{name} activation")

    def forward(self, x: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        outer = self.check_inputs(x)
        self.check_state(state, outer, x)
        y, state = self._block(x, state)
        check_residual(x, y, self.name)
        return map_structure(lambda a, b: self._activation(a + b), x, y), state


class AMPWrapper(StepUnroll, Network):
    """Run ``net`` inside ``torch.autocast('cuda', enabled)``.

    As upstream: when autocast is on around the wrapper and ``enabled`` is False, floating
    inputs are cast to float32 first. Upstream uses CUDA autocast, which leaves CPU
    computation alone, so on CPU the wrapper is the wrapped network exactly.
    """

    def __init__(self, enabled: bool, net: Network):
        if not isinstance(net, Network):
            raise TypeError(f"AMPWrapper: expected net to be a Network, got {type(net).__name__}")
        super().__init__(net.input_tensor_spec, net.state_spec, net.name)
        self._net = net
        self._enabled = bool(enabled)

    def forward(self, input: Nest, state: Nest) -> tuple[Nest, Nest]:
        if not any(x.is_cuda for x in flatten(input) if isinstance(x, torch.Tensor)):
            return self._net(input, state)
        if torch.is_autocast_enabled("cuda") and not self._enabled:
            input = map_structure(lambda x: x.float() if x.is_floating_point() else x, input)
        with torch.autocast("cuda", enabled=self._enabled):
            return self._net(input, state)


__all__ = [
    "AMPWrapper",
    "Branch",
    "Echo",
    "Parallel",
    "Residue",
    "Sequential",
]
