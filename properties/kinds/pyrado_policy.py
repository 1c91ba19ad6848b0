"""The Pyrado policy kind: ``act, hidden = policy(obs, hidden)``, and Pyrado's scripted
stateful wrapper.

What the Pyrado spec documents and this kind relies on: ``hidden_size``,
``init_hidden(batch_size)``, the call ``policy(obs, hidden)`` returning the action (two
outputs for a two-headed policy) and the new packed hidden state, ``evaluate(rollout)``
over a ``StepSequence`` of concatenated rollouts, ``script()``. Observations ``[B, D]`` are
one step of ``B`` sequences; ``[D]`` is one unbatched step. The initial state is
``init_hidden(B)`` in the inputs' dtype; what comparisons observe is two consecutive steps
from it (both outputs and the final state).

Stepping (``recurrent_steps``): :meth:`PyradoPolicy.step` resets the rows that start an
episode to ``init_hidden``; :meth:`PyradoPolicy.unroll` cuts every batch row into rollouts
at its episode starts, concatenates them into one ``StepSequence`` (``rollout_bounds`` at
the cuts; ``hidden_states`` recorded at every rollout's first step: the carried-in state
for a row's first rollout unless it starts an episode, else ``init_hidden``) and calls the
candidate's own ``evaluate``; its actions are put back at their ``[T, B]`` places.
``evaluate`` returns no state, so the final state ``unroll`` reports is the step loop's.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from properties.kinds.base import BadCall, BadInput, Kind, Poisoned, seeded, state_corruptions
from properties.kinds.isolation import sequence_trials
from reference.pyrado.step_sequence import StepSequence
from reference.specs import Nest, TensorSpec

_SUPPORTED = frozenset(
    {
        "shape",
        "empty_batch",
        "signature",
        "api",
        "parity",
        "grad_parity",
        "float64_exact",
        "batch_invariance",
        "device",
        "state_dict",
        "recurrent_steps",
        "init",
        "bad_input",
        "deepcopy",
        "script",
        "unbatched",
        "nan_isolation",
    }
)

_OWN_IDS: dict[str, str] = {
    "script": "script() gives a TorchScript module whose step-by-step outputs (with reset()) "
    "equal the eager policy's",
    "unbatched": "a batch of B (B in 1, 2, 4, 256) gives row by row what B unbatched 1-D calls "
    "give, actions and hidden states",
}

_NOT_APPLICABLE: dict[str, str] = {
    "reparam_grad": "returns tensors, not a distribution",
    "parallel": "Pyrado has no parallel (replicated) form of a policy",
    "flow_inverse": "not a normalizing flow",
    "flow_logdet": "not a normalizing flow",
    "jacobian": "has no closed-form Jacobian methods",
    "dist_bounds": "returns tensors, not a distribution",
    "extreme_inputs": "returns tensors, not a distribution",
    "dist_logprob": "returns tensors, not a distribution",
    "dist_sampling": "returns tensors, not a distribution",
    "determinism": "its forward pass draws no random numbers in eval mode",
    "loss": "a policy, not a loss",
}


def obs_spec(cfg: dict) -> TensorSpec:
    return TensorSpec((cfg["obs_dim"],))


def pyrado_bad_obs(x: torch.Tensor) -> list[BadInput]:
    """Corruptions of a valid ``[B, D]`` observation and the error each must raise."""
    other = torch.float64 if x.dtype == torch.float32 else torch.float32
    return [
        ("obs last dim +1", torch.cat([x, x[..., :1]], dim=-1), ValueError),
        ("obs as int32", x.to(torch.int32), TypeError),
        (f"obs as {other}", x.to(other), TypeError),
        ("obs with an extra outer dim", x.unsqueeze(0).expand(2, *x.shape), ValueError),
        ("obs inside a list", [x], TypeError),
    ]


@dataclass(frozen=True)
class PyradoPolicy(Kind):
    """A Pyrado recurrent policy (module doc). ``heads``: 2 for the two-headed policies;
    ``act_sizes(cfg)``: the size of each head's output (default: ``act_dim`` for each)."""

    title: ClassVar[str] = "Pyrado policy"
    supports: ClassVar[frozenset[str]] = _SUPPORTED
    own_ids: ClassVar[dict[str, str]] = _OWN_IDS
    not_applicable: ClassVar[dict[str, str]] = _NOT_APPLICABLE
    # ``evaluate`` replays a recorded rollout: its observations and hidden states are data
    # (Pyrado's StepSequence refuses tensors that require grad); the parameters are trained
    unroll_grads: ClassVar[frozenset[str]] = frozenset({"parameters"})

    heads: int = 1
    act_sizes: Callable[[dict], Sequence[int]] | None = None
    #: The methods whose input checks are the candidate's: an entry built on a user's
    #: subclass of a spec base class that leaves ``forward`` (and ``evaluate``) to the
    #: subclass draws bad input for the base's methods only (and its constructor ranges).
    checked: frozenset[str] = frozenset({"forward", "evaluate"})

    def input_spec(self, cfg: dict) -> Nest:
        return obs_spec(cfg)

    def inputs(self, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype) -> Nest:
        """``obs_scale * N(0, 1)`` observations ``[B, D]`` (``obs_scale`` 1 unless the config
        says otherwise: large stimuli drive potentials into their clamp)."""
        shape = (batch, cfg["obs_dim"])
        return cfg.get("obs_scale", 1.0) * torch.randn(shape, generator=generator, dtype=dtype)

    def initial_state(self, net: Any, inputs: Nest, cfg: dict) -> Nest:
        batch = inputs.shape[0] if inputs.dim() == 2 else None
        return net.init_hidden(batch).to(dtype=inputs.dtype, device=inputs.device)

    def split(self, result: tuple) -> tuple[Any, torch.Tensor]:
        """``(outputs, hidden)`` of a call's result (two outputs for two heads)."""
        if self.heads == 2:
            out_1, out_2, hidden = result
            return (out_1, out_2), hidden
        act, hidden = result
        return act, hidden

    def call(self, net: Any, inputs: Nest, state: Nest) -> tuple[Any, Nest]:
        return self.split(net(inputs, state))

    def observe(
        self, net: Any, inputs: Nest, cfg: dict, seed: int = 0, elementwise: bool = False
    ) -> Nest:
        """Two consecutive steps on ``inputs`` from the initial state: both steps' outputs and
        the final state, so that comparisons (gradients included) see a carried state."""
        with seeded(seed, inputs.device):
            first, state = self.call(net, inputs, self.initial_state(net, inputs, cfg))
            second, state = self.call(net, inputs, state)
        return {"output": (first, second), "state": state}

    # -- stepping -------------------------------------------------------------------------
    def step(
        self, net: Any, x: torch.Tensor, state: torch.Tensor, first: torch.Tensor, cfg: dict
    ) -> tuple[Any, torch.Tensor]:
        """One step from ``state`` with rows ``first`` reset to ``init_hidden``."""
        initial = self.initial_state(net, x, cfg)
        return self.call(net, x, torch.where(first.unsqueeze(1), initial, state))

    def step_loop(
        self,
        net: Any,
        xs: torch.Tensor,
        state: torch.Tensor,
        first: torch.Tensor,
        cfg: dict,
        seed: int = 0,
    ) -> tuple[Any, torch.Tensor]:
        """The literal loop over ``T`` steps of ``[T, B, D]``: ``(outputs [T, B, ...], final
        state)``, randomness seeded by ``seed`` (the same contract as the ALF kind's)."""
        outputs = []
        with seeded(seed, xs.device):
            for t in range(xs.shape[0]):
                y, state = self.step(net, xs[t], state, first[t], cfg)
                outputs.append(y)
        if self.heads == 2:
            pairs = (torch.stack([o[0] for o in outputs]), torch.stack([o[1] for o in outputs]))
            return pairs, state
        return torch.stack(outputs), state

    def rollouts(
        self, net: Any, xs: torch.Tensor, state: torch.Tensor, first: torch.Tensor
    ) -> tuple[StepSequence, list[tuple[int, int]]]:
        """The ``StepSequence`` of module doc and the ``(t, b)`` place of each of its steps."""
        steps, batch = first.shape
        initial = net.init_hidden(batch).to(dtype=xs.dtype, device=xs.device)
        obs, hidden, places, bounds = [], [], [], [0]
        for b in range(batch):
            cuts = [0, *[t for t in range(1, steps) if first[t, b]], steps]
            for a, e in itertools.pairwise(cuts):
                recorded = torch.zeros(e - a, state.shape[1], dtype=xs.dtype, device=xs.device)
                recorded[0] = initial[b] if (a > 0 or first[0, b]) else state[b]
                obs.append(xs[a:e, b])
                hidden.append(recorded)
                places += [(t, b) for t in range(a, e)]
                bounds.append(bounds[-1] + e - a)
        n = bounds[-1]
        rollout = StepSequence(
            rollout_bounds=bounds,
            rewards=torch.zeros(n, dtype=xs.dtype, device=xs.device),
            observations=torch.cat(obs),
            actions=torch.zeros(n, 1, dtype=xs.dtype, device=xs.device),
            hidden_states=torch.cat(hidden),
        )
        return rollout, places

    def unroll(
        self,
        net: Any,
        xs: torch.Tensor,
        state: torch.Tensor,
        first: torch.Tensor,
        cfg: dict,
        seed: int = 0,
    ) -> tuple[Any, torch.Tensor]:
        """``(outputs [T, B, ...] from the candidate's evaluate, the step loop's final
        state)`` (module doc)."""
        rollout, places = self.rollouts(net, xs, state, first)
        with seeded(seed, xs.device):
            evaluated = net.evaluate(rollout)
        results = evaluated if self.heads == 2 else (evaluated,)
        placed = []
        for values in results:
            out = values.new_zeros(*first.shape, values.shape[-1])
            for i, (t, b) in enumerate(places):
                out[t, b] = values[i]
            placed.append(out)
        final = self.step_loop(net, xs, state, first, cfg, seed)[1]
        return (tuple(placed) if self.heads == 2 else placed[0]), final

    def timed(self, net: Any, inputs: Nest, cfg: dict) -> Nest:
        """One call from ``init_hidden``; for a config with ``rollouts = (R, T)``, ``evaluate``
        over the ``R * T`` input rows cut into ``R`` rollouts of ``T`` steps."""
        if "rollouts" not in cfg:
            return super().timed(net, inputs, cfg)
        _count, steps = cfg["rollouts"]
        n = inputs.shape[0]
        rollout = StepSequence(
            rollout_bounds=list(range(0, n + 1, steps)),
            rewards=inputs.new_zeros(n),
            observations=inputs,
            actions=inputs.new_zeros(n, 1),
        )
        return net.evaluate(rollout)

    # -- checks ---------------------------------------------------------------------------
    def out_sizes(self, net: Any, cfg: dict) -> list[int]:
        if self.act_sizes is not None:
            return list(self.act_sizes(cfg))
        return [cfg["act_dim"]] * self.heads

    def check_shape(self, ref: Any, cand: Any, cfg: dict, inputs: Nest, batch: int) -> None:
        assert cand.hidden_size == ref.hidden_size, (
            f"hidden_size {cand.hidden_size}, the reference's is {ref.hidden_size}"
        )
        cases = [(inputs, [batch])] + ([(inputs[0], [])] if batch > 0 else [])
        for x, outer in cases:
            state = self.initial_state(cand, x, cfg)
            assert list(state.shape) == [*outer, ref.hidden_size], (
                f"init_hidden shape {list(state.shape)}, expected {[*outer, ref.hidden_size]}"
            )
            out, new = self.call(cand, x, state)
            outs = out if self.heads == 2 else (out,)
            for y, size in zip(outs, self.out_sizes(ref, cfg)):
                assert list(y.shape) == [*outer, size], (
                    f"output shape {list(y.shape)}, expected {[*outer, size]}"
                )
                assert y.dtype == x.dtype, f"output dtype {y.dtype}, the input's is {x.dtype}"
            assert list(new.shape) == [*outer, ref.hidden_size], (
                f"new hidden shape {list(new.shape)}, expected {[*outer, ref.hidden_size]}"
            )

    def bad_inputs(self, net: Any, cfg: dict, x: Nest) -> list[BadInput]:
        return pyrado_bad_obs(x) if "forward" in self.checked else []

    def poisoned(
        self, net: Any, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype
    ) -> list[Poisoned]:
        """A poisoned hidden state before its reset and a poisoned earlier rollout, through
        :meth:`unroll` (``evaluate``; ``properties.kinds.isolation``)."""
        return sequence_trials(self, net, cfg, batch, generator, dtype)

    def bad_calls(self, net: Any, cfg: dict, x: Nest, state: Nest) -> list[BadCall]:
        """Bad hidden states of a call with ``x`` (:func:`state_corruptions`, and an
        unbatched ``[size]`` one for a batch), and ``evaluate`` of the rollouts of ``x``
        repeated over two steps with recorded hidden states or observations one wider
        (contract item 8: both packages reach ``read_rollout``'s checks); each where
        ``checked`` names the method."""
        out: list[BadCall] = []
        if "forward" in self.checked:
            bad = [*state_corruptions(state), ("unbatched state for a batch", state[0], ValueError)]
            out += [
                (f"hidden: {why}", functools.partial(self.call, net, x, s), error)
                for why, s, error in bad
            ]
        if "evaluate" not in self.checked:
            return out
        xs = torch.stack([x, x])
        first = torch.zeros(2, x.shape[0], dtype=torch.bool)
        rollout, _ = self.rollouts(net, xs, state, first)
        fields = {k: rollout.get_data_values(k) for k in ("rewards", "actions")}
        hidden = rollout.get_data_values("hidden_states")
        obs = rollout.get_data_values("observations")
        for why, o, h in [
            ("hidden_states one wider", obs, torch.cat([hidden, hidden[:, :1]], 1)),
            ("observations one wider", torch.cat([obs, obs[:, :1]], 1), hidden),
        ]:
            wrong = StepSequence(
                rollout_bounds=list(rollout.rollout_bounds),
                observations=o,
                hidden_states=h,
                **fields,
            )
            out.append((f"evaluate with {why}", functools.partial(net.evaluate, wrong), ValueError))
        return out

    # -- own properties -------------------------------------------------------------------
    def scripted_steps(self, net: Any, xs: torch.Tensor) -> Any:
        """``script()``'s module (a ``torch.jit.ScriptModule``) stepped through ``xs [T, D]``
        after ``reset()``."""
        tm = net.script()
        if not isinstance(tm, torch.jit.ScriptModule):
            raise AssertionError(f"script() returned a {type(tm).__name__}, not a ScriptModule")
        tm.reset()
        outs = [tm(x) for x in xs]
        if self.heads == 2:
            return torch.stack([o[0] for o in outs]), torch.stack([o[1] for o in outs])
        return torch.stack(outs)

    def eager_steps(self, net: Any, xs: torch.Tensor) -> Any:
        """The same steps through the eager policy, unbatched, from ``init_hidden()``."""
        hidden = net.init_hidden().to(xs.dtype)
        outs = []
        for x in xs:
            out, hidden = self.call(net, x, hidden)
            outs.append(out)
        if self.heads == 2:
            return torch.stack([o[0] for o in outs]), torch.stack([o[1] for o in outs])
        return torch.stack(outs)


