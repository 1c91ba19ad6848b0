"""The ALF network kind: ``output, new_state = net(inputs, state)``.

What the ALF spec documents for every ``alf.networks.Network`` and this kind relies on:
``input_tensor_spec``, ``state_spec`` and ``output_spec`` (tensor specs, read through their
``shape`` / ``dtype`` / bounds), the call ``net(inputs, state)`` returning the output and the
new state, ``make_parallel(n)`` where the spec gives it. Inputs are sampled from the
config's plain-data spec, never from the candidate's spec objects; the initial state is
zeros of the candidate's ``state_spec`` (floating state in the inputs' dtype).

A stateful network is stepped by :meth:`AlfNetwork.step` with episode starts marked per
batch row: the state of a row that starts an episode is reset to the initial state before
the step, ALF's convention for ``StepType.FIRST``. :meth:`AlfNetwork.unroll` runs a whole
``[T, B, ...]`` sequence through the candidate's own ``unroll(inputs, state,
first_step)`` when it has one (twinnet's fused sequence API), else through the step loop.
Both run with torch's global generators seeded (``seed``), so that a network that draws
random numbers inside its forward pass (a noisy layer's noise) draws the same ones in every
implementation; a network that draws its noise only in training mode says so (``noisy``)
and is stepped with that noise on.

Eval mode is the spec's: ALF's global execution mode (``common.is_eval()``, set with
``common.set_exe_mode(common.EXE_MODE_EVAL)``), which NoisyFC reads. A network the harness
prepares is also put in ``module.eval()``; every call of a network in eval mode runs with
the global eval flag of every implementation that exposes ``alf.common`` set
(:func:`global_eval`), so a candidate passes whether it reads the flag, as the spec says,
or its module's ``training`` as well.

A network whose forward pass draws random numbers declares it (``random``): ``determinism``
then applies, and :meth:`AlfNetwork.draw` runs one seeded call in training mode (where
ALF's noisy layers draw). A network that takes only its state (a process) says so
(``state_only``): its "input" is the state a call starts from.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch

from properties.candidate import Impl
from properties.kinds.base import (
    BadCall,
    BadInput,
    Kind,
    Poisoned,
    device_of,
    parameters_of,
    seeded,
    state_corruptions,
    state_spec_of,
    trained_copy,
)
from properties.kinds.isolation import sequence_trials
from properties.specs import spec_data, specs_data
from reference.alf.replicas import replica_state, stack_replica_states
from reference.alf.unroll import no_steps
from reference.specs import (
    BoundedTensorSpec,
    Nest,
    assert_same_structure,
    flatten,
    is_nested,
    map_structure,
    pack_sequence_as,
)


@dataclass(frozen=True)
class Parallel:
    """How an entry's parallel form and one of its single replicas are built: the parallel
    network holds ``n(cfg)`` replicas of ``replica(impl, cfg)``. ``stack`` / ``split`` move
    weights between the parallel state_dict and the replicas' by ALF's layout rules
    (``reference.alf.replicas``): stacked on a leading ``n``, concatenated along dim 0, or
    per replica under ``NaiveParallelNetwork``'s ``_networks.<i>``."""

    build: Callable[[Impl, dict], Any]
    replica: Callable[[Impl, dict], Any]
    n: Callable[[dict], int] = lambda cfg: int(cfg["n"])
    #: whether the parallel form also takes a ``[B, ...]`` input shared by every replica
    shared_input: bool = True
    stack: Callable[[Mapping[str, torch.Tensor], Sequence[Mapping[str, torch.Tensor]]], dict] = (
        stack_replica_states
    )
    split: Callable[[Mapping[str, torch.Tensor], Mapping[str, torch.Tensor], int, int], dict] = (
        replica_state
    )

    @classmethod
    def made_parallel(
        cls, build: Callable[[Impl, dict], Any], shared_input: bool = True
    ) -> Parallel:
        """The parallel form ``build(impl, cfg).make_parallel(cfg["n"])`` of ``build``'s
        network, whose replicas are ``build``'s networks."""
        return cls(
            lambda impl, cfg: build(impl, cfg).make_parallel(int(cfg["n"])),
            build,
            shared_input=shared_input,
        )


