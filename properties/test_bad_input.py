"""bad_input: bad constructor arguments and bad inputs (the kind's corruptions: shape, dtype,
nest structure, outer rank, out-of-range values) raise a ``ValueError`` / ``TypeError`` that
says what was expected and what arrived, in the reference and in the candidate alike,
before any state changes."""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Iterator

import pytest
import torch
import torch.distributions as td
from hypothesis import strategies as st

from properties.candidate import NotProvided
from properties.config_ranges import RANGES, bad_values
from properties.harness import Subject, spec_property
from properties.kinds.base import floating_buffers, seeded, set_training, state_of
from properties.kinds.distribution import Distributional, distributional
from properties.strategies import nonfinite_tensor
from reference.specs import flatten, pack_sequence_as


def _assert_clear(err: BaseException, why: str) -> None:
    msg = str(err)
    assert "expected" in msg and "got" in msg, f"{why}: unclear error message {msg!r}"


@pytest.mark.parametrize("side", ["reference", "candidate"])
def test_bad_input_configs(subject: Subject, side: str) -> None:
    impl = subject.reference if side == "reference" else subject.candidate
    if not subject.entry.bad_configs:
        pytest.skip(f"{subject.name} has no bad constructor configs to check")
    for bad in subject.entry.bad_configs:
        expected = f"{impl}: {bad.why}: expected {bad.error.__name__} matching {bad.match!r}"
        try:
            bad.build(impl)
        except (NotImplementedError, NotProvided) as declined:
            if impl == subject.reference:
                raise
            subject.tally.unsupported(f"{impl} declines {bad.why}: {declined}")
            continue
        except Exception as err:  # the failure names what was expected, without -v
            if isinstance(err, bad.error) and re.search(bad.match, str(err)):
                continue
            raise AssertionError(f"{expected}, got {type(err).__name__}: {err}") from err
        raise AssertionError(f"{expected}, but the build succeeded")


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


@spec_property
def test_bad_input_state(subject: Subject, data) -> None:
    """A state that does not fit its input (another batch, dtype, width or nest structure)
    and, for a sequence API, a bad ``first_step`` (not bool, not ``[T, B]``): the kind's
    bad calls (``Kind.bad_calls``) raise the declared clear error, in the reference and the
    candidate alike (so both give the same outcome class), before any state changes: never
    a broadcast state, never a deep torch error (contract item 8)."""
    kind = subject.kind
    stateless = kind.reason("recurrent_steps") or kind.instance_reasons().get("recurrent_steps")
    if stateless:
        pytest.skip(f"{subject.name} has no state: {stateless}")
    case = subject.draw(data, min_batch=2)
    outcomes: list[list[str]] = []
    for impl in (subject.reference, subject.candidate):
        net = set_training(subject.build(impl, case.cfg, seed=case.seed), True)
        x = subject.inputs(case)
        state = kind.initial_state(net, x, case.cfg)
        calls = kind.bad_calls(net, case.cfg, x, state)
        if not calls:
            subject.tally.note("some drawn configs have no state or sequence call to get wrong")
            return
        outcomes.append([why for why, _, _ in calls])
        for why, call, error in calls:
            before = {k: v.clone() for k, v in state_of(net).items()}
            with pytest.raises((ValueError, TypeError)) as info, torch.no_grad():
                call()
            assert isinstance(info.value, error), (
                f"{impl}: {why}: expected {error.__name__}, got {type(info.value).__name__}: "
                f"{info.value}"
            )
            _assert_clear(info.value, f"{impl} {why}")
            after = state_of(net)
            assert all(torch.equal(before[k], after[k]) for k in before), (
                f"{impl}: {why}: the network changed state before rejecting the call"
            )
    ref, cand = outcomes
    assert ref == cand, f"the reference and the candidate have different bad calls: {ref} {cand}"


@spec_property
def test_bad_input_log_prob_values(subject: Subject, data) -> None:
    """A distribution's ``log_prob`` rejects a wrongly shaped value with our ``ValueError``
    always, and a value outside the support with our ``ValueError`` while torch's
    validation switch is on (the default) and ``-inf`` when it is off: the same in the
    reference and the candidate (contract items 6 and 7)."""
    if not isinstance(subject.kind, Distributional):
        pytest.skip(f"{subject.name} returns no distribution")
    case = subject.draw(data, min_batch=2)
    kind = distributional(subject.kind)
    for impl in (subject.reference, subject.candidate):
        net = subject.build(impl, case.cfg, seed=case.seed)
        x = subject.inputs(case)
        for validate in (True, False):
            with validation(validate), torch.no_grad():
                dist = kind.distribution(net, x, case.cfg)
                if type(dist).__module__.startswith("torch."):
                    subject.tally.note(
                        f"{impl} returns torch's own {type(dist).__name__} (the entry's user "
                        "code): its value checks are torch's, not the implementation's"
                    )
                    continue
                for why, value, outside in kind.bad_values(dist, case.cfg):
                    if outside and not validate:
                        lp = kind.log_prob(dist, value)
                        assert bool((lp == -torch.inf).all()), (
                            f"{impl}: {why}: log_prob with validation off is {lp.flatten()[:4]}, "
                            "expected -inf"
                        )
                        continue
                    with pytest.raises(ValueError) as info:
                        kind.log_prob(dist, value)
                    _assert_clear(info.value, f"{impl} log_prob of a {why}")


