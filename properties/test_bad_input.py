"""bad_input: bad constructor arguments and bad inputs (shape, dtype, nest structure, outer
rank, out-of-range discrete values) raise a ``ValueError``/``TypeError`` that says what was
expected and what arrived, in the reference and in the candidate alike, before any state
changes."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from properties.entry import parameters_of, set_training, state_of
from properties.harness import build, draw_case, entry_under_test, inputs_for
from properties.impl import REFERENCE
from reference.specs import BoundedTensorSpec, Nest, flatten, is_nested, pack_sequence_as


def _bad_inputs(spec: Nest, x: Nest, typed: bool) -> list[tuple[str, Nest, type[Exception]]]:
    """Corruptions of a valid input ``x`` and the error each must raise (``typed``: the
    network has floating parameters, so its float dtype is fixed)."""
    specs, leaves = flatten(spec), flatten(x)
    out: list[tuple[str, Nest, type[Exception]]] = []

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


def _assert_clear(err: BaseException, why: str) -> None:
    msg = str(err)
    assert "expected" in msg and "got" in msg, f"{why}: unclear error message {msg!r}"


@pytest.mark.parametrize("impl_name", ["reference", "candidate"])
def test_bad_input_configs(entry: str, impl_name: str) -> None:
    e, cand = entry_under_test(entry)
    impl = REFERENCE if impl_name == "reference" else cand
    if not e.bad_configs:
        pytest.skip(f"{entry} has no bad constructor configs to check")
    for bad in e.bad_configs:
        with pytest.raises(bad.error, match=bad.match):
            bad.build(impl)


@given(data=st.data())
def test_bad_input(entry: str, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    case = draw_case(data, e, min_batch=2)
    for impl in (REFERENCE, cand):
        net = set_training(build(e, impl, case.cfg, seed=case.seed), True)
        x = inputs_for(e, net, case, torch.float32)
        if e.bad_inputs is not None:
            corruptions = e.bad_inputs(net, case.cfg, x)
        else:
            typed = any(p.dtype.is_floating_point for _, p in parameters_of(net))
            corruptions = _bad_inputs(e.input_spec(net, case.cfg), x, typed)
        for why, bad, error in corruptions:
            before = {k: v.clone() for k, v in state_of(net).items()}
            with pytest.raises((ValueError, TypeError)) as info:
                e.outputs(net, bad)
            assert isinstance(info.value, error), (
                f"{impl}: {why}: expected {error.__name__}, got {type(info.value).__name__}: "
                f"{info.value}"
            )
            _assert_clear(info.value, f"{impl} {why}")
            after = state_of(net)
            assert all(torch.equal(before[k], after[k]) for k in before), (
                f"{impl}: {why}: the network changed state before rejecting the input"
            )
