"""flow_inverse: ``inverse(forward(x)) == x`` and ``forward(inverse(y)) == y``.

For every flow entry, in the reference and in the candidate, float64 (tight) and float32
(within tolerance): through the network (``forward`` / ``inverse``, with and without
conditional inputs) and through its transform with extra sample dims (``x`` ``[S, B, ...]``
conditioned on a ``[B, ...]`` ``z``, which must equal the network applied to each sample).
A RealNVP case runs every mask mode with ``sub_dim`` 0, D and the drawn value
(:func:`properties.entries.alf_flows.variants`). Fresh tensors are inverted, so the
transforms' ``(x, y)`` caches cannot answer; ``test_flow_inverse_cache`` checks the caches
themselves.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from hypothesis import given
from hypothesis import strategies as st

from properties.autodiff import as_float64, row_jacobians
from properties.entries.alf_flows import join, split, variants
from properties.harness import build, draw_case, entry_under_test, inputs_for
from properties.impl import REFERENCE
from reference.specs import Nest

#: Round-trip tolerance in units of the dtype's epsilon, times the size of what is compared:
#: ``max(1, |x|, gain * |y|)`` where ``gain`` is how much the map applied last amplifies a
#: perturbation of its input (the largest row sum of its float64 Jacobian). A layer with a
#: scale near ``exp(-10)`` (clipped_exp's floor) makes its inverse amplify the forward
#: pass's rounding by ``exp(10)``: that is the conditioning of the flow, not an error.
EPS_UNITS = 1000
SAMPLES = 3


def gain(fn: Callable[[torch.Tensor], torch.Tensor], v: torch.Tensor) -> float:
    """``max_b ||d fn(v)_b / d v_b||_inf`` in float64."""
    return float(row_jacobians(fn, v).abs().sum(-1).max())


def _close(
    actual: torch.Tensor, expected: torch.Tensor, size: float, dtype: torch.dtype, what: str
) -> None:
    tol = EPS_UNITS * torch.finfo(dtype).eps * max(1.0, size)
    torch.testing.assert_close(actual, expected, rtol=0, atol=tol, msg=lambda m: what + m)


def _max(t: torch.Tensor) -> float:
    return float(t.detach().abs().max())


def check_round_trips(net: Any, xz: Nest, dtype: torch.dtype, seed: int, what: str) -> None:
    """Every round trip of the module doc for one built flow and one batch of inputs."""
    x, z = split(net, xz)
    net64, z64 = copy.deepcopy(net).double(), as_float64(z)

    def forward64(v: torch.Tensor) -> torch.Tensor:
        return net64(join(v, z64))[0]

    def inverse64(v: torch.Tensor) -> torch.Tensor:
        return net64.inverse(join(v, z64))[0]

    with torch.no_grad():
        y = net(xz)[0]
        x_back = net.inverse(join(y.clone(), z))[0]
        x_of_y = net.inverse(xz)[0]
        y_back = net(join(x_of_y.clone(), z))[0]
    size = max(_max(x), gain(inverse64, y.double()) * _max(y))
    _close(x_back, x, size, dtype, what + "f^-1(f(x)) ")
    size = max(_max(x), gain(forward64, x_of_y.double()) * _max(x_of_y))
    _close(y_back, x, size, dtype, what + "f(f^-1(y)) ")

    g = torch.Generator().manual_seed(seed)
    xs = torch.randn((SAMPLES, *x.shape), generator=g, dtype=dtype)
    with torch.no_grad():
        transform = net.make_invertible_transform(z)
        ys = transform(xs)
        one_by_one = torch.stack([net(join(xs[s].clone(), z))[0] for s in range(SAMPLES)])
        xs_back = transform.inv(ys.clone())
    fwd_gain = max(gain(forward64, xs[s].double()) for s in range(SAMPLES))
    inv_gain = max(gain(inverse64, ys[s].double()) for s in range(SAMPLES))
    _close(ys, one_by_one, fwd_gain * _max(xs), dtype, what + "samples ")
    _close(xs_back, xs, max(_max(xs), inv_gain * _max(ys)), dtype, what + "samples round trip ")


@given(data=st.data())
def test_flow_inverse(entry: str, dtype: torch.dtype, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    case = draw_case(data, e)
    for cfg in variants(case.cfg):
        for impl in (REFERENCE, cand):
            net = build(e, impl, cfg, dtype, seed=case.seed, perturbed=True)
            variant = f"{cfg.get('mask_mode')}, sub_dim {cfg.get('sub_dim')}"
            xz = inputs_for(e, net, case, dtype)
            check_round_trips(
                net, xz, dtype, case.seed, f"{entry} ({impl.module_name}, {variant}): "
            )


@given(data=st.data())
def test_flow_inverse_cache(entry: str, data: st.DataObject) -> None:
    """The transform cache: one transform per conditional input object (or for good
    without conditional inputs) when ``use_transform_cache``, a new one per call without;
    a cached transform inverts the very ``y`` it produced exactly (its layers keep the
    pair); ``load_state_dict`` drops the cache."""
    e, cand = entry_under_test(entry)
    case = draw_case(data, e)
    for impl in (REFERENCE, cand):
        net = build(e, impl, case.cfg, seed=case.seed, perturbed=True)
        xz = inputs_for(e, net, case, torch.float32)
        x, z = split(net, xz)
        cached = bool(case.cfg.get("use_transform_cache", True))
        what = f"{entry} ({impl.module_name}, use_transform_cache={cached})"
        first = net.make_invertible_transform(z)
        assert (net.make_invertible_transform(z) is first) == cached, f"{what}: same z"
        if z is not None:
            other = inputs_for(e, net, case, torch.float32, seed_offset=1)[1]
            assert net.make_invertible_transform(other) is not first, f"{what}: new z object"
        if cached:
            with torch.no_grad():
                y = net(xz)[0]
                assert torch.equal(net.inverse(join(y, z))[0], x), f"{what}: cached pair"
            current = net.make_invertible_transform(z)
            net.load_state_dict(net.state_dict())
            assert net.make_invertible_transform(z) is not current, f"{what}: after load"
