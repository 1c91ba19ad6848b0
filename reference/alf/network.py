"""The ALF ``Network`` contract and its generic wrappers.

A network is an ``nn.Module`` that knows the spec of its input and of its recurrent state
and is called as ``output, new_state = net(inputs, state)``. Inputs carry one outer (batch)
dimension unless a wrapper says otherwise; parallel networks take ``[B, n, ...]``.

This module holds the base class and the wrappers that do not depend on any layer:
``NetworkWrapper``, ``NaiveParallelNetwork`` (the loop over n copies, by definition),
``BatchSquashNetwork``, ``get_input_tensor_spec`` and ``wrap_as_network``.
"""

from __future__ import annotations

import copy as _copy
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from reference import checks
from reference.alf.checkpoints import fill_shared_paths
from reference.alf.naive_parallel import parallel_member
from reference.alf.replicas import Replicated
from reference.specs import (
    BoundedTensorSpec,
    Nest,
    TensorSpec,
    check_nest,
    check_state,
    flatten,
    map_structure,
    spec_from_tensor,
)


def make_parallel_spec(spec: Nest, n: int) -> Nest:
    """Prepend the replica dimension ``n`` to every spec of a nest (bounds kept)."""

    def one(s: TensorSpec) -> TensorSpec:
        if isinstance(s, BoundedTensorSpec):
            return BoundedTensorSpec((n, *s.shape), s.dtype, s.minimum, s.maximum)
        return TensorSpec((n, *s.shape), s.dtype)

    return map_structure(one, spec)