@contextlib.contextmanager
def validation(on: bool) -> Iterator[None]:
    """torch.distributions' global validation switch set to ``on`` inside the block."""
    was = bool(td.Distribution._validate_args)
    td.Distribution.set_default_validate_args(on)
    try:
        yield
    finally:
        td.Distribution.set_default_validate_args(was)


@spec_property
def test_bad_input_nonfinite(subject: Subject, data) -> None:
    """A NaN or inf in an input (a training-mode call): the reference and the candidate agree
    on whether it is rejected (with our clear error); where it is not, it may propagate into
    that call's outputs but never into persistent state: the floating buffers (a
    normaliser's statistics, batch-norm moments) stay finite and a later call on clean
    inputs gives no NaN (contract item 7)."""
    case = subject.draw(data, min_batch=2)
    value = data.draw(st.sampled_from([math.nan, math.inf, -math.inf]), label="non-finite")
    kind = subject.kind
    raised = {}
    for impl in (subject.reference, subject.candidate):
        net = set_training(subject.build(impl, case.cfg, seed=case.seed), True)
        x = subject.inputs(case)
        leaves = flatten(x)
        floats = [i for i, t in enumerate(leaves) if t.is_floating_point() and t.numel()]
        if not floats:
            pytest.skip(f"{subject.name} takes no floating inputs")
        i = floats[0]
        bad = pack_sequence_as(
            x, [nonfinite_tensor(t, value) if j == i else t for j, t in enumerate(leaves)]
        )
        try:
            with torch.no_grad(), seeded(case.seed):
                kind.call(net, bad, kind.initial_state(net, bad, case.cfg))
            raised[impl] = False
        except (ValueError, TypeError) as error:
            if not _from_torch_distributions(error):  # an entry's user code may use torch's
                _assert_clear(error, f"{impl} {value} input")
            raised[impl] = True
        for buffer in floating_buffers(net):
            assert bool(torch.isfinite(buffer).all()), (
                f"{impl}: a {value} input entered persistent state: {buffer.flatten()[:6]}"
            )
        with torch.no_grad():
            observed = kind.observe(net, x, case.cfg, seed=case.seed)
        for t in flatten(observed):
            if isinstance(t, torch.Tensor) and t.is_floating_point():
                assert not bool(torch.isnan(t).any()), (
                    f"{impl}: after a {value} input, clean inputs give NaN: {t.flatten()[:6]}"
                )
    ref, cand = raised[subject.reference], raised[subject.candidate]
    assert ref == cand, (
        f"on a {value} input the reference {'raises' if ref else 'does not raise'}, the "
        f"candidate {'raises' if cand else 'does not raise'}"
    )


def _from_torch_distributions(error: BaseException) -> bool:
    """Whether ``error`` was raised by torch.distributions' own argument validation."""
    tb = error.__traceback__
    last = None
    while tb is not None:
        last, tb = tb.tb_frame.f_code.co_filename, tb.tb_next
    return last is not None and "torch/distributions" in last.replace("\\", "/")


@spec_property
def test_bad_input_config_values(subject: Subject, data) -> None:
    """Every config key the entry declares in a range (``Entry.config_ranges``) set in turn
    to each value outside it (NaN, +-inf, out of range, a string for a bool): the build, or
    else the first call, raises a clear ``ValueError`` / ``TypeError`` naming the key, in
    the reference and the candidate alike (contract item 6)."""
    ranges = subject.entry.config_ranges
    if not ranges:
        pytest.skip(f"{subject.name} declares no config ranges")
    case = subject.draw(data)
    kind = subject.kind
    for key in sorted(k for k in ranges if k in case.cfg):
        for value in bad_values(ranges[key]):
            cfg = {**case.cfg, key: value}
            for impl in (subject.reference, subject.candidate):
                with pytest.raises((ValueError, TypeError)) as info:
                    net = subject.build(impl, cfg, seed=case.seed)
                    x = subject.inputs(case)
                    with torch.no_grad(), seeded(case.seed):
                        kind.call(net, x, kind.initial_state(net, x, cfg))
                why = f"{impl} with {key}={value!r} ({RANGES[ranges[key]][0]} expected)"
                _assert_clear(info.value, why)
                assert key in str(info.value), f"{why}: the error does not name {key}: {info.value}"
