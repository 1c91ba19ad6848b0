"""bad_input: bad constructor arguments and bad inputs (the kind's corruptions: shape, dtype,
nest structure, outer rank, out-of-range values) raise a ``ValueError`` / ``TypeError`` that
says what was expected and what arrived, in the reference and in the candidate alike,
before any state changes."""

from __future__ import annotations

import pytest
import torch

from properties.candidate import NotProvided
from properties.harness import Subject, spec_property
from properties.kinds.base import set_training, state_of


def _assert_clear(err: BaseException, why: str) -> None:
    msg = str(err)
    assert "expected" in msg and "got" in msg, f"{why}: unclear error message {msg!r}"


@pytest.mark.parametrize("side", ["reference", "candidate"])
def test_bad_input_configs(subject: Subject, side: str) -> None:
    impl = subject.reference if side == "reference" else subject.candidate
    if not subject.entry.bad_configs:
        pytest.skip(f"{subject.name} has no bad constructor configs to check")
    for bad in subject.entry.bad_configs:
        try:
            with pytest.raises(bad.error, match=bad.match):
                bad.build(impl)
        except (NotImplementedError, NotProvided) as declined:
            if impl == subject.reference:
                raise
            subject.tally.unsupported(f"{impl} declines {bad.why}: {declined}")


@spec_property
def test_bad_input(subject: Subject, data) -> None:
    case = subject.draw(data, min_batch=2)
    kind = subject.kind
    for impl in (subject.reference, subject.candidate):
        net = set_training(subject.build(impl, case.cfg, seed=case.seed), True)
        x = subject.inputs(case)
        state = kind.initial_state(net, x, case.cfg)
        for why, bad, error in kind.bad_inputs(net, case.cfg, x):
            before = {k: v.clone() for k, v in state_of(net).items()}
            with pytest.raises((ValueError, TypeError)) as info:
                kind.call(net, bad, state)
            assert isinstance(info.value, error), (
                f"{impl}: {why}: expected {error.__name__}, got {type(info.value).__name__}: "
                f"{info.value}"
            )
            _assert_clear(info.value, f"{impl} {why}")
            after = state_of(net)
            assert all(torch.equal(before[k], after[k]) for k in before), (
                f"{impl}: {why}: the network changed state before rejecting the input"
            )