@functools.cache
def bench_episode_starts(steps: int, batch: int, rate: float) -> torch.Tensor:
    """``[T, B]`` episode starts of a benchmark sequence: step 0 everywhere, later steps with
    probability ``rate`` (a fixed draw, the same for every implementation)."""
    g = torch.Generator().manual_seed(steps * 1009 + batch)
    first = torch.rand(steps, batch, generator=g) < rate
    first[0] = True
    return first


def input_tensor_spec(cfg: dict) -> Nest:
    return cfg["input_tensor_spec"]


def zeros_of_spec(spec: Nest, outer: tuple[int, ...], like: torch.Tensor | None) -> Nest:
    """Zeros for every spec of ``spec`` (any spec class): floating ones in ``like``'s dtype."""

    def zeros(s: Any) -> torch.Tensor:
        data = spec_data(s)
        dtype = like.dtype if like is not None and data.dtype.is_floating_point else data.dtype
        device = like.device if like is not None else None
        return torch.zeros((*outer, *data.shape), dtype=dtype, device=device)

    return map_structure(zeros, spec)


def corruptions(spec: Nest, x: Nest, typed: bool) -> list[BadInput]:
    """Corruptions of a valid input ``x`` of plain-data spec ``spec`` and the error each must
    raise (``typed``: the network has floating parameters, so its float dtype is fixed)."""
    specs, leaves = flatten(spec), flatten(x)
    out: list[BadInput] = []

    def replaced(i: int, t: torch.Tensor) -> Nest:
        return pack_sequence_as(x, [t if j == i else v for j, v in enumerate(leaves)])

    for i, (s, t) in enumerate(zip(specs, leaves)):
        if s.ndim:
            wider = torch.cat([t, t[..., :1]], dim=-1)
            out.append((f"leaf {i} last dim +1", replaced(i, wider), ValueError))
        if s.is_continuous:
            out.append((f"leaf {i} as int32", replaced(i, t.to(torch.int32)), TypeError))
            if typed:
                other = torch.float64 if t.dtype == torch.float32 else torch.float32
                out.append((f"leaf {i} as {other}", replaced(i, t.to(other)), TypeError))
        else:
            out.append((f"leaf {i} as float", replaced(i, t.to(torch.float32)), TypeError))
            if isinstance(s, BoundedTensorSpec):
                high = torch.full_like(t, int(s.maximum.max()) + 1)
                out.append((f"leaf {i} above maximum", replaced(i, high), ValueError))
    out.append(
        (
            "extra outer dim",
            pack_sequence_as(x, [t.unsqueeze(0).expand(2, *t.shape) for t in leaves]),
            ValueError,
        )
    )
    if is_nested(x):
        if isinstance(x, dict):
            dropped: Nest = {k: v for k, v in x.items() if k != sorted(x)[-1]}
        else:
            dropped = type(x)(list(x)[:-1]) if not hasattr(x, "_fields") else tuple(x)[:-1]
        out.append(("nest missing a leaf", dropped, TypeError))
    else:
        out.append(("tensor inside a list", [x], TypeError))
    return out


