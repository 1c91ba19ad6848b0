"""``Kind``: what the harness needs to know about one kind of thing under test.

A property module never looks inside an entry: it asks the entry's kind how to make inputs
for a config, how to call a built object and what of the result to compare, what its
state is and how to step it, which bad inputs it must reject, and where its randomness
comes from. A kind is a small frozen dataclass; its fields carry the entry-specific facts
it needs (which config field holds the input spec, how the parallel form is built...), so
an entry is its name, a kind, a config strategy and a build function.

The thing under test may be an ``nn.Module`` or any callable (AMAGO's policy heads and
bounded-positive functions are plain objects): :func:`parameters_of`, :func:`state_of`,
:func:`load_state`, :func:`moved` and :func:`set_training` treat a non-module as having no
parameters, no state and no mode.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from properties.ids import GLOBAL_IDS
from reference.specs import Nest, flatten, map_structure, sample_nest

BadInput = tuple[str, Nest, type[Exception]]
#: A bad call of a thing under test (a bad state, a bad ``first_step``): what is wrong, the
#: call, and the error type it must raise.
BadCall = tuple[str, Callable[[], Any], type[Exception]]


@dataclass(frozen=True)
class Poisoned:
    """One ``nan_isolation`` trial: ``run(poisoned)`` runs the same computation on clean
    data (False) and on data with NaN/inf placed where a reset or an episode boundary must
    cut it off (True), and gives its results as ``(tensor, kept)`` pairs: ``kept`` a bool
    mask of the tensor's leading dims marking the elements the poison must not reach, or
    None for all of them. ``what`` says where the poison went."""

    what: str
    run: Callable[[bool], list[tuple[torch.Tensor, torch.Tensor | None]]]


def parameters_of(net: Any) -> list[tuple[str, torch.Tensor]]:
    """``net.named_parameters()``; none for a callable that is not a module."""
    return list(net.named_parameters()) if isinstance(net, nn.Module) else []


def state_of(net: Any) -> dict[str, torch.Tensor]:
    """``net.state_dict()``; empty for a callable that is not a module."""
    return dict(net.state_dict()) if isinstance(net, nn.Module) else {}


def load_state(net: Any, state: Mapping[str, torch.Tensor]) -> None:
    """``net.load_state_dict(state)`` (strict); a non-module accepts only the empty state."""
    if isinstance(net, nn.Module):
        net.load_state_dict(dict(state))
    elif state:
        raise ValueError(f"{type(net).__name__} has no state, got keys {sorted(state)}")


def moved(net: Any, device: Any = None, dtype: torch.dtype | None = None) -> Any:
    """``net.to(device, dtype)``; a non-module is returned as is (its inputs carry both)."""
    return net.to(device=device, dtype=dtype) if isinstance(net, nn.Module) else net


def set_training(net: Any, mode: bool) -> Any:
    """``net.train(mode)``; a non-module has no mode."""
    return net.train(mode) if isinstance(net, nn.Module) else net


def trained_copy(net: Any) -> Any:
    """A copy of ``net`` in training mode: the original keeps its mode and statistics."""
    return set_training(copy.deepcopy(net), True)


def floating_buffers(net: Any) -> list[torch.Tensor]:
    """The floating state that is not a parameter (batch-norm statistics...), in state_dict
    order: persistent state a forward pass may change."""
    params = {id(p) for _, p in parameters_of(net)}
    named = dict(net.named_buffers()) if isinstance(net, nn.Module) else {}
    ids = {name: id(b) for name, b in named.items()}
    return [
        t
        for k, t in state_of(net).items()
        if t.is_floating_point() and ids.get(k) is not None and ids[k] not in params
    ]


def to_device(nest: Nest, device: Any) -> Nest:
    return map_structure(lambda t: t.to(device) if isinstance(t, torch.Tensor) else t, nest)


def batch_rows(nest: Nest, rows: slice) -> Nest:
    """Rows ``rows`` of the leading (batch) dim of every tensor of a nest."""
    return map_structure(lambda t: t[rows] if isinstance(t, torch.Tensor) else t, nest)


def concat_rows(first: Nest, second: Nest) -> Nest:
    return map_structure(lambda a, b: torch.cat([a, b]), first, second)


def device_of(nest: Nest) -> torch.device:
    for t in flatten(nest):
        if isinstance(t, torch.Tensor):
            return t.device
    return torch.device("cpu")


def state_corruptions(state: Nest, typed: bool = True) -> list[BadInput]:
    """Corruptions of a valid batched state nest ``state`` (every leaf ``[B, ...]``, B >= 2)
    and the error each must raise (contract item 8): a batch of 1 (silently broadcast over
    B if unchecked) and of B + 1 (``ValueError``), floating leaves in the other float dtype
    (``TypeError``; ``typed``: the state's float dtype is fixed by the network or its
    input), a last dim one wider (``ValueError``), an extra member state and a
    missing one (``TypeError``). None for an empty state."""
    leaves = flatten(state)
    if not leaves:
        return []

    def each(fn: Callable[[torch.Tensor], torch.Tensor]) -> Nest:
        return map_structure(fn, state)

    out: list[BadInput] = [
        ("state of batch 1", each(lambda t: t[:1]), ValueError),
        ("state of batch B + 1", each(lambda t: torch.cat([t, t[:1]])), ValueError),
    ]
    floats = [t for t in leaves if t.is_floating_point()]
    if floats and typed:
        other = torch.float64 if floats[0].dtype == torch.float32 else torch.float32
        cast = each(lambda t: t.to(other) if t.is_floating_point() else t)
        out.append((f"state as {other}", cast, TypeError))
    if any(t.dim() >= 2 for t in leaves):
        wider = each(lambda t: torch.cat([t, t[..., :1]], dim=-1) if t.dim() >= 2 else t)
        out.append(("state last dim +1", wider, ValueError))
    if isinstance(state, list):
        out.append(("state with an extra member", [*state, leaves[0]], TypeError))
    else:
        out.append(("state with an extra member", (state, leaves[0]), TypeError))
    if isinstance(state, (tuple, list)) and not hasattr(state, "_fields") and len(state) >= 2:
        out.append(("state missing a member", type(state)(list(state)[:-1]), TypeError))
    return out


@contextlib.contextmanager
def seeded(seed: int, device: torch.device | str = "cpu") -> Iterator[None]:
    """Run a block with torch's global generators seeded (CPU, and ``device`` if CUDA) and
    restored afterwards: how a kind controls randomness drawn inside a forward pass."""
    device = torch.device(device)
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


@dataclass(frozen=True)
class Kind:
    """Base of the kind adapters (module doc). Subclasses set the class variables and
    implement :meth:`input_spec` and :meth:`call`."""

    #: What the kind is, for listings ("ALF network").
    title: ClassVar[str] = "thing"
    #: The property ids this kind can check: global ones and its own.
    supports: ClassVar[frozenset[str]] = frozenset()
    #: Property ids the kind adds to the global table (declared, described).
    own_ids: ClassVar[Mapping[str, str]] = {}
    #: Why each global id it does not support does not apply to things of this kind.
    not_applicable: ClassVar[Mapping[str, str]] = {}
    #: What ``recurrent_steps`` differentiates an unroll with respect to (of ``inputs``,
    #: ``state``, ``parameters``): a kind whose sequence API takes recorded data leaves
    #: those out.
    unroll_grads: ClassVar[frozenset[str]] = frozenset({"inputs", "state", "parameters"})

    # -- the object under test ------------------------------------------------------------
    def prepare(self, net: Any, dtype: torch.dtype, device: Any, impl: Any = None) -> Any:
        """``net`` (built from ``impl``) moved to ``device`` / ``dtype``, in eval mode."""
        return set_training(moved(net, device, dtype), False)

    def hand_weights(
        self, net: Any, cfg: dict, dtype: torch.dtype, device: Any, requires_grad: bool = False
    ) -> tuple[torch.Tensor, ...]:
        """For a network that keeps no weights of its own but is handed them by its caller
        (ALF's parameter networks' ``set_parameters``): hand the prepared ``net`` the
        weights of ``cfg`` in ``dtype`` on ``device``, the same ones in every
        implementation, and return the leaf tensors handed (``requires_grad``: for a
        benchmark's backward pass). Nothing by default: a network's weights are its
        parameters, shared through its ``state_dict``."""
        return ()

    def deterministic(self, cfg: dict) -> dict:
        """``cfg`` with the noise of the forward pass made explicit as zero: the config that
        the element-wise comparisons (``parity``, ``grad_parity``, ``state_dict``,
        ``device``, ``recurrent_steps``) build, so that they compare a stochastic entry's
        deterministic part and never a random stream (contract item 5). ``cfg`` itself by
        default."""
        return cfg

    def explicit_noise(self, initial: Nest, seed: int) -> Nest:
        """The state an element-wise comparison starts a call from, given the initial state:
        for a network whose initial state is a noise it draws anew (a noisy layer's zero
        noise), noise drawn here from ``seed`` instead, so that the call draws nothing in the
        :meth:`deterministic` config. ``initial`` itself by default."""
        return initial

    def drawn_at_reset(self, cfg: dict, first: torch.Tensor) -> torch.Tensor | None:
        """``[T, B]`` bool, True where a step's results of a sequence with episode starts
        ``first`` depend on noise that the network draws at an episode start, even in the
        :meth:`deterministic` config (a noisy layer's reset noise state is redrawn): the
        element-wise comparisons of sequences leave those results to the entry's laws. None
        by default: a reset draws nothing."""
        return None

    def views(self, cfg: dict, prop: str) -> list[dict]:
        """Further configs through which property ``prop`` checks the same drawn case (the
        harness reruns the property on each, with the case's batch and seed): a call that
        returns a nest of distributions is seen through each of its other leaves. None by
        default."""
        return []

    def built_at_random(self, cfg: dict) -> bool:
        """Whether building ``cfg`` draws at random something the network computes with
        (a flow's random masks) that its state may not hold: two builds with the same
        weights may then differ, and the element-wise comparisons run only where the
        candidate's builds agree (``Subject.twins``). False by default."""
        return False

    # -- inputs ---------------------------------------------------------------------------
    def input_spec(self, cfg: dict) -> Nest:
        """The plain-data spec nest (twinnet specs) of one input, outer dims excluded."""
        raise NotImplementedError

    def outer_dims(self, cfg: dict, batch: int) -> tuple[int, ...]:
        return (batch,)

    def inputs(self, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype) -> Nest:
        """A batch of inputs sampled from the config's plain-data spec."""
        return sample_nest(self.input_spec(cfg), self.outer_dims(cfg, batch), generator, dtype)

    def empty_sequences(self, cfg: dict) -> list[dict]:
        """Configs like ``cfg`` whose inputs have an empty outer dim besides the batch (an
        AMAGO sequence of length 0), for ``shape``; none by default."""
        return []

    def initial_state(self, net: Any, inputs: Nest, cfg: dict) -> Nest:
        """The state a call starts from (ALF networks: zeros of ``state_spec``)."""
        return ()

    # -- calls ----------------------------------------------------------------------------
    def call(self, net: Any, inputs: Nest, state: Nest) -> tuple[Any, Nest]:
        """One raw call: ``(outputs, new_state)``."""
        raise NotImplementedError

    def summarize(self, net: Any, outputs: Any, cfg: dict) -> Nest:
        """The comparable nest of tensors of a call's outputs (identity by default)."""
        return outputs

    def observe(
        self, net: Any, inputs: Nest, cfg: dict, seed: int = 0, elementwise: bool = False
    ) -> Nest:
        """What comparisons look at: the summarized outputs and the new state of one call
        from the initial state (for an ``elementwise`` comparison, from its
        :meth:`explicit_noise`), with the call's randomness seeded."""
        state = self.initial_state(net, inputs, cfg)
        if elementwise:
            state = self.explicit_noise(state, seed)
        with seeded(seed, device_of(inputs)):
            outputs, state = self.call(net, inputs, state)
        observed = {"output": self.summarize(net, outputs, cfg)}
        if flatten(state):
            observed["state"] = state
        return observed

    def timed(self, net: Any, inputs: Nest, cfg: dict) -> Nest:
        """What one benchmark step computes (default: one call from the initial state)."""
        return self.call(net, inputs, self.initial_state(net, inputs, cfg))[0]

    # -- checks ---------------------------------------------------------------------------
    def check_shape(self, ref: Any, cand: Any, cfg: dict, inputs: Nest, batch: int) -> None:
        """Raise ``AssertionError`` unless ``cand``'s results on ``inputs`` have the shapes
        and specs the spec documents declare (and ``ref``'s)."""
        raise NotImplementedError

    def spec_defaults(self) -> Mapping[str, Any]:
        """Defaults of documented parameters that the spec document leaves out (an
        auto-generated namedtuple doc lists fields only), taken from upstream: ``signature``
        compares the candidate's defaults with these (none by default)."""
        return {}

    def bad_inputs(self, net: Any, cfg: dict, x: Nest) -> list[BadInput]:
        """Corruptions of a valid input ``x`` and the error type each must raise."""
        return []

    def poisoned(
        self, net: Any, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype
    ) -> list[Poisoned]:
        """The ``nan_isolation`` trials of ``net`` (a kind that supports the id says how its
        resets and episode boundaries are poisoned); none by default."""
        return []

    def empty_unrolls(self, batch: int) -> list[tuple[int, int]]:
        """The ``(T, B)`` of the empty sequences a stateful thing's sequence API must take
        (``empty_batch``); none by default."""
        return []

    def bad_calls(self, net: Any, cfg: dict, x: Nest, state: Nest) -> list[BadCall]:
        """Calls of ``net`` with the valid input ``x`` (and valid state ``state``) made bad
        another way (a state or a ``first_step`` that does not fit the input), each with the
        error type it must raise; none by default."""
        return []

    def stochastic(self, cfg: dict, batch: int) -> bool:
        """Whether a call draws random numbers for this config (determinism applies)."""
        return False

    def draw(self, net: Any, inputs: Nest, cfg: dict, seed: int) -> Nest:
        """The random results of a call with randomness seeded by ``seed``."""
        raise NotImplementedError

    def distinct(self, net: Any, inputs: Nest, cfg: dict) -> bool:
        """Whether two seeds' :meth:`draw` results differ with overwhelming probability (not
        for a distribution that puts almost all its mass on one value)."""
        return True

    # -- the catalog ----------------------------------------------------------------------
    def needs_reason(self) -> frozenset[str]:
        """Supported ids this instance lacks the data for (``parallel`` without a parallel
        form): the entry must say in ``left_out`` why they do not apply."""
        return frozenset()

    def instance_reasons(self) -> dict[str, str]:
        """Supported ids that do not apply to this instance, with why (a stateless network
        has no steps to compare)."""
        return {}

    @classmethod
    def reason(cls, prop: str) -> str | None:
        """Why ``prop`` does not apply to this kind (None if the kind supports it)."""
        if prop in cls.supports:
            return None
        return cls.not_applicable.get(prop, f"not a property of {cls.title}s")

    @classmethod
    def check_declarations(cls) -> None:
        """Every global id is either supported or given a reason; own ids are described."""
        missing = [p for p in GLOBAL_IDS if p not in cls.supports and p not in cls.not_applicable]
        if missing:
            raise ValueError(f"{cls.__name__}: no reason given for left-out ids {missing}")
        unknown = cls.supports - set(GLOBAL_IDS) - set(cls.own_ids)
        if unknown:
            raise ValueError(f"{cls.__name__}: undeclared property ids {sorted(unknown)}")


def state_spec_of(net: Any) -> Any:
    """A network's ``state_spec``; ``()`` (stateless) for a candidate without one, whose
    ``api`` cell says it is missing: the other cells run as far as they can without it."""
    return getattr(net, "state_spec", ())
