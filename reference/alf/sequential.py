"""Layer stacks: the ``_Sequential`` body of ALF's encoding networks and its parallel form.

A stack holds an ordered list of elements (layers, Networks, combiners, plain functions);
``forward`` feeds each element's output to the next. The modules among the elements are
registered in order as ``_nets.<i>``, which fixes the state_dict keys (ALF's layout).

``make_parallel(n)`` replaces every element by its parallel form (``FC -> ParallelFC``,
``Conv2D -> ParallelConv2D``, ``Reshape(s) -> Reshape((n, *s))``, a Network by its own
``make_parallel``, plain elementwise functions kept) and so yields a stack over
``[B, n, ...]``. ``ReplicateInputForParallel`` wraps such a stack (registered as ``_pnet``)
to broadcast a ``[B, ...]`` input to every replica: ``EncodingNetwork.make_parallel(n,
allow_non_parallel_input=True)``. The spec gives that argument to EncodingNetwork and
LSTMEncodingNetwork only; the other stacks (image encoders and decoders) have Network's
``make_parallel(n)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import nn

from reference import checks
from reference.alf.network import Network, make_parallel_spec, replicate_input
from reference.alf.replicas import Replicated
from reference.specs import Nest, map_structure, map_structure_up_to


def parallel_element(element: Any, n: int) -> Any:
    """The parallel form of one stack element (see module doc)."""
    if hasattr(element, "make_parallel"):
        return element.make_parallel(n)
    if isinstance(element, nn.Module):
        raise TypeError(
            f"cannot make {type(element).__name__} parallel: it has no make_parallel; wrap it "
            "with NetworkWrapper to replicate it naively"
        )
    return element  # a plain elementwise function


class _Sequential(Network):
    """Apply ``elements`` in order: ``x <- e(x)`` (``e(x)[0]`` for a Network)."""

    def __init__(self, elements: Sequence[Any], input_tensor_spec: Nest, name: str = "Sequential"):
        super().__init__(input_tensor_spec, (), name)
        self._networks = list(elements)
        self._nets = nn.ModuleList([e for e in elements if isinstance(e, nn.Module)])

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        self.check_inputs(inputs)
        return self.run(inputs), state

    def run(self, x: Nest) -> Nest:
        """The stack on inputs already validated against ``input_tensor_spec``."""
        for element in self._networks:
            x = element(x)[0] if isinstance(element, Network) else element(x)
        return x

    def make_parallel(self, n: int) -> Network:
        """n independently initialised replicas of this stack, vectorized layer by layer
        where the layers allow it (reference layers still loop over replicas)."""
        return self.parallel_stack(n)

    def parallel_stack(self, n: int) -> ParallelSequential:
        """The ``ParallelSequential`` stack of n replicas, input ``[B, n, ...]``."""
        checks.size(n, "make_parallel n")
        return ParallelSequential(self, n)

    def _parallel_elements(self, n: int) -> list[Any]:
        return [parallel_element(e, n) for e in self._networks]


class ParallelSequential(Replicated, _Sequential):
    """The replicated stack made by ``_Sequential.make_parallel``; input ``[B, n, ...]``."""

    def __init__(self, single: _Sequential, n: int):
        _Sequential.__init__(
            self,
            single._parallel_elements(n),
            make_parallel_spec(single.input_tensor_spec, n),
            f"parallel_{single.name}",
        )
        self._n = n
        self.set_prototype(single)


class ReplicateInputForParallel(Replicated, Network):
    """Accept ``[B, ...]`` (broadcast to the n replicas) as well as ``[B, n, ...]``;
    ``input_tensor_spec`` is the single network's, as in ALF."""

    def __init__(self, single: Network, n: int, pnet: ParallelSequential):
        super().__init__(single.input_tensor_spec, (), f"parallel_{single.name}")
        self._n = n
        self._single_spec = single.input_tensor_spec
        self._pnet = pnet
        self.set_prototype(single)

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        x = replicate_input(
            self._single_spec, inputs, self._n, f"{self.name} input", self.float_dtype()
        )
        return self._pnet.run(x), state


class NestedModules(Network):
    """Apply a nest of networks to the matching sub-nests of the input (stateless).

    The networks are registered as ``_nets`` in a module tree that mirrors the nest
    (``ModuleDict`` with sorted keys for dicts and namedtuples, ``ModuleList`` for
    tuples and lists), so state_dict keys read ``_nets.<key>.<param>``.
    """

    def __init__(self, networks: Nest, input_tensor_spec: Nest, name: str = "NestedModules"):
        super().__init__(input_tensor_spec, (), name)
        self._structure = networks
        self._nets = _module_tree(networks)

    def _leaves(self) -> Nest:
        return _tree_to_nest(self._structure, self._nets)

    @property
    def networks(self) -> Nest:
        """The nest of networks, in the structure they were given."""
        return self._leaves()

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        self.check_inputs(inputs)
        out = map_structure_up_to(self._structure, lambda net, x: net(x)[0], self._leaves(), inputs)
        return out, state

    def make_parallel(self, n: int) -> Network:
        parallel = map_structure(lambda net: net.make_parallel(n), self._leaves())
        return NestedModules(
            parallel, make_parallel_spec(self._input_tensor_spec, n), f"parallel_{self.name}"
        )


def _module_tree(nest: Nest) -> nn.Module:
    if isinstance(nest, dict):
        return nn.ModuleDict({str(k): _module_tree(nest[k]) for k in sorted(nest)})
    if isinstance(nest, tuple) and hasattr(nest, "_fields"):
        return nn.ModuleDict({f: _module_tree(getattr(nest, f)) for f in sorted(nest._fields)})
    if isinstance(nest, (tuple, list)):
        return nn.ModuleList([_module_tree(v) for v in nest])
    return nest


def _tree_to_nest(structure: Nest, tree: Any) -> Nest:
    if isinstance(structure, dict):
        return type(structure)((k, _tree_to_nest(structure[k], tree[str(k)])) for k in structure)
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):
        return type(structure)(
            *[_tree_to_nest(getattr(structure, f), tree[f]) for f in structure._fields]
        )
    if isinstance(structure, (tuple, list)):
        return type(structure)(_tree_to_nest(s, t) for s, t in zip(structure, tree))
    return tree
