"""flow_logdet: a flow's ``log |det J|`` is the log-determinant of its autograd Jacobian.

* Flows: the transform's ``log_abs_det_jacobian(x, f(x))`` equals ``slogdet`` of
  ``torch.func.jacrev`` of the forward map at ``x`` (float64 copy of the same network), for
  the pair the transform just produced (what a fused implementation may cache), for copies
  of it (recomputed), for a pair it did not produce (a stale cache answers wrongly), and
  through the inverse transform after an inverse
  (``log |det J_{f^-1}(y)| = -log |det J_f(x)|``). Every mask mode and ``sub_dim`` 0, D.
* RealNVP coupling layers (reference always; a candidate whose transform exposes its
  layers as ``ComposeTransform.parts``): after putting the kept coordinates first, each
  layer's Jacobian is lower triangular with an identity block on the kept coordinates and
  a positive diagonal (``g(s)``) on the changed ones, and its log-det is that diagonal's.
* LatentActorDistributionNetwork: ``log_prob`` of fresh reparameterised samples (the
  cached path of SAC's update) and of copies of them (the inverse path) equals the prior
  log-density of the inverse plus the log-det of the inverse from the autograd Jacobian
  (``properties.entries.alf_flows.latent_model``).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
import torch
import torch.distributions as td
from hypothesis import given
from hypothesis import strategies as st

from properties.autodiff import as_float64, row_jacobians
from properties.entries.alf_flows import join, latent_model, split, variants
from properties.entry import state_of
from properties.harness import build, build_twins, draw_case, entry_under_test, inputs_for
from properties.impl import REFERENCE
from reference.specs import Nest, map_structure

#: log-det agreement: float64 tight; float32 against the float64 Jacobian of the same weights.
TOL = {torch.float64: 1e-8, torch.float32: 2e-4}


def _close(actual: torch.Tensor, expected: torch.Tensor, dtype: torch.dtype, what: str) -> None:
    tol = TOL[dtype] * max(1.0, float(expected.abs().max()))
    torch.testing.assert_close(
        actual.double(), expected.double(), rtol=0, atol=tol, msg=lambda m: what + m
    )


def check_flow_logdet(
    net: Any, xz: Nest, x_other: torch.Tensor, dtype: torch.dtype, what: str
) -> None:
    x, z = split(net, xz)
    net64, z64 = copy.deepcopy(net).double(), as_float64(z)

    def log_det_at(v: torch.Tensor) -> torch.Tensor:
        return torch.linalg.slogdet(row_jacobians(lambda u: net64(join(u, z64))[0], v.double()))[1]

    with torch.no_grad():
        t = net.make_invertible_transform(z)
        x = x.clone()
        y = t(x)
        _close(t.log_abs_det_jacobian(x, y), log_det_at(x), dtype, what + "cached pair ")
        _close(t.log_abs_det_jacobian(x.clone(), y.clone()), log_det_at(x), dtype, what + "copies ")
        # a pair this transform did not produce (computed by a copy of the network)
        y_other = copy.deepcopy(net)(join(x_other, z))[0]
        got = t.log_abs_det_jacobian(x_other, y_other)
        _close(got, log_det_at(x_other), dtype, what + "another pair ")
        y_fresh = y.clone()
        x_back = t.inv(y_fresh)
        minus = t.inv.log_abs_det_jacobian(y_fresh, x_back)
    _close(-minus, log_det_at(x_back), dtype, what + "inverse ")


def check_coupling_layers(net: Any, xz: Nest, what: str) -> None:
    """The triangular structure of every coupling layer (float64)."""
    net64 = copy.deepcopy(net).double()
    x, z = split(net64, map_structure(lambda t: t.double() if t.is_floating_point() else t, xz))
    masks = state_of(net64)["_masks"]
    with torch.no_grad():
        t = net64.make_invertible_transform(z)
    parts = t.parts if isinstance(t, td.ComposeTransform) else [t]
    assert len(parts) == masks.shape[0], f"{what}: {len(parts)} layers, {masks.shape[0]} masks"
    for layer, (part, mask) in enumerate(zip(parts, masks)):
        b = mask.reshape(-1)
        order = torch.cat([torch.nonzero(b).flatten(), torch.nonzero(~b).flatten()])
        k = int(b.sum())
        jac = row_jacobians(lambda v, part=part: part(v), x)[:, order][:, :, order]
        where = f"{what} layer {layer}: "
        eye = torch.eye(k, dtype=jac.dtype).expand(jac.shape[0], k, k)
        torch.testing.assert_close(
            jac[:, :k, :k], eye, msg=lambda m, w=where: w + "kept block " + m
        )
        assert bool((jac[:, :k, k:] == 0).all()), where + "kept rows depend on changed inputs"
        changed = jac[:, k:, k:]
        diag = torch.diagonal(changed, dim1=-2, dim2=-1)
        assert bool((changed - torch.diag_embed(diag) == 0).all()), where + "not diagonal"
        assert bool((diag > 0).all()), where + "non-positive scale"
        with torch.no_grad():
            y = part(x)
            got = part.log_abs_det_jacobian(x.clone(), y.clone())
        torch.testing.assert_close(
            got, diag.log().sum(-1), rtol=0, atol=1e-9, msg=lambda m, w=where: w + "log-det " + m
        )
        x = y


def _log_prob_sensitivity(dist64: td.Distribution, a: torch.Tensor) -> np.ndarray:
    """``sum_j |d log p / d a_j| |a_j|`` (float64): how much rounding ``a`` to the float32
    grid can move its log-density (large where a squashed action nears its bound)."""
    a64 = a.detach().double().requires_grad_(True)
    (grad,) = torch.autograd.grad(dist64.log_prob(a64).sum(), a64)
    return (grad.abs() * a64.detach().abs()).sum(-1).numpy()


def check_latent_log_prob(entry: Any, cand: Any, case: Any, dtype: torch.dtype, what: str) -> None:
    """float64: within 1e-7 of the model; float32: within 1e-4 plus the log-density's
    sensitivity to rounding the action (:func:`_log_prob_sensitivity`)."""
    ref, net = build_twins(entry, cand, case, dtype)
    ref64 = copy.deepcopy(ref).double()
    obs = inputs_for(entry, ref, case, dtype)
    dist64 = entry.dist.dist(ref64, as_float64(obs))
    with torch.no_grad():
        model = latent_model(dist64, ref64)
        dist = entry.dist.dist(net, obs)
        torch.manual_seed(case.seed)
        a = dist.rsample((2,))
    eps = torch.finfo(dtype).eps
    tol = (1e-7 if dtype == torch.float64 else 1e-4) + 16 * eps * _log_prob_sensitivity(dist64, a)
    for name, value in (("fresh sample", a), ("copy of a sample", a.clone())):
        with torch.no_grad():
            got = dist.log_prob(value).double().numpy()
        want = model.log_prob(value.double().numpy())
        # a float32 sample rounded onto a bound of the action box has no density left to
        # compare (-inf); the fresh-sample path still knows its pre-image
        inside = np.isfinite(want) | (dtype == torch.float64)
        err = np.abs(got - want) - tol * np.maximum(1.0, np.abs(want))
        assert bool((err[inside] <= 0).all()), (
            f"{what}: log_prob of a {name}: got {got}, the change of variables gives {want}"
        )


@given(data=st.data())
def test_flow_logdet(entry: str, dtype: torch.dtype, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    case = draw_case(data, e)
    if e.dist is not None:
        check_latent_log_prob(e, cand, case, dtype, entry)
        return
    for cfg in variants(case.cfg):
        for impl in (REFERENCE, cand):
            net = build(e, impl, cfg, dtype, seed=case.seed, perturbed=True)
            xz = inputs_for(e, net, case, dtype)
            x_other = split(net, inputs_for(e, net, case, dtype, seed_offset=1))[0]
            variant = f"{cfg.get('mask_mode')}, sub_dim {cfg.get('sub_dim')}"
            what = f"{entry} ({impl.module_name}, {variant}): "
            check_flow_logdet(net, xz, x_other, dtype, what)
            if "_masks" in state_of(net) and (impl is REFERENCE or dtype == torch.float64):
                check_coupling_layers(net, xz, what)


def expected_kept(mode: str, d: int, sub_dim: int) -> torch.Tensor | None:
    """The kept coordinates of an even layer's mask (None: random, checked by count)."""
    if mode == "contiguous":
        return torch.arange(d) < sub_dim
    if mode == "distributed":
        b = torch.zeros(d, dtype=torch.bool)
        if sub_dim:
            b[torch.arange(0, (d // sub_dim) * sub_dim, d // sub_dim)] = True
        return b
    return None


@given(data=st.data())
def test_flow_logdet_masks(entry: str, data: st.DataObject) -> None:
    """The coupling masks the log-det rests on: even layers keep ``sub_dim`` coordinates
    placed as the mode says (the first ones, every ``D // sub_dim``-th one, or a random
    draw per pair of layers), odd layers keep exactly the others."""
    e, cand = entry_under_test(entry)
    case = draw_case(data, e)
    for cfg in variants(case.cfg):
        for impl in (REFERENCE, cand):
            state = state_of(build(e, impl, cfg, seed=case.seed))
            if "_masks" not in state:
                pytest.skip(f"{entry} has no coupling masks")
            masks = state["_masks"].reshape(state["_masks"].shape[0], -1)
            d = masks.shape[1]
            sub_dim = d // 2 if cfg["sub_dim"] is None else cfg["sub_dim"]
            what = f"{entry} ({impl.module_name}, {cfg['mask_mode']}, sub_dim {sub_dim})"
            want = expected_kept(cfg["mask_mode"], d, sub_dim)
            for layer, b in enumerate(masks):
                if layer % 2:
                    assert torch.equal(b, ~masks[layer - 1]), f"{what}: layer {layer} not flipped"
                elif want is not None:
                    assert torch.equal(b, want), f"{what}: layer {layer} keeps {b.tolist()}"
                else:
                    assert int(b.sum()) == sub_dim, f"{what}: layer {layer} keeps {int(b.sum())}"
