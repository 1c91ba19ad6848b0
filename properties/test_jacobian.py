"""jacobian: closed-form Jacobians, their diagonals, JVPs and VJPs equal autograd.

For a Jacobian network (``properties.kinds.jacobian``), every Jacobian method of the
candidate and of the reference, on a batch and on a single 1-D input, equals ``torch.func``
applied to the *reference* network's plain forward ``f(x) = ref(x)[0]`` with the same
weights, in float32 and float64, within the condition-aware allowance of
``properties.compare`` (the truth evaluated in float64):

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
bias (the kind names its state_dict key) to exactly 0 for a drawn non-empty subset of its
units, in both twins, and sets a drawn non-empty subset of the input rows to exactly 0.
For those rows the chosen units' pre-activations are ``0 · W + 0 = 0`` exactly, while
their weights (and so their paths to the outputs) are non-zero. The comparisons'
perturbations scale values by ``1 + O(eps)``, so the planted zeros stay exact zeros.

``test_jacobian_bad_arguments`` (same cell): bad ``vec`` / ``output_partial_idx`` /
inputs of every method raise the contract's clear ``ValueError``/``TypeError`` in the
reference and the candidate alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from hypothesis import strategies as st

from properties.compare import assert_expected, expect
from properties.harness import Subject, spec_property
from properties.kinds.base import load_state, state_of
from properties.kinds.jacobian import JacobianNetwork


def _plant_zero_crossings(
    subject: Subject, data: Any, ref: Any, net: Any, x: torch.Tensor, key: str, units: int
) -> torch.Tensor:
    """Zero the first-layer bias of drawn units (both twins) and drawn input rows."""
    chosen = data.draw(
        st.lists(st.integers(0, units - 1), min_size=1, unique=True), label="zero-bias units"
    )
    rows = data.draw(
        st.lists(st.integers(0, x.shape[0] - 1), min_size=1, unique=True), label="zero rows"
    )
    state = state_of(ref)
    bias = state[key].clone()
    bias[chosen] = 0.0
    state[key] = bias
    load_state(ref, state)
    subject.share_weights(ref, net)
    x = x.clone()
    x[rows] = 0.0
    return x


def _autograd(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, v: torch.Tensor, u: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(J, J v, u^T J)`` per sample by ``torch.func`` (vmapped over the batch)."""
    jac = torch.func.vmap(torch.func.jacrev(f))(x)
    jvp = torch.func.vmap(lambda x1, v1: torch.func.jvp(f, (x1,), (v1,))[1])(x, v)
    vjp = torch.func.vmap(lambda x1, u1: torch.func.vjp(f, x1)[1](u1)[0])(x, u)
    return jac, jvp, vjp


