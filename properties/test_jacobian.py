"""jacobian: closed-form Jacobians, their diagonals, JVPs and VJPs equal autograd.

For an entry with the ``jacobian`` property (``alf.ReluMLP``), every Jacobian method of the
candidate, on a batch and on a single 1-D input, equals ``torch.func`` applied to the
*reference* network's plain forward ``f(x) = ref(x)[0]`` with the same weights, in float32
and float64:

* ``compute_jac(x)`` and ``compute_jac(x, idx)`` == ``vmap(jacrev(f))(x)`` (rows ``idx``);
  ``idx`` is a drawn list of output indices, repeats and any order allowed;
* ``compute_jac_diag(x)`` == its diagonal for square networks, a ``ValueError`` otherwise;
* ``compute_jvp(x, v[, idx])`` == ``vmap(jvp(f))``, ``compute_vjp(x, u[, idx])`` ==
  ``vmap(vjp(f))`` (with ``idx``: of ``x -> f(x)[idx]``), for ``u`` of ``len(idx)`` and of the
  output size (then read as ``u[..., idx]``, also when both sizes agree, upstream's rule);
  both return the outputs too, which must equal the reference's;
* ``forward(x, requires_jac=True)`` / ``forward(x, requires_jac_diag=True)``.

Exact zero crossings. The ReLU derivative at exactly 0 is 0 (mask ``h > 0``, as torch's
ReLU backward); a mask ``h >= 0`` differs only where a pre-activation is exactly 0, which
random floats never produce. So in a drawn fraction of the examples (about half, when the
network has a hidden layer) the test constructs such points: it sets the first layer's
bias to exactly 0 for a drawn non-empty subset of its units (in both twins) and sets a
drawn non-empty subset of the input rows to exactly 0. For those rows the chosen units'
pre-activations are ``0 · W + 0 = 0`` exactly, while their weights (and so their paths to
the outputs) are non-zero.

Tolerances: ``harness.TOLERANCES`` (the parity contract), widened 10x in float32 because the
closed forms and autograd sum the same products over all hidden paths in different orders.

``test_jacobian_bad_arguments`` (same cell): bad ``vec`` / ``output_partial_idx`` /
inputs of every method raise the contract's clear ``ValueError``/``TypeError`` in the
reference and the candidate alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from properties.entry import load_state, state_of
from properties.harness import (
    assert_nest_close,
    build,
    build_twins,
    draw_case,
    entry_under_test,
    inputs_for,
)
from properties.impl import REFERENCE

#: float32 tolerance factor (summation order over the hidden paths); float64 uses 1x.
SCALE = {torch.float32: 10.0, torch.float64: 1.0}
FIRST_BIAS = "_fc_layers.0.bias"


def _plant_zero_crossings(
    data: st.DataObject, ref: Any, net: Any, x: torch.Tensor, hidden: tuple[int, ...]
) -> torch.Tensor:
    """Zero the first-layer bias of drawn units (both twins) and drawn input rows."""
    units = data.draw(
        st.lists(st.integers(0, hidden[0] - 1), min_size=1, unique=True), label="zero-bias units"
    )
    rows = data.draw(
        st.lists(st.integers(0, x.shape[0] - 1), min_size=1, unique=True), label="zero rows"
    )
    state = state_of(ref)
    bias = state[FIRST_BIAS].clone()
    bias[units] = 0.0
    state[FIRST_BIAS] = bias
    load_state(ref, state)
    load_state(net, state)
    x = x.clone()
    x[rows] = 0.0
    return x


def _autograd(
    f: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    v: torch.Tensor,
    u: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(J, J v, u^T J)`` per sample by ``torch.func`` (vmapped over the batch)."""
    jac = torch.func.vmap(torch.func.jacrev(f))(x)
    jvp = torch.func.vmap(lambda x1, v1: torch.func.jvp(f, (x1,), (v1,))[1])(x, v)
    vjp = torch.func.vmap(lambda x1, u1: torch.func.vjp(f, x1)[1](u1)[0])(x, u)
    return jac, jvp, vjp