@dataclass(frozen=True)
class AlfNetwork(Kind):
    """An ALF network (module doc). ``spec(cfg)``: the plain-data input spec of a config;
    ``outer(cfg, batch)``: the outer dims of an input (one batch dim by default);
    ``result_outer(cfg, batch)``: those of outputs and states (default: ``outer``; a parallel
    network takes ``[B, n, ...]`` inputs and reports the ``n`` inside its specs);
    ``parallel``: the parallel form, where the spec gives one; ``stateful``: the network
    carries a recurrent state (``recurrent_steps`` applies)."""

    title: ClassVar[str] = "ALF network"
    supports: ClassVar[frozenset[str]] = frozenset(
        {
            "shape",
            "empty_batch",
            "signature",
            "api",
            "parity",
            "float64_exact",
            "grad_parity",
            "batch_invariance",
            "parallel",
            "device",
            "state_dict",
            "recurrent_steps",
            "init",
            "bad_input",
            "deepcopy",
            "determinism",
            "nan_isolation",
        }
    )
    not_applicable: ClassVar[dict[str, str]] = {
        "reparam_grad": "returns tensors, not a distribution",
        "flow_inverse": "not a normalizing flow",
        "flow_logdet": "not a normalizing flow",
        "jacobian": "has no closed-form Jacobian methods",
        "dist_bounds": "returns tensors, not a distribution",
        "extreme_inputs": "returns tensors, not a distribution (the extreme-input checks are "
        "a distribution's)",
        "dist_logprob": "returns tensors, not a distribution",
        "dist_sampling": "returns tensors, not a distribution",
        "loss": "a network, not a loss",
    }

    spec: Callable[[dict], Nest] = input_tensor_spec
    outer: Callable[[dict, int], tuple[int, ...]] | None = None
    result_outer: Callable[[dict, int], tuple[int, ...]] | None = None
    parallel: Parallel | None = None
    stateful: bool = False
    #: whether a training-mode call with this config and batch draws random numbers (None:
    #: the forward pass never does)
    random: Callable[[dict, int], bool] | None = None
    #: for benchmark cases: ``(T, reset rate)`` when a case times ``unroll`` over a
    #: ``[T, B, ...]`` sequence instead of one call (None, or the function returning None:
    #: one call)
    sequence: Callable[[dict], tuple[int, float] | None] | None = None
    #: the network draws noise only in training mode (a noisy layer carrying its noise as
    #: state): ``recurrent_steps`` steps and unrolls it with its own training flag on
    #: (:func:`noise_on`), so resets and resamplings are compared
    noisy: bool = False
    #: the network is called with its state only, ``new_state, new_state = net(state)`` (a
    #: process, ``OUProcess``): the sampled "input" of a call is the state it starts from
    #: (``call``, ``observe``, ``bad_input``), so comparisons see the whole update; a step
    #: advances the carried state (the sampled inputs of a sequence are ignored)
    state_only: bool = False
    #: the config whose forward pass draws no noise (a process's noise scale, a noisy
    #: layer's resampling probability set to zero), for the element-wise comparisons
    #: (:meth:`Kind.deterministic`); None: the config itself. A ``noisy`` network still
    #: redraws its noise at an episode start (:meth:`drawn_at_reset`)
    noise_free: Callable[[dict], dict] | None = None
    #: for a network that keeps no weights of its own but is handed them by its caller
    #: (ALF's parameter networks): ``handed(net, cfg, dtype, device, requires_grad)``
    #: hands ``net`` the config's weights and returns the leaves handed
    #: (:meth:`Kind.hand_weights`); None: the network's weights are its parameters
    handed: Callable[[Any, dict, torch.dtype, Any, bool], tuple[torch.Tensor, ...]] | None = None

    def deterministic(self, cfg: dict) -> dict:
        return cfg if self.noise_free is None else self.noise_free(cfg)

    def explicit_noise(self, initial: Nest, seed: int) -> Nest:
        """A ``noisy`` network starts from standard normal noise drawn from ``seed``."""
        if not self.noisy:
            return initial
        g = torch.Generator().manual_seed(seed)
        return map_structure(
            lambda z: (
                torch.randn(z.shape, generator=g, dtype=z.dtype).to(z.device)
                if z.is_floating_point()
                else z
            ),
            initial,
        )

    def drawn_at_reset(self, cfg: dict, first: torch.Tensor) -> torch.Tensor | None:
        """A ``noisy`` network's reset state is zero noise, which it replaces by fresh noise:
        every step of a row from its first episode start on."""
        if not self.noisy:
            return None
        return first.to(torch.int8).cummax(dim=0).values.bool()

    def hand_weights(
        self, net: Any, cfg: dict, dtype: torch.dtype, device: Any, requires_grad: bool = False
    ) -> tuple[torch.Tensor, ...]:
        if self.handed is None:
            return ()
        return self.handed(net, cfg, dtype, device, requires_grad)

    #: keyword arguments every call passes besides the inputs and the state, for a network
    #: whose ``forward`` takes more than ``(inputs, state)`` (MDQ's ``alpha`` and
    #: ``free_form``): the call is then ``net(inputs, state=state, **call_keywords)``
    call_keywords: Mapping[str, Any] = field(default_factory=dict)

    def needs_reason(self) -> frozenset[str]:
        return frozenset() if self.parallel is not None else frozenset({"parallel"})

    def instance_reasons(self) -> dict[str, str]:
        reasons = {}
        if not self.stateful:
            reasons["recurrent_steps"] = "stateless: its state_spec is ()"
            reasons["nan_isolation"] = "stateless: no state for a reset to cut off"
        if self.random is None:
            reasons["determinism"] = "its forward pass draws no random numbers"
        return reasons

    def poisoned(
        self, net: Any, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype
    ) -> list[Poisoned]:
        """A poisoned state before its reset and a poisoned earlier episode, through
        :meth:`unroll` (``properties.kinds.isolation``)."""
        if not self.stateful:
            return []
        return sequence_trials(self, net, cfg, batch, generator, dtype)

    def stochastic(self, cfg: dict, batch: int) -> bool:
        return self.random is not None and self.random(cfg, batch)

    def draw(self, net: Any, inputs: Nest, cfg: dict, seed: int) -> Nest:
        """The output and new state of one training-mode call with the randomness seeded by
        ``seed`` (on a copy: the original keeps its mode and statistics)."""
        trained = trained_copy(net)
        return self.observe(trained, inputs, cfg, seed)

    def input_spec(self, cfg: dict) -> Nest:
        return self.spec(cfg)

    def outer_dims(self, cfg: dict, batch: int) -> tuple[int, ...]:
        return (batch,) if self.outer is None else self.outer(cfg, batch)

    def results_outer(self, cfg: dict, batch: int) -> tuple[int, ...]:
        if self.result_outer is not None:
            return self.result_outer(cfg, batch)
        return self.outer_dims(cfg, batch)

    def initial_state(self, net: Any, inputs: Nest, cfg: dict) -> Nest:
        state_spec = state_spec_of(net)
        if not flatten(state_spec):
            return state_spec
        first = flatten(inputs)[0]
        floats = [t for t in flatten(inputs) if t.is_floating_point()]
        if not floats:  # integer inputs only (embedded): the state is in the network's dtype
            floats = [p for _, p in parameters_of(net) if p.is_floating_point()]
        like = floats[0] if floats else None
        return zeros_of_spec(state_spec, self.results_outer(cfg, first.shape[0]), like)

    def prepare(self, net: Any, dtype: torch.dtype, device: Any, impl: Any = None) -> Any:
        """As every kind's, and the global eval flag of ``impl`` registered (module doc)."""
        common = impl.find("alf.common") if isinstance(impl, Impl) else None
        if common is not None and hasattr(common, "set_exe_mode"):
            _EVAL_FLAGS.setdefault(impl.name, common)
        return super().prepare(net, dtype, device, impl)

    def call(self, net: Any, inputs: Nest, state: Nest) -> tuple[Any, Nest]:
        training = getattr(net, "training", True)
        with contextlib.nullcontext() if training else global_eval():
            if self.state_only:
                return net(inputs)
            if self.call_keywords:
                return net(inputs, state=state, **self.call_keywords)
            return net(inputs, state)

    # -- stepping -------------------------------------------------------------------------
    def step(
        self, net: Any, x: Nest, state: Nest, first: torch.Tensor, cfg: dict
    ) -> tuple[Any, Nest]:
        """One step from ``state`` with rows ``first`` ([B] bool) reset to the initial state."""
        initial = self.initial_state(net, x, cfg)

        def reset(s: torch.Tensor, s0: torch.Tensor) -> torch.Tensor:
            mask = first.reshape(-1, *([1] * (s.dim() - 1)))
            return torch.where(mask, s0, s)

        if self.state_only:
            return net(map_structure(reset, state, initial))
        return self.call(net, x, map_structure(reset, state, initial))

    def step_loop(
        self, net: Any, xs: Nest, state: Nest, first: torch.Tensor, cfg: dict, seed: int = 0
    ) -> tuple[Any, Nest]:
        """The literal loop over the ``T`` steps of ``[T, B, ...]`` inputs, randomness seeded
        by ``seed``: ``(outputs [T, B, ...], final state)``; a ``noisy`` network with its
        noise on."""
        with self._noise(net), seeded(seed, device_of(state)):
            return self._loop(net, xs, state, first, cfg)

    def _noise(self, net: Any) -> contextlib.AbstractContextManager:
        return noise_on(net) if self.noisy else contextlib.nullcontext()

    def _loop(
        self, net: Any, xs: Nest, state: Nest, first: torch.Tensor, cfg: dict
    ) -> tuple[Any, Nest]:
        if first.shape[0] == 0:  # no steps: the outputs of one step on no rows, [0, B, ...]
            if self.state_only:
                return map_structure(lambda s: s.unsqueeze(0)[:0], state), state
            call = functools.partial(self.call, net)
            return no_steps(call, xs, state, first.shape[1]), state
        outputs = []
        for t in range(first.shape[0]):
            x_t = map_structure(lambda v, t=t: v[t], xs)
            y, state = self.step(net, x_t, state, first[t], cfg)
            outputs.append(y)
        return map_structure(lambda *ys: torch.stack(ys), *outputs), state

    def timed(self, net: Any, inputs: Nest, cfg: dict) -> Nest:
        """One call, or for a sequence case (``sequence``) the whole ``[T, B, ...]`` unroll
        of ``inputs`` repeated T times with the case's episode starts (the candidate's own
        ``unroll``, else the step loop; no seeding inside the timed region). A ``noisy``
        network's call steps from carried noise, as an agent steps it within an episode (a
        constant nonzero state, one fill; from the zero state every row would redraw its
        noise, which happens once per episode)."""
        seq = self.sequence(cfg) if self.sequence is not None else None
        if seq is None:
            if not self.noisy:
                return super().timed(net, inputs, cfg)
            carried = map_structure(torch.ones_like, self.initial_state(net, inputs, cfg))
            return self.call(net, inputs, carried)[0]
        steps, rate = seq
        xs = map_structure(lambda x: x.unsqueeze(0).expand(steps, *x.shape), inputs)
        first = bench_episode_starts(steps, flatten(inputs)[0].shape[0], rate)
        first = first.to(device_of(inputs))
        state = self.initial_state(net, inputs, cfg)
        own = getattr(net, "unroll", None)
        if callable(own):
            return own(xs, state, first)[0]
        return self._loop(net, xs, state, first, cfg)[0]

    def unroll(
        self, net: Any, xs: Nest, state: Nest, first: torch.Tensor, cfg: dict, seed: int = 0
    ) -> tuple[Any, Nest]:
        """``(outputs [T, B, ...], final state)``: the candidate's own ``unroll`` if it has
        one, else the step loop; randomness seeded by ``seed``; a ``noisy`` network with its
        noise on."""
        own = getattr(net, "unroll", None)
        with self._noise(net):
            if callable(own):
                with seeded(seed, device_of(state)):
                    return own(xs, state, first)
            return self.step_loop(net, xs, state, first, cfg, seed)

    # -- checks ---------------------------------------------------------------------------
    def output_spec_data(self, net: Any) -> Nest:
        return specs_data(net.output_spec)

    def check_shape(self, ref: Any, cand: Any, cfg: dict, inputs: Nest, batch: int) -> None:
        if self.state_only:
            want, got = specs_data(ref.state_spec), specs_data(state_spec_of(cand))
            assert got == want, f"state_spec {got}, the reference's is {want}"
            out, state = self.call(cand, inputs, ())
            self.check_outputs(cand, out, self.results_outer(cfg, batch))
            assert_same_structure(state_spec_of(cand), state, "new state")
            return
        want_spec = self.output_spec_data(ref)
        got_spec = self.output_spec_data(cand)
        assert got_spec == want_spec, f"output_spec {got_spec}, the reference's is {want_spec}"
        in_spec = specs_data(cand.input_tensor_spec)
        assert in_spec == specs_data(ref.input_tensor_spec), (
            f"input_tensor_spec {in_spec}, the reference's is {specs_data(ref.input_tensor_spec)}"
        )
        outer = self.results_outer(cfg, batch)
        state0 = self.initial_state(cand, inputs, cfg)
        out, state = self.call(cand, inputs, state0)
        self.check_outputs(cand, out, outer)
        state_spec = state_spec_of(cand)
        assert_same_structure(specs_data(ref.state_spec), specs_data(state_spec), "state_spec")
        if flatten(state_spec):
            assert_same_structure(state_spec, state, "new state")
            for s, v in zip(flatten(specs_data(state_spec)), flatten(state)):
                assert tuple(v.shape) == (*outer, *s.shape), (
                    f"state shape {list(v.shape)}, expected {[*outer, *s.shape]}"
                )

    def check_outputs(self, net: Any, out: Any, outer: tuple[int, ...]) -> None:
        spec = self.output_spec_data(net)
        assert_same_structure(spec, out, "output")
        for s, y in zip(flatten(spec), flatten(out)):
            assert tuple(y.shape) == (*outer, *s.shape), (
                f"output shape {list(y.shape)}, expected {[*outer, *s.shape]} ({s})"
            )
            assert y.dtype.is_floating_point == s.dtype.is_floating_point, (
                f"output dtype {y.dtype}, the output_spec says {s.dtype}"
            )

    def bad_inputs(self, net: Any, cfg: dict, x: Nest) -> list[BadInput]:
        typed = not self.state_only and any(
            p.dtype.is_floating_point for _, p in parameters_of(net)
        )
        return corruptions(self.input_spec(cfg), x, typed)

    def empty_unrolls(self, batch: int) -> list[tuple[int, int]]:
        """No steps of ``batch`` rows, steps of no rows, and neither (``unroll``'s
        ``[T, B]``)."""
        return [(0, batch), (3, 0), (0, 0)]

    def bad_calls(self, net: Any, cfg: dict, x: Nest, state: Nest) -> list[BadCall]:
        """A stateful network's bad states (:func:`state_corruptions`) in a call with ``x``
        and, where it has its own ``unroll``, in an unroll of ``x`` repeated over two steps;
        bad ``first_step``s of that unroll: not bool, not ``[T, B]``, of another batch
        (contract item 8). A process (``state_only``) takes its state as its input: its
        bad states are its bad inputs, and its unroll's state is checked against the batch
        of ``first_step``."""
        if not flatten(state):
            return []
        bad = [] if self.state_only else state_corruptions(state)
        out: list[BadCall] = [
            (why, functools.partial(self.call, net, x, s), error) for why, s, error in bad
        ]
        own = getattr(net, "unroll", None)
        if not callable(own):
            return out
        xs = map_structure(lambda t: torch.stack([t, t]), x)
        batch = flatten(state)[0].shape[0]
        first = torch.zeros(2, batch, dtype=torch.bool, device=device_of(state))
        first[0] = True
        bad = state_corruptions(state, typed=False) if self.state_only else bad
        out += [
            (f"unroll with a {why}", functools.partial(own, xs, s, first), error)
            for why, s, error in bad
        ]
        firsts = [
            ("first_step as uint8", first.to(torch.uint8), TypeError),
            ("first_step as float", first.float(), TypeError),
            ("first_step of shape [T]", first[:, 0], ValueError),
            ("first_step of shape [T, B + 1]", torch.cat([first, first[:, :1]], 1), ValueError),
            ("first_step of shape [T, 1]", first[:, :1], ValueError),
        ]
        out += [
            (f"unroll with a {why}", functools.partial(own, xs, state, f), error)
            for why, f, error in firsts
        ]
        return out


#: ``alf.common`` of every implementation whose networks the kind prepared, by name.
_EVAL_FLAGS: dict[str, Any] = {}


@contextlib.contextmanager
def global_eval() -> Iterator[None]:
    """ALF's global execution mode set to eval (``common.set_exe_mode(EXE_MODE_EVAL)``) in
    every implementation the kind has met, the previous modes restored after."""
    previous = [(c, c.set_exe_mode(c.EXE_MODE_EVAL)) for c in _EVAL_FLAGS.values()]
    try:
        yield
    finally:
        for common, mode in reversed(previous):
            common.set_exe_mode(mode)


@contextlib.contextmanager
def noise_on(net: Any) -> Iterator[None]:
    """The network's own training flag on (its noise drawn) and its sub-modules' flags as
    they are (batch-norm statistics stay fixed, so any batch size works), restored after:
    how ``recurrent_steps`` steps a noisy network through resets and resamplings."""
    was = net.training
    net.training = True
    try:
        yield
    finally:
        net.training = was