def _copy_arg(value: Any) -> Any:
    """ALF's copy rule: a Network is re-created, an nn.Module deep-copied and re-initialised,
    containers copied element by element, anything else shared."""
    if isinstance(value, Network):
        return value.copy()
    if isinstance(value, nn.Module):
        module = _copy.deepcopy(value)
        for m in module.modules():
            reset = getattr(m, "reset_parameters", None)
            if callable(reset):
                reset()
        return module
    if isinstance(value, dict):
        return type(value)((k, _copy_arg(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return type(value)(_copy_arg(v) for v in value)
    return value


_SIGNATURES: dict[type, inspect.Signature] = {}


def constructor_signature(cls: type) -> inspect.Signature:
    """The parameters of ``cls(...)``: its ``__signature__`` if it states one, else those of
    its ``__init__`` without ``self``."""
    signature = _SIGNATURES.get(cls)
    if signature is None:
        stated = getattr(cls, "__signature__", None)
        if stated is not None:
            signature = stated
        else:
            params = list(inspect.signature(cls.__init__).parameters.values())[1:]  # type: ignore[misc]
            signature = inspect.Signature(params)
        _SIGNATURES[cls] = signature
    return signature


class RecordsArguments(nn.Module):
    """Records the arguments of ``cls(...)`` as ``_saved_args`` (defaults applied), bound to
    ``constructor_signature(cls)`` before any ``__init__`` runs: the call that constructs
    the object is recorded, not a base class's ``super().__init__``. (A base of ``Network``
    rather than ``Network`` itself, so that ``inspect.signature(Network)`` is its
    ``__init__``'s.)"""

    def __new__(cls, *args: Any, **kwargs: Any) -> RecordsArguments:
        network = super().__new__(cls)
        try:
            bound = constructor_signature(cls).bind(*args, **kwargs)
        except TypeError:  # deepcopy / pickle call ``cls.__new__(cls)``: __dict__ follows
            return network
        bound.apply_defaults()
        network.__dict__["_saved_args"] = dict(bound.arguments)
        return network


class Network(RecordsArguments):
    """Base of every twinnet network: specs, ``copy``, ``make_parallel``, ``output_spec``.

    The arguments of the constructor call are recorded (``saved_args``, by
    :class:`RecordsArguments`) so that ``copy(**overrides)`` can rebuild the network, of
    the same type, with fresh weights.
    """

    def __init__(self, input_tensor_spec: Nest, state_spec: Nest = (), name: str = "Network"):
        super().__init__()
        self._input_tensor_spec = input_tensor_spec
        self._state_spec = state_spec
        self._name = name
        self._singleton_instance = False
        self._output_spec: Nest | None = None
        # checkpoints saved by ALF list a shared tensor once (reference/alf/checkpoints.py)
        self.register_load_state_dict_pre_hook(fill_shared_paths)

    # -- specs ---------------------------------------------------------------------------
    @property
    def input_tensor_spec(self) -> Nest:
        """Spec of the input before any preprocessing (outer dims excluded)."""
        return self._input_tensor_spec

    @property
    def state_spec(self) -> Nest:
        return self._state_spec

    @property
    def name(self) -> str:
        return self._name

    @property
    def is_rnn(self) -> bool:
        return len(flatten(self._state_spec)) > 0

    @property
    def is_distribution_output(self) -> bool:
        return False

    @property
    def saved_args(self) -> dict[str, Any]:
        return dict(self.__dict__.get("_saved_args", {}))

    @property
    def output_spec(self) -> Nest:
        """Spec of the output, found once by a test forward on zeros (batch 2, eval mode)."""
        if self._output_spec is None:
            was_training = self.training
            self.eval()
            try:
                with torch.no_grad():
                    out, _ = self(self._test_inputs(2), self._test_state(2))
            finally:
                self.train(was_training)
            self._output_spec = map_structure(lambda t: spec_from_tensor(t, 1), out)
        return self._output_spec

    def _test_inputs(self, batch: int) -> Nest:
        dtype = self.float_dtype()
        return map_structure(
            lambda s: s.example((batch,)).to(dtype) if s.is_continuous else s.example((batch,)),
            self._input_tensor_spec,
        )

    def _test_state(self, batch: int) -> Nest:
        return map_structure(lambda s: s.zeros((batch,)), self._state_spec)

    # -- validation ----------------------------------------------------------------------
    def float_dtype(self) -> torch.dtype | None:
        """dtype of the first floating parameter (None for a parameterless network)."""
        p = checks.first_float_parameter(self)
        return None if p is None else p.dtype

    def check_inputs(self, inputs: Nest, outer_rank: int | Sequence[int] = 1) -> tuple[int, ...]:
        """Validate ``inputs`` against ``input_tensor_spec``; raise ``TypeError``/``ValueError``."""
        return check_nest(
            self._input_tensor_spec, inputs, outer_rank, self.float_dtype(), f"{self._name} input"
        )

    def check_state(self, state: Nest, outer: Sequence[int], inputs: Nest = ()) -> None:
        """Validate ``state`` against ``state_spec`` for the checked ``inputs`` of outer dims
        ``outer`` (:func:`reference.specs.check_state`): floating leaves in the dtype of the
        first floating leaf of ``inputs`` (the network's parameter dtype, which the input
        check enforced), else in the network's parameter dtype. Nothing to check for a
        stateless network."""
        if not self._state_spec:  # a nest of empty specs is checked (cheaply) below
            return
        if isinstance(inputs, torch.Tensor) and inputs.is_floating_point():
            dtype: torch.dtype | None = inputs.dtype
        else:
            dtype = next((x.dtype for x in flatten(inputs) if x.is_floating_point()), None)
        check_state(
            self._state_spec, state, outer, dtype or self.float_dtype(), f"{self._name} state"
        )

    # -- copies and replicas -------------------------------------------------------------
    def copy(self, **kwargs: Any) -> Network:
        """A new network of the same type and arguments with fresh weights (or ``self`` if
        this network is a singleton)."""
        if self._singleton_instance:
            return self
        args = {k: _copy_arg(v) for k, v in self.saved_args.items()}
        for param in constructor_signature(type(self)).parameters.values():
            if param.kind is inspect.Parameter.VAR_KEYWORD:  # ``**encoder_kwargs``: spread
                args.update(args.pop(param.name, {}))
        args.update(kwargs)
        return type(self)(**args)

    def singleton(self, singleton_instance: bool = True) -> Network:
        self._singleton_instance = singleton_instance
        return self

    def make_parallel(self, n: int) -> Network:
        """n independently initialised replicas; by default the naive loop."""
        return NaiveParallelNetwork(self, n)


def replicate_input(
    spec: Nest,
    inputs: Nest,
    n: int,
    what: str,
    float_dtype: torch.dtype | None,
    allow_shared: bool = True,
) -> Nest:
    """Return ``inputs`` as ``[B, n, ...]``: a ``[B, ...]`` input is broadcast to every replica
    when ``allow_shared``; anything else raises the contract's ``TypeError``/``ValueError``."""
    outer = check_nest(spec, inputs, (1, 2) if allow_shared else 2, float_dtype, what)
    if len(outer) == 2:
        if outer[1] != n:
            raise ValueError(
                f"{what}: expected outer dims [B, {n}] (n={n} replicas), got {list(outer)}"
            )
        return inputs
    return map_structure(lambda s, x: x.unsqueeze(1).expand(x.shape[0], n, *s.shape), spec, inputs)


class NaiveParallelNetwork(Replicated, Network):
    """n copies of ``network`` evaluated one after another; outputs stacked on dim 1.

    Inputs are ``[B, n, ...]`` (copy i sees ``x[:, i]``) or ``[B, ...]`` (shared by all);
    the state is ``[B, n, ...]``. ``input_tensor_spec`` is the single network's, as in ALF
    (only the state spec carries the replica dim).
    """

    def __init__(self, network: Network, n: int, name: str | None = None):
        if not isinstance(network, Network):
            raise TypeError(f"NaiveParallelNetwork needs a Network, got {type(network).__name__}")
        checks.size(n, "NaiveParallelNetwork n")
        super().__init__(
            network.input_tensor_spec,
            make_parallel_spec(network.state_spec, n),
            name or f"naive_parallel_{network.name}",
        )
        self._n = n
        self._single_spec = network.input_tensor_spec
        named = "name" in network.saved_args
        self._networks = nn.ModuleList(
            [network.copy(**({"name": f"{network.name}_{i}"} if named else {})) for i in range(n)]
        )
        self.set_prototype(network)

    def forward(self, inputs: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        x = replicate_input(
            self._single_spec, inputs, self._n, f"{self.name} input", self.float_dtype()
        )
        self.check_state(state, flatten(x)[0].shape[:1], x)
        outs, states = [], []
        for i, net in enumerate(self._networks):
            x_i = map_structure(lambda t, i=i: t[:, i], x)
            s_i = map_structure(lambda t, i=i: t[:, i], state)
            o_i, ns_i = net(x_i, s_i)
            outs.append(o_i)
            states.append(ns_i)
        stack = lambda *ts: torch.stack(ts, dim=1)  # noqa: E731
        out = map_structure(stack, *outs)
        new_state = map_structure(stack, *states) if flatten(self._state_spec) else state
        return out, new_state


class BatchSquashNetwork(Network):
    """Run ``network`` on inputs with ``batch_dims`` outer dims by folding them into one.

    ``[B1, ..., Bk, ...] -> [B1*...*Bk, ...] -> network -> [B1, ..., Bk, ...]`` for the
    input, the state and both results. ``output_spec`` is that of ``network``.
    """

    def __init__(self, network: Network, batch_dims: int = 2, name: str = "BatchSquashNetwork"):
        if not isinstance(network, Network):
            raise TypeError(f"BatchSquashNetwork needs a Network, got {type(network).__name__}")
        if not isinstance(batch_dims, int) or batch_dims < 1:
            raise ValueError(f"batch_dims must be a positive int, got {batch_dims!r}")
        super().__init__(network.input_tensor_spec, network.state_spec, name)
        self._network = network
        self._batch_dims = batch_dims

    @property
    def output_spec(self) -> Nest:
        return self._network.output_spec

    def forward(self, x: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        outer = check_nest(
            self._input_tensor_spec,
            x,
            self._batch_dims,
            self._network.float_dtype(),
            f"{self.name} input",
        )
        k = self._batch_dims
        squash = lambda t: t.reshape(-1, *t.shape[k:])  # noqa: E731
        unsquash = lambda t: t.reshape(*outer, *t.shape[1:])  # noqa: E731
        out, new_state = self._network(map_structure(squash, x), map_structure(squash, state))
        return map_structure(unsquash, out), map_structure(unsquash, new_state)


class NetworkWrapper(Network):
    """Make a module or function a Network: ``module(x)`` (stateless) or
    ``module(x, state) -> (y, new_state)`` when ``state_spec`` is not empty."""

    def __init__(
        self,
        module: Callable,
        input_tensor_spec: Nest,
        state_spec: Nest = (),
        name: str = "NetworkWrapper",
    ):
        if not callable(module):
            raise TypeError(f"NetworkWrapper needs a callable, got {type(module).__name__}")
        super().__init__(input_tensor_spec, state_spec, name)
        self._module = module

    def forward(self, x: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        self.check_inputs(x)
        if flatten(self._state_spec):
            return self._module(x, state)
        return self._module(x), state

    def make_parallel(self, n: int) -> Network:
        """n replicas: a ``NetworkWrapper`` around the module's parallel form, its own
        ``make_parallel(n)`` (FC, Conv2D...) or else a ``NaiveParallelLayer`` of n
        re-initialised copies (state_dict ``_module._networks.<i>.``), as upstream. A module
        with parameters but no ``reset_parameters`` cannot be copied so: ``TypeError``."""
        checks.size(n, f"{self.name}.make_parallel n")
        return _ParallelWrapper(self, n)


class _ParallelWrapper(Replicated, NetworkWrapper):
    """``NetworkWrapper(parallel_member(module, n))`` with the specs of n replicas.

    Input and state are ``[B, n, ...]``; a ``[B, ...]`` input is broadcast to every replica
    (upstream's parallel wrapper takes ``[B, n, ...]`` only).
    """

    def __init__(self, wrapper: NetworkWrapper, n: int):
        single = wrapper.input_tensor_spec
        NetworkWrapper.__init__(
            self,
            parallel_member(wrapper._module, n),
            make_parallel_spec(single, n),
            make_parallel_spec(wrapper.state_spec, n),
            f"parallel_{wrapper.name}",
        )
        self._n = n
        self._single_spec = single
        self.set_prototype(wrapper)

    def forward(self, x: Nest, state: Nest = ()) -> tuple[Nest, Nest]:
        x = replicate_input(self._single_spec, x, self._n, f"{self.name} input", self.float_dtype())
        if flatten(self._state_spec):
            return self._module(x, state)
        return self._module(x), state


def checked_encoder(encoder: Any, name: str) -> Network:
    """``encoder`` (what an ``encoding_network_ctor`` built), checked to be a Network whose
    output is a rank-1 feature vector ``[d]``: the input of the heads built on it."""
    if not isinstance(encoder, Network):
        raise TypeError(
            f"{name}: expected encoding_network_ctor to build a Network, got "
            f"{type(encoder).__name__}"
        )
    spec = encoder.output_spec
    if not isinstance(spec, TensorSpec) or spec.ndim != 1:
        raise ValueError(f"{name}: expected an encoder with a rank-1 output spec [d], got {spec}")
    return encoder


def get_input_tensor_spec(net: nn.Module) -> Nest | None:
    """The input spec of ``net`` when it can be known: a Network's own, an FC's
    ``TensorSpec((input_size,))``, the first element's for ``nn.Sequential``; else None."""
    from reference.alf.layers import FC

    if isinstance(net, Network):
        return net.input_tensor_spec
    if isinstance(net, FC):
        return TensorSpec((net.input_size,))
    if isinstance(net, nn.Linear):
        return TensorSpec((net.in_features,))
    if isinstance(net, nn.Sequential) and len(net) > 0:
        return get_input_tensor_spec(net[0])
    return None


def wrap_as_network(net: Callable, input_tensor_spec: Nest | None) -> Network:
    """``net`` itself if it is a Network, else a ``NetworkWrapper`` around it.

    ``input_tensor_spec`` is required (the spec's signature has no default); it may be
    None when it can be inferred from ``net`` (an ``FC``, say)."""
    if isinstance(net, Network):
        return net
    if input_tensor_spec is None and isinstance(net, nn.Module):
        input_tensor_spec = get_input_tensor_spec(net)
    if input_tensor_spec is None:
        raise ValueError(
            f"wrap_as_network: input_tensor_spec is None and cannot be inferred from "
            f"{type(net).__name__}; pass the spec explicitly"
        )
    return NetworkWrapper(net, input_tensor_spec)