@given(data=st.data())
def test_jacobian(entry: str, dtype: torch.dtype, device: str, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    case = draw_case(data, e)
    ref, net = build_twins(e, cand, case, dtype, device)
    x = inputs_for(e, ref, case, dtype, device)
    hidden = tuple(case.cfg["hidden_layers"])
    planted = bool(hidden) and data.draw(st.booleans(), label="plant zero crossings")
    if planted:
        x = _plant_zero_crossings(data, ref, net, x, hidden)
    d = x.shape[-1]
    n_out = e.output_spec(ref, case.cfg).shape[0]
    idx = data.draw(
        st.lists(st.integers(0, n_out - 1), min_size=1, max_size=2 * n_out + 1), label="idx"
    )
    r = data.draw(st.integers(0, case.batch - 1), label="single row")
    g = torch.Generator().manual_seed(case.seed + 7)
    v = torch.randn((case.batch, d), generator=g, dtype=dtype).to(device)
    u = torch.randn((case.batch, n_out), generator=g, dtype=dtype).to(device)
    u_k = torch.randn((case.batch, len(idx)), generator=g, dtype=dtype).to(device)

    def f(x1: torch.Tensor) -> torch.Tensor:
        return ref(x1)[0]

    def f_idx(x1: torch.Tensor) -> torch.Tensor:
        return ref(x1)[0][idx]

    def sel(w: torch.Tensor) -> torch.Tensor:  # upstream's reading of a vjp vec with idx
        return w[..., idx] if w.shape[-1] == n_out else w

    jac, jvp, vjp = _autograd(f, x, v, u)
    _, jvp_i, vjp_i = _autograd(f_idx, x, v, sel(u))
    _, _, vjp_k = _autograd(f_idx, x, v, sel(u_k))
    with torch.no_grad():
        y = ref(x)[0]
    tag = f"{entry} ({'with' if planted else 'no'} zero crossings)"

    def close(actual: Any, expected: Any, what: str) -> None:
        assert_nest_close(actual, expected, dtype, f"{tag} {what}", scale=SCALE[dtype])

    close(net.compute_jac(x), jac, "compute_jac")
    close(net.compute_jac(x, idx), jac[:, idx], f"compute_jac(idx={idx})")
    close(net.compute_jac(x[r]), jac[r], "compute_jac of a 1-D input")
    close(net.compute_jac(x[r], idx), jac[r, idx], f"compute_jac(1-D, idx={idx})")
    close(net.compute_jvp(x, v), (jvp, y), "compute_jvp")
    close(net.compute_jvp(x, v, idx), (jvp_i, y), f"compute_jvp(idx={idx})")
    close(net.compute_jvp(x[r], v[r], idx), (jvp_i[r], y[r]), "compute_jvp of a 1-D input")
    close(net.compute_vjp(x, u), (vjp, y), "compute_vjp")
    close(net.compute_vjp(x, u, idx), (vjp_i, y), f"compute_vjp(vec of output size, idx={idx})")
    close(net.compute_vjp(x, u_k, idx), (vjp_k, y), f"compute_vjp(vec of len(idx), idx={idx})")
    close(net.compute_vjp(x[r], u[r]), (vjp[r], y[r]), "compute_vjp of a 1-D input")
    close(net(x, requires_jac=True), ((y, jac), ()), "forward(requires_jac=True)")
    close(net(x[r], requires_jac=True), ((y[r], jac[r]), ()), "forward(1-D, requires_jac=True)")
    if n_out == d:
        diag = torch.diagonal(jac, 0, -2, -1)
        close(net.compute_jac_diag(x), diag, "compute_jac_diag")
        close(net.compute_jac_diag(x[r]), diag[r], "compute_jac_diag of a 1-D input")
        close(net(x, requires_jac_diag=True), ((y, diag), ()), "forward(requires_jac_diag=True)")
        close(
            net(x[r], requires_jac_diag=True),
            ((y[r], diag[r]), ()),
            "forward(1-D, requires_jac_diag=True)",
        )
    else:
        with pytest.raises(ValueError, match="expected"):
            net.compute_jac_diag(x)
        with pytest.raises(ValueError, match="expected"):
            net(x, requires_jac_diag=True)


def _bad_calls(net: Any, x: torch.Tensor, n_out: int) -> list[tuple[str, Callable, type]]:
    """(why, call, error) for bad arguments of every Jacobian method."""
    b, d = x.shape
    other = torch.float64 if x.dtype == torch.float32 else torch.float32
    v, u = torch.zeros(b, d, dtype=x.dtype), torch.zeros(b, n_out, dtype=x.dtype)
    calls: list[tuple[str, Callable, type]] = [
        ("compute_jac of a 3-D input", lambda: net.compute_jac(x[None]), ValueError),
        (
            "compute_jac of a wider input",
            lambda: net.compute_jac(torch.cat([x, x], -1)),
            ValueError,
        ),
        ("compute_jac of int32 input", lambda: net.compute_jac(x.to(torch.int32)), TypeError),
        ("compute_jac of a list", lambda: net.compute_jac([x]), TypeError),
        ("idx out of range", lambda: net.compute_jac(x, [0, n_out]), ValueError),
        ("negative idx", lambda: net.compute_jac(x, [-1]), ValueError),
        ("empty idx", lambda: net.compute_jac(x, []), ValueError),
        ("float idx", lambda: net.compute_jac(x, [0.0]), TypeError),
        ("jvp vec batch mismatch", lambda: net.compute_jvp(x, v[:-1]), ValueError),
        ("jvp vec feature size", lambda: net.compute_jvp(x, torch.cat([v, v], -1)), ValueError),
        ("jvp vec unbatched for a batch", lambda: net.compute_jvp(x, v[0]), ValueError),
        ("jvp vec dtype", lambda: net.compute_jvp(x, v.to(other)), TypeError),
        ("jvp vec not a tensor", lambda: net.compute_jvp(x, v.tolist()), TypeError),
        ("jvp idx out of range", lambda: net.compute_jvp(x, v, [n_out]), ValueError),
        ("vjp vec batch mismatch", lambda: net.compute_vjp(x, u[:-1]), ValueError),
        ("vjp vec feature size", lambda: net.compute_vjp(x, torch.cat([u, u], -1)), ValueError),
        ("vjp vec batched for a 1-D input", lambda: net.compute_vjp(x[0], u), ValueError),
        ("vjp vec dtype", lambda: net.compute_vjp(x, u.to(other)), TypeError),
        ("jac_diag of a 3-D input", lambda: net.compute_jac_diag(x[None]), ValueError),
        ("forward of a 3-D input", lambda: net(x[None], requires_jac=True), ValueError),
    ]
    k = n_out + 1
    calls.append(
        (
            "vjp vec neither len(idx) nor the output size",
            lambda: net.compute_vjp(x, torch.zeros(b, k + 1, dtype=x.dtype), [0] * k),
            ValueError,
        )
    )
    if n_out != d:
        calls.append(("jac_diag of a non-square net", lambda: net.compute_jac_diag(x), ValueError))
    return calls


@given(data=st.data())
def test_jacobian_bad_arguments(entry: str, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    case = draw_case(data, e, min_batch=2)
    for impl in (REFERENCE, cand):
        net = build(e, impl, case.cfg, seed=case.seed)
        x = inputs_for(e, net, case, torch.float32)
        n_out = e.output_spec(net, case.cfg).shape[0]
        for why, call, error in _bad_calls(net, x, n_out):
            with pytest.raises((ValueError, TypeError)) as info:
                call()
            assert isinstance(info.value, error), (
                f"{impl}: {why}: expected {error.__name__}, got {type(info.value).__name__}: "
                f"{info.value}"
            )
            msg = str(info.value)
            assert "expected" in msg and "got" in msg, f"{impl} {why}: unclear error {msg!r}"
