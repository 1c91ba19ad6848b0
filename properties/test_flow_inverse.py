"""flow_inverse: ``inverse(forward(x)) == x`` and ``forward(inverse(y)) == y``.

For every flow entry, in the reference and in the candidate, float64 and float32: through
the network (``forward`` / ``inverse``, with and without conditional inputs) and through
its transform with extra sample dims (``x`` ``[S, B, ...]`` conditioned on a ``[B, ...]``
``z``, which must equal the network applied to each sample). Every configuration the kind
lists for the drawn one (``Flow.variants``: a RealNVP case runs every mask mode with
``sub_dim`` 0, D and the drawn value). Fresh tensors are inverted, so the transforms'
``(x, y)`` caches cannot answer; ``test_flow_inverse_cache`` checks the caches themselves.

Tolerance: a round trip is exact in exact arithmetic, so what is allowed is rounding,
amplified by the conditioning of the map applied last: ``EPS_UNITS`` units of the dtype's
epsilon times ``max(1, |x|, gain * |y|)``, where ``gain`` is how much that map amplifies a
perturbation of its input (the largest row sum of its float64 Jacobian, from autograd). A
layer with a scale near ``exp(-10)`` (clipped_exp's floor) makes its inverse amplify the
forward pass's rounding by ``exp(10)``: that is the conditioning of the flow, not an error.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import torch

from properties.autodiff import as_float64, row_jacobians
from properties.harness import Subject, spec_property
from properties.kinds.base import load_state, state_of
from properties.kinds.flow import Flow, tiled
from reference.specs import Nest

#: Rounding allowed in a round trip, in units of the dtype's epsilon times the size of what
#: is compared (module doc): a sum over a few layers of a few roundings each.
EPS_UNITS = 1000
SAMPLES = 3


def gains(rows: Any, points: list[torch.Tensor]) -> list[float]:
    """``max_b ||J_b||_inf`` of a stacked row-wise map (``Flow.stacked``, its conditional
    input tiled once per point) at each batch of ``points``, in one evaluation."""
    jac = row_jacobians(rows, torch.cat(points))
    sums = jac.abs().sum(-1).amax(-1)
    return [float(part.max()) for part in sums.split([len(p) for p in points])]


def _close(
    actual: torch.Tensor, expected: torch.Tensor, size: float, dtype: torch.dtype, what: str
) -> None:
    tol = EPS_UNITS * torch.finfo(dtype).eps * max(1.0, size)
    assert actual.shape == expected.shape, (
        f"{what}shape {list(actual.shape)}, expected {list(expected.shape)}"
    )
    err = float((actual.double() - expected.double()).abs().max()) if actual.numel() else 0.0
    assert err <= tol, f"{what}off by {err:.3g}, allowed {tol:.3g} (eps units x conditioning)"


def _max(t: torch.Tensor) -> float:
    return float(t.detach().abs().max())


def check_round_trips(
    kind: Flow, cfg: dict, net: Any, xz: Nest, dtype: torch.dtype, seed: int, what: str
) -> None:
    """Every round trip of the module doc for one built flow and one batch of inputs."""
    x, z = kind.split(cfg, xz)
    net64 = net if dtype == torch.float64 else copy.deepcopy(net).double()
    g = torch.Generator().manual_seed(seed)
    xs = torch.randn((SAMPLES, *x.shape), generator=g, dtype=dtype).to(x.device)
    with torch.no_grad():
        y = net(xz)[0]
        x_back = net.inverse(kind.join(cfg, y.clone(), z))[0]
        x_of_y = net.inverse(xz)[0]
        y_back = net(kind.join(cfg, x_of_y.clone(), z))[0]
        transform = kind.transform(net, cfg, z)
        ys = transform(xs)
        one_by_one = torch.stack([net(kind.join(cfg, xs[s].clone(), z))[0] for s in range(SAMPLES)])
        xs_back = transform.inv(ys.clone())
    # the gains at the single batch and at the samples (S * B rows, each with its row of z)
    z64 = tiled(as_float64(z), 1 + SAMPLES)
    inverse_at_y, inverse_at_ys = gains(
        kind.stacked(net64, cfg, z64, inverse=True), [y.double(), ys.double().flatten(0, 1)]
    )
    forward_at_x, forward_at_xs = gains(
        kind.stacked(net64, cfg, z64), [x_of_y.double(), xs.double().flatten(0, 1)]
    )
    _close(x_back, x, max(_max(x), inverse_at_y * _max(y)), dtype, what + "f^-1(f(x)) ")
    _close(y_back, x, max(_max(x), forward_at_x * _max(x_of_y)), dtype, what + "f(f^-1(y)) ")
    _close(ys, one_by_one, forward_at_xs * _max(xs), dtype, what + "samples ")
    _close(
        xs_back, xs, max(_max(xs), inverse_at_ys * _max(ys)), dtype, what + "samples round trip "
    )


@spec_property
def test_flow_inverse(subject: Subject, dtype: torch.dtype, data) -> None:
    case = subject.draw(data)
    kind = subject.kind
    assert isinstance(kind, Flow)
    for cfg in kind.variants(case.cfg):
        variant = subject.case_of(cfg, case.batch, case.seed)
        for impl in (subject.reference, subject.candidate):
            net = subject.build(impl, cfg, dtype, seed=case.seed, perturbed=True)
            xz = subject.inputs(variant, dtype)
            what = f"{subject.name} ({impl}, {cfg}): "
            check_round_trips(kind, cfg, net, xz, dtype, case.seed, what)


@spec_property
def test_flow_inverse_cache(subject: Subject, data) -> None:
    """The transform cache: one transform per conditional input object (or for good
    without conditional inputs) when the config caches, a new one per call without; a
    cached transform inverts the very ``y`` it produced exactly (its layers keep the pair);
    ``load_state_dict`` drops the cache."""
    kind = subject.kind
    assert isinstance(kind, Flow)
    if kind.transform_cache is None:
        pytest.skip(
            f"{subject.name}: make_invertible_transform is the entry's subclass's own (the "
            "spec leaves it to subclasses), so there is no transform cache of the "
            "implementation to check"
        )
    case = subject.draw(data)
    cached = kind.transform_cache(case.cfg)
    for impl in (subject.reference, subject.candidate):
        net = subject.build(impl, case.cfg, seed=case.seed, perturbed=True)
        xz = subject.inputs(case)
        x, z = kind.split(case.cfg, xz)
        what = f"{subject.name} ({impl}, transform cached: {cached})"
        first = kind.transform(net, case.cfg, z)
        assert (kind.transform(net, case.cfg, z) is first) == cached, f"{what}: same z"
        if z is not None:
            other = kind.split(case.cfg, subject.inputs(case, seed_offset=1))[1]
            assert kind.transform(net, case.cfg, other) is not first, f"{what}: new z object"
        if cached:
            with torch.no_grad():
                y = net(xz)[0]
                back = net.inverse(kind.join(case.cfg, y, z))[0]
            assert torch.equal(back, x), f"{what}: the cached pair"
            current = kind.transform(net, case.cfg, z)
            load_state(net, state_of(net))
            assert kind.transform(net, case.cfg, z) is not current, f"{what}: after load"
