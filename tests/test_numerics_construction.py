"""Issue 11, classes 2, 6 and 9 in both packages: bounds that cannot work are rejected at
construction with our ``ValueError``, no network shares a mutable default object, and half
precision is rejected where it breaks a head's bounds. (Classes 1, 3, 4, 5, 7 and 8 are
generic properties: ``dist_bounds``, ``bad_input``, ``shape``.)"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch

import optimized.alf
import optimized.amago
import reference.alf
import reference.amago
from reference.distributions import proper_scale
from reference.specs import BoundedTensorSpec

PACKAGES = [reference, optimized]  # with their alf and amago namespaces imported


def _clear(error: pytest.ExceptionInfo) -> None:
    msg = str(error.value)
    assert "expected" in msg and "got" in msg, msg


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.__name__)
@pytest.mark.parametrize("bound", [math.inf, -math.inf])
def test_infinite_bounds_rejected_for_scaled_heads(pkg, bound: float) -> None:
    low, high = (bound, 1.0) if bound < 0 else (-1.0, bound)
    spec = BoundedTensorSpec((2,), torch.float32, low, high)
    with pytest.raises(ValueError) as info:
        pkg.alf.NormalProjectionNetwork(4, spec, scale_distribution=True)
    _clear(info)


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.__name__)
def test_amago_bounds_rejected(pkg) -> None:
    amago, x = pkg.amago, torch.zeros(3)
    cases = [
        lambda: amago.TanhGaussian(2, clip_actions_on_log_prob=(-1.0, 1.0)),
        lambda: amago.TanhGaussian(2, std_high=None),
        lambda: amago.softplus_bounded_positive(x, 2.0, 1.0),
        lambda: amago.tanh_bounded_positive(x, 0.0, 1.0),
        lambda: amago.Beta(2, clip_actions_on_log_prob=(-1.0, 0.5)),
    ]
    for make in cases:
        with pytest.raises(ValueError) as info:
            make()
        _clear(info)


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.__name__)
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_amago_half_precision_rejected(pkg, dtype: torch.dtype) -> None:
    head = pkg.amago.Beta(2)
    with pytest.raises(TypeError) as info:
        head(torch.zeros(3, head.input_dimension, dtype=dtype))
    _clear(info)


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.__name__)
def test_networks_share_no_squashing_and_deepcopy_after_rsample(pkg) -> None:
    spec = BoundedTensorSpec((2,), torch.float32, -1.0, 1.0)
    a = pkg.alf.NormalProjectionNetwork(3, spec, scale_distribution=True)
    b = pkg.alf.NormalProjectionNetwork(3, spec, scale_distribution=True)
    assert a._squashing is not b._squashing
    x = torch.randn(4, 3, requires_grad=True)
    a(x)[0].rsample()
    copy.deepcopy(a)
    copy.deepcopy(b)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_proper_scale_limits(dtype: torch.dtype) -> None:
    info = torch.finfo(dtype)
    s = proper_scale(torch.tensor([0.0, 1e-300, 1.0, math.inf], dtype=dtype))
    assert bool(torch.isfinite(s).all()) and bool((s > 0).all())
    assert s[2] == 1.0
    assert bool(torch.isfinite(s * s * 64 * 64).all()) and bool((s * s > 0).all())
    assert np.isclose(float(s[0]), info.tiny**0.5)
