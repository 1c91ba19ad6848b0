"""recurrent_steps: for a stateful entry, stepping the candidate one step at a time with its
state carried, and its whole-sequence ``unroll`` (where it has one: twinnet's fused
sequence API), both equal the reference's literal step loop.

The sequence has ``T`` steps and starts from a random state (so that a reset is visible at
any step); episode starts are drawn per batch row, at different steps in different rows:
before a step that starts an episode, that row's state is reset to the initial state (zeros
of ``state_spec``), as ALF does for ``StepType.FIRST``. Both B = 1 and the drawn B > 1 run.
The outputs of every step and the final state are compared within the condition-aware
tolerance of ``properties.compare``, and so are the gradients of a random projection of
them with respect to the inputs, the initial state and every parameter (a fused unroll
usually has a backward of its own, which a value comparison would never exercise).

The config is the one whose steps draw no noise (``Kind.deterministic``), so no random
stream is compared (contract item 5). A network that still draws at an episode start (a
noisy layer redraws its zeroed noise state) has the steps of a row from its first start on
left out of the comparison, values and gradients alike (``Kind.drawn_at_reset``); its entry
checks them by law.
"""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st

from properties.compare import assert_expected, expect
from properties.harness import Subject, spec_property
from properties.kinds.base import parameters_of
from reference.specs import Nest, flatten, map_structure, sample_nest

MAX_STEPS = 6


def _episode_starts(data: st.DataObject, steps: int, batch: int) -> torch.Tensor:
    """``[T, B]`` booleans: for each row, a drawn set of steps that start an episode."""
    first = torch.zeros(steps, batch, dtype=torch.bool)
    for b in range(batch):
        starts = data.draw(st.sets(st.integers(0, steps - 1), max_size=steps), label=f"starts {b}")
        first[sorted(starts), b] = True
    return first


def _hidden(result: Any, drawn: torch.Tensor | None) -> Any:
    """``(outputs [T, B, ...], final state [B, ...])`` with the results that depend on noise
    drawn at an episode start (``drawn`` ``[T, B]``) set to zero, a cut in the gradients
    too."""
    if drawn is None:
        return result
    outputs, final = result

    def cut(v: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if not v.is_floating_point():
            return v
        return torch.where(mask.reshape(*mask.shape, *([1] * (v.dim() - mask.dim()))), 0.0, v)

    return (
        map_structure(lambda v: cut(v, drawn), outputs),
        map_structure(lambda v: cut(v, drawn[-1]), final),
    )


def sequence_gradients(
    run: Any, net: Any, xs: Nest, state: Nest, seed: int, wrt: frozenset[str]
) -> dict:
    """``d <w, run(net, xs, state)> / d`` the floating inputs, the floating initial state
    and the parameters (those of them in ``wrt``), with ``w`` drawn from ``seed``; zeros
    where nothing flows."""

    def leaf(group: str) -> Any:
        def make(t: torch.Tensor) -> torch.Tensor:
            return t.detach().clone().requires_grad_(t.is_floating_point() and group in wrt)

        return make

    xs, state = map_structure(leaf("inputs"), xs), map_structure(leaf("state"), state)
    groups = {
        "inputs": [t for t in flatten(xs) if t.requires_grad],
        "state": [t for t in flatten(state) if t.requires_grad],
        "parameters": [p for _, p in parameters_of(net)] if "parameters" in wrt else [],
    }
    wanted = [t for group in groups.values() for t in group]
    with torch.enable_grad():
        outputs = [y for y in flatten(run(net, xs, state)) if y.requires_grad]
        g = torch.Generator().manual_seed(seed)
        weights = [torch.randn(y.shape, generator=g).to(y) for y in outputs]
        grads: Any = (None,) * len(wanted)
        if outputs and wanted:
            loss = sum((y * w).sum() for y, w in zip(outputs, weights))
            grads = torch.autograd.grad(loss, wanted, allow_unused=True)
    grads = [torch.zeros_like(t) if gr is None else gr for t, gr in zip(wanted, grads)]
    out, start = {}, 0
    for name, group in groups.items():
        out[name] = grads[start : start + len(group)]
        start += len(group)
    return out


@spec_property
def test_recurrent_steps(subject: Subject, dtype: torch.dtype, data) -> None:
    case = subject.draw(data, min_batch=2)
    kind: Any = subject.kind  # a kind with step_loop / unroll (the stateful kinds)
    cfg = case.cfg
    steps = data.draw(st.integers(1, MAX_STEPS), label="steps")
    ref, cand = subject.twins(case, dtype)
    if not flatten(kind.initial_state(ref, subject.inputs(case, dtype), cfg)):
        subject.tally.note("some drawn configs have no state (the shape cell checks state_spec)")
        return
    for batch in (1, case.batch):
        g = torch.Generator().manual_seed(case.seed + batch)
        outer = kind.outer_dims(cfg, batch)
        xs = sample_nest(kind.input_spec(cfg), (steps, *outer), g, dtype)
        first = _episode_starts(data, steps, batch)
        drawn = kind.drawn_at_reset(cfg, first)
        x0 = map_structure(lambda t: t[0], xs)
        zeros = kind.initial_state(ref, x0, cfg)
        state = map_structure(
            lambda z, g=g: (
                torch.randn(z.shape, generator=g, dtype=z.dtype) if z.is_floating_point() else z
            ),
            zeros,
        )

        def step_loop(net, xs, state, first=first, drawn=drawn):
            with torch.no_grad():
                return _hidden(kind.step_loop(net, xs, state, first, cfg, case.seed), drawn)

        expected = expect(step_loop, (ref, xs, state), dtype)
        what = f"{subject.name} B={batch} T={steps} starts {first.int().T.tolist()}"
        if drawn is not None:
            what += " (each row compared up to its first start)"
        assert_expected(step_loop(cand, xs, state), expected, f"{what}: step loop")
        with torch.no_grad():
            unrolled = _hidden(kind.unroll(cand, xs, state, first, cfg, case.seed), drawn)
        assert_expected(unrolled, expected, f"{what}: unroll")

        def loop_grads(net, xs, state, first=first, drawn=drawn):
            def run(net, xs, state):
                return _hidden(kind.step_loop(net, xs, state, first, cfg, case.seed), drawn)

            return sequence_gradients(run, net, xs, state, case.seed, kind.unroll_grads)

        def unroll_grads(net, xs, state, first=first, drawn=drawn):
            def run(net, xs, state):
                return _hidden(kind.unroll(net, xs, state, first, cfg, case.seed), drawn)

            return sequence_gradients(run, net, xs, state, case.seed, kind.unroll_grads)

        expected = expect(loop_grads, (ref, xs, state), dtype)
        assert_expected(unroll_grads(cand, xs, state), expected, f"{what}: unroll gradients")
