"""AMAGO policy-head properties beside the generic ones.

* output_range: ``softplus_bounded_positive`` / ``tanh_bounded_positive`` stay within
  [low, high] (a few ulps of rounding allowed) and finite for any input, +-1e4 included.
* actions_differentiable: a head's flag is true exactly when its distribution's
  ``rsample()`` works and carries a gradient to ``vec`` (a discrete head's through
  ``DiscreteLikeContinuous``, the way AMAGO's agent uses it); ``input_dimension`` is the
  vec size the specification gives for the head.
"""

from __future__ import annotations

import math

import torch
from hypothesis import given
from hypothesis import strategies as st

from properties.entries.amago import input_dimension
from properties.harness import build, draw_case, entry_under_test, inputs_for
from properties.impl import REFERENCE

EXTREME = 1e4
ULPS = 8


@given(data=st.data())
def test_output_range(entry: str, dtype: torch.dtype, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    case = draw_case(data, e)
    width = 32 if dtype == torch.float32 else 64
    drawn = data.draw(
        st.lists(st.floats(-EXTREME, EXTREME, width=width), min_size=1, max_size=16),
        label="x",
    )
    low, high = case.cfg["low"], case.cfg["high"]
    eps = ULPS * torch.finfo(dtype).eps
    for impl in (REFERENCE, cand):
        net = build(e, impl, case.cfg, dtype, seed=case.seed)
        x = inputs_for(e, net, case, dtype)
        extra = torch.tensor([*drawn, EXTREME, -EXTREME, 0.0], dtype=dtype)
        with torch.no_grad():
            for inp in (x, extra, x * EXTREME):
                y = net(inp)
                what = f"{entry} ({impl.module_name})"
                assert bool(torch.isfinite(y).all()), f"{what}: non-finite output {y}"
                assert bool((y >= low * (1 - eps)).all()), f"{what}: {y.min().item()} < low {low}"
                if high is not None:
                    assert bool((y <= high * (1 + eps)).all()), (
                        f"{what}: {y.max().item()} > high {high}"
                    )


def _rsample_carries_gradient(impl, head, vec: torch.Tensor) -> bool:
    vec = vec.clone().requires_grad_(True)
    dist = head(vec)
    if getattr(head, "is_discrete", False):
        dist = impl.amago.DiscreteLikeContinuous(dist)
    try:
        y = dist.rsample()
    except NotImplementedError:
        return False
    if not y.requires_grad:
        return False
    weights = torch.randn(y.shape, generator=torch.Generator().manual_seed(0), dtype=y.dtype)
    (grad,) = torch.autograd.grad((y * weights).sum(), vec, allow_unused=True)
    return grad is not None and bool((grad != 0).any())


@given(data=st.data())
def test_actions_differentiable(entry: str, data: st.DataObject) -> None:
    e, cand = entry_under_test(entry)
    case = draw_case(data, e)
    name = entry.removeprefix("amago.")
    flags = []
    for impl in (REFERENCE, cand):
        head = build(e, impl, case.cfg, torch.float64, seed=case.seed)
        assert head.input_dimension == input_dimension(name, case.cfg), (
            f"{entry} ({impl.module_name}): input_dimension {head.input_dimension}, the "
            f"specification gives {input_dimension(name, case.cfg)}"
        )
        vec = inputs_for(e, head, case, torch.float64)
        works = _rsample_carries_gradient(impl, head, vec)
        assert head.actions_differentiable == works, (
            f"{entry} ({impl.module_name}): actions_differentiable is "
            f"{head.actions_differentiable} but rsample with gradient "
            f"{'works' if works else 'does not'}"
        )
        flags.append(head.actions_differentiable)
    assert flags[0] == flags[1], f"{entry}: candidate flag differs from the reference"


def test_spec_defaults() -> None:
    """The specification's defaults, in the reference and the candidate: TanhGaussian std
    in [e^-5, e^2] with tanh_bounded_positive, Beta lows 1.0001 (unimodal), GMM 5 modes and
    std_low 1e-4, Discrete clips [0.001, 0.99]."""
    from properties.impl import candidate

    for impl in (REFERENCE, candidate()):
        a = impl.amago
        tg = a.TanhGaussian(1)
        assert math.isclose(tg.std_low, math.exp(-5.0))
        assert math.isclose(tg.std_high, math.exp(2.0))
        assert tg.clip_actions_on_log_prob == (-0.99, 0.99)
        assert a.Beta(1).alpha_low == a.Beta(1).beta_low == 1.0001
        assert (a.GMM(1).gmm_modes, a.GMM(1).std_low, a.GMM(1).std_high) == (5, 1e-4, None)
        assert (a.Discrete(2).clip_prob_low, a.Discrete(2).clip_prob_high) == (0.001, 0.99)


def test_log_dict_statistics() -> None:
    """``log_dict`` (a dict) receives the same statistics from the reference and the
    candidate, for every head and encoder; ``None`` means no logging."""
    import gymnasium as gym

    from properties.impl import candidate

    vec = torch.randn(3, 2, 30, generator=torch.Generator().manual_seed(0))
    obs = gym.spaces.Dict({"observation": gym.spaces.Box(0, 255, (36, 36, 3))})
    rl2 = gym.spaces.Box(-1, 1, (2,))
    x = {"observation": 255 * torch.rand(2, 3, 36, 36, 3)}
    rl2s = torch.randn(2, 3, 2)
    keys = []
    for impl in (REFERENCE, candidate()):
        got: dict[str, set[str]] = {}
        for name, d in (("TanhGaussian", 10), ("Beta", 10), ("GMM", 2), ("Discrete", 20)):
            log: dict = {}
            head = getattr(impl.amago, name)(d)
            head(vec[..., : head.input_dimension], log_dict=log)
            head(vec[..., : head.input_dimension], log_dict=None)
            got[name] = set(log)
        for name in ("FFTstepEncoder", "CNNTstepEncoder"):
            log = {}
            space = (
                obs
                if name == "CNNTstepEncoder"
                else gym.spaces.Dict({"a": gym.spaces.Box(-1, 1, (4,))})
            )
            net = getattr(impl.amago, name)(space, rl2)
            inp = x if name == "CNNTstepEncoder" else {"a": torch.randn(2, 3, 4)}
            net(inp, rl2s, log_dict=log)
            got[name] = set(log)
        assert all(got.values()), f"{impl.module_name}: empty log_dict for {got}"
        keys.append(got)
    assert keys[0] == keys[1], "candidate logs other statistics than the reference"