@spec_property
def test_jacobian(subject: Subject, dtype: torch.dtype, device: str, data) -> None:
    case = subject.draw(data)
    kind = subject.kind
    assert isinstance(kind, JacobianNetwork) and kind.output_size is not None
    cfg = case.cfg
    ref, net = subject.twins(case, dtype, device)
    x = subject.inputs(case, dtype, device)
    hidden = kind.hidden(cfg)
    key = kind.first_bias(cfg) if kind.first_bias is not None and hidden else None
    planted = key is not None and data.draw(st.booleans(), label="plant zero crossings")
    if key is not None and planted:
        x = _plant_zero_crossings(subject, data, ref, net, x, key, hidden[0])
    d, n_out = x.shape[-1], kind.output_size(cfg)
    square = n_out == d
    idx = data.draw(
        st.lists(st.integers(0, n_out - 1), min_size=1, max_size=2 * n_out + 1), label="idx"
    )
    r = data.draw(st.integers(0, case.batch - 1), label="single row")
    g = torch.Generator().manual_seed(case.seed + 7)
    v = torch.randn((case.batch, d), generator=g, dtype=dtype).to(device)
    u = torch.randn((case.batch, n_out), generator=g, dtype=dtype).to(device)
    u_k = torch.randn((case.batch, len(idx)), generator=g, dtype=dtype).to(device)

    def sel(w: torch.Tensor) -> torch.Tensor:  # upstream's reading of a vjp vec with idx
        return w[..., idx] if w.shape[-1] == n_out else w

    def truth(ref: Any, x: torch.Tensor, v: torch.Tensor, u: torch.Tensor, u_k: torch.Tensor):
        def f(x1: torch.Tensor) -> torch.Tensor:
            return ref(x1)[0]

        def f_idx(x1: torch.Tensor) -> torch.Tensor:
            return ref(x1)[0][idx]

        jac, jvp, vjp = _autograd(f, x, v, u)
        _, jvp_i, vjp_i = _autograd(f_idx, x, v, sel(u))
        _, _, vjp_k = _autograd(f_idx, x, v, sel(u_k))
        with torch.no_grad():
            y = ref(x)[0]
        out = {
            "compute_jac": jac,
            "compute_jac(idx)": jac[:, idx],
            "compute_jac(1-D)": jac[r],
            "compute_jac(1-D, idx)": jac[r, idx],
            "compute_jvp": (jvp, y),
            "compute_jvp(idx)": (jvp_i, y),
            "compute_jvp(1-D, idx)": (jvp_i[r], y[r]),
            "compute_vjp": (vjp, y),
            "compute_vjp(vec of the output size, idx)": (vjp_i, y),
            "compute_vjp(vec of len(idx), idx)": (vjp_k, y),
            "compute_vjp(1-D)": (vjp[r], y[r]),
            "forward(requires_jac)": ((y, jac), ()),
            "forward(1-D, requires_jac)": ((y[r], jac[r]), ()),
        }
        if square:
            diag = torch.diagonal(jac, 0, -2, -1)
            out["compute_jac_diag"] = diag
            out["compute_jac_diag(1-D)"] = diag[r]
            out["forward(requires_jac_diag)"] = ((y, diag), ())
            out["forward(1-D, requires_jac_diag)"] = ((y[r], diag[r]), ())
        return out

    def closed(net: Any) -> dict:
        out = {
            "compute_jac": net.compute_jac(x),
            "compute_jac(idx)": net.compute_jac(x, idx),
            "compute_jac(1-D)": net.compute_jac(x[r]),
            "compute_jac(1-D, idx)": net.compute_jac(x[r], idx),
            "compute_jvp": net.compute_jvp(x, v),
            "compute_jvp(idx)": net.compute_jvp(x, v, idx),
            "compute_jvp(1-D, idx)": net.compute_jvp(x[r], v[r], idx),
            "compute_vjp": net.compute_vjp(x, u),
            "compute_vjp(vec of the output size, idx)": net.compute_vjp(x, u, idx),
            "compute_vjp(vec of len(idx), idx)": net.compute_vjp(x, u_k, idx),
            "compute_vjp(1-D)": net.compute_vjp(x[r], u[r]),
            "forward(requires_jac)": net(x, requires_jac=True),
            "forward(1-D, requires_jac)": net(x[r], requires_jac=True),
        }
        if square:
            out["compute_jac_diag"] = net.compute_jac_diag(x)
            out["compute_jac_diag(1-D)"] = net.compute_jac_diag(x[r])
            out["forward(requires_jac_diag)"] = net(x, requires_jac_diag=True)
            out["forward(1-D, requires_jac_diag)"] = net(x[r], requires_jac_diag=True)
        else:
            with pytest.raises(ValueError, match="expected"):
                net.compute_jac_diag(x)
            with pytest.raises(ValueError, match="expected"):
                net(x, requires_jac_diag=True)
        return out

    expected = expect(truth, (ref, x, v, u, u_k), dtype)
    tag = f"{subject.name} ({'with' if planted else 'no'} zero crossings, idx={idx}, row {r})"
    for impl, each in ((subject.reference, ref), (subject.candidate, net)):
        assert_expected(closed(each), expected, f"{tag}, {impl}:")


def _bad_calls(net: Any, x: torch.Tensor, n_out: int) -> list[tuple[str, Callable, type]]:
    """(why, call, error) for bad arguments of every Jacobian method."""
    b, d = x.shape
    other = torch.float64 if x.dtype == torch.float32 else torch.float32
    v, u = torch.zeros(b, d, dtype=x.dtype), torch.zeros(b, n_out, dtype=x.dtype)
    k = n_out + 1
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
        (
            "vjp vec neither len(idx) nor the output size",
            lambda: net.compute_vjp(x, torch.zeros(b, k + 1, dtype=x.dtype), [0] * k),
            ValueError,
        ),
    ]
    if n_out != d:
        calls.append(("jac_diag of a non-square net", lambda: net.compute_jac_diag(x), ValueError))
    return calls


@spec_property
def test_jacobian_bad_arguments(subject: Subject, data) -> None:
    case = subject.draw(data, min_batch=2)
    kind = subject.kind
    assert isinstance(kind, JacobianNetwork) and kind.output_size is not None
    n_out = kind.output_size(case.cfg)
    for impl in (subject.reference, subject.candidate):
        net = subject.build(impl, case.cfg, seed=case.seed)
        x = subject.inputs(case)
        for why, call, error in _bad_calls(net, x, n_out):
            with pytest.raises((ValueError, TypeError)) as info:
                call()
            assert isinstance(info.value, error), (
                f"{impl}: {why}: expected {error.__name__}, got {type(info.value).__name__}: "
                f"{info.value}"
            )
            msg = str(info.value)
            assert "expected" in msg and "got" in msg, f"{impl} {why}: unclear error {msg!r}"