#: What the stateful wrapper lacks of a policy's properties, and why.
_WRAPPER_LACKS: dict[str, str] = {
    "bad_input": "a traced graph does not validate its inputs (upstream's neither), the "
    "wrapped policy's entry checks them; its hidden buffer is the episode's state, so a "
    "NaN observation may enter it until reset()",
    "batch_invariance": "its input rows are consecutive time steps of one episode",
    "device": "traced for the device it was built on (TorchScript traces fix devices)",
    "recurrent_steps": "keeps its state internally; reset() is the only episode start",
    "nan_isolation": "keeps its state internally and reset() re-creates it: the wrapped "
    "policy's entry checks that a poisoned state does not survive a reset",
}


@dataclass(frozen=True)
class PyradoStateful(Kind):
    """Pyrado's ``StatefulRecurrentNetwork``: ``act = tm(obs)`` for one unbatched step, the
    hidden state kept in the buffer ``hidden`` (``reset()`` restarts it). A call on ``[B, D]``
    inputs is ``B`` consecutive steps of one episode after ``reset()``: the rows are time
    steps, so rows depend on earlier rows; the state is ``hidden`` after the last step."""

    title: ClassVar[str] = "Pyrado stateful wrapper"
    # the policy kind's ids but its own (script, unbatched) and those the wrapper lacks
    supports: ClassVar[frozenset[str]] = (
        _SUPPORTED - frozenset(_OWN_IDS) - frozenset(_WRAPPER_LACKS)
    )
    not_applicable: ClassVar[dict[str, str]] = {**_NOT_APPLICABLE, **_WRAPPER_LACKS}

    def input_spec(self, cfg: dict) -> Nest:
        return obs_spec(cfg)

    def call(self, net: Any, inputs: Nest, state: Nest) -> tuple[Any, Nest]:
        if not isinstance(inputs, torch.Tensor) or inputs.dim() != 2:
            raise TypeError(f"expected [T, D] observations, got {type(inputs).__name__}")
        net.reset()
        acts = [net(x) for x in inputs]
        out = torch.stack(acts) if acts else inputs.new_zeros(0, net.output_size)
        return out, net.hidden.detach().clone()

    def check_shape(self, ref: Any, cand: Any, cfg: dict, inputs: Nest, batch: int) -> None:
        out, hidden = self.call(cand, inputs, ())
        assert list(out.shape) == [batch, cfg["act_dim"]], (
            f"output shape {list(out.shape)}, expected {[batch, cfg['act_dim']]}"
        )
        assert hidden.shape == ref.hidden.shape, (
            f"hidden buffer shape {list(hidden.shape)}, expected {list(ref.hidden.shape)}"
        )
        assert (cand.input_size, cand.output_size) == (ref.input_size, ref.output_size), (
            f"input/output_size {(cand.input_size, cand.output_size)}, expected "
            f"{(ref.input_size, ref.output_size)}"
        )
