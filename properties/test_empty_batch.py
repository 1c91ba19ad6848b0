"""empty_batch (hardening): an empty batch (B=0, an empty replay slice) and the kind's
empty sequences (AMAGO's length L=0, ``Kind.empty_sequences``) work and give empty results
of the declared shapes and specs, the candidate's equal to the reference's (contract item
7). The spec documents do not ask for this; twinnet adds it."""

import dataclasses

import pytest
import torch

from properties.harness import Subject, spec_property
from reference.specs import assert_same_structure, flatten, sample_nest


@spec_property
def test_empty_batch(subject: Subject, data) -> None:
    case = subject.draw(data)
    ref = subject.build(subject.reference, case.cfg, seed=case.seed)
    cand = subject.build(subject.candidate, case.cfg, seed=case.seed)
    x = subject.inputs(case, batch=0)
    with torch.no_grad():
        subject.kind.check_shape(ref, cand, case.cfg, x, 0)
    for cfg in subject.kind.empty_sequences(case.cfg):
        x = subject.inputs(dataclasses.replace(case, cfg=cfg))
        with torch.no_grad():
            subject.kind.check_shape(ref, cand, cfg, x, case.batch)


@spec_property
def test_empty_batch_sequence(subject: Subject, data) -> None:
    """A stateful entry's sequence API on empty sequences: T = 0 steps of B rows, T steps of
    B = 0 rows, and both (``Kind.empty_unrolls``). The candidate's results have the
    reference's shapes, outputs ``[T, B, ...]``, and an unroll of no steps returns the state
    it was given (contract item 7)."""
    kind = subject.kind
    stateless = kind.reason("recurrent_steps") or kind.instance_reasons().get("recurrent_steps")
    if stateless:
        pytest.skip(f"{subject.name} has no state: {stateless}")
    if not kind.empty_unrolls(2):
        pytest.skip(f"{subject.name}: its sequence API takes no empty sequence ({kind.title})")
    case = subject.draw(data, min_batch=2)
    ref = subject.build(subject.reference, case.cfg, seed=case.seed)
    cand = subject.build(subject.candidate, case.cfg, seed=case.seed)
    for steps, batch in kind.empty_unrolls(case.batch):
        g = torch.Generator().manual_seed(case.seed)
        x = subject.inputs(case, batch=batch)
        xs = sample_nest(kind.input_spec(case.cfg), (steps, *kind.outer_dims(case.cfg, batch)), g)
        state = kind.initial_state(ref, x, case.cfg)
        first = torch.zeros(steps, batch, dtype=torch.bool)
        results = []
        for net in (ref, cand):
            with torch.no_grad():
                results.append(kind.unroll(net, xs, state, first, case.cfg, case.seed))
        what = f"{subject.name} unroll of T={steps}, B={batch}"
        assert_same_structure(results[0], results[1], what)
        for w, v in zip(flatten(results[0]), flatten(results[1])):
            if isinstance(w, torch.Tensor):  # a distribution's shapes are its kind's cells'
                assert v.shape == w.shape, f"{what}: {list(v.shape)}, reference {list(w.shape)}"
        for y in flatten(results[1][0]):
            if isinstance(y, torch.Tensor):
                assert y.shape[0] == steps, f"{what}: output shape {list(y.shape)}"
        if steps == 0:
            for s0, s in zip(flatten(state), flatten(results[1][1])):
                assert torch.equal(s0, s), f"{what}: the final state is not the initial one"
