"""ALF's stateful layers against the worked examples of the spec and upstream's tests, in
both packages: TemporalPool's table, Delay's shift register, OUProcess's update; and the
optimized TemporalPool's tensor-op unroll against the reference's step loop, bit for bit,
over drawn sizes, modes, incoming states and episode starts."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import optimized.alf
import reference.alf
from properties.compare import assert_close_to
from properties.kinds.base import seeded
from reference.specs import TensorSpec, flatten

PACKAGES = [reference.alf, optimized.alf]

#: The spec's table: inputs 1..5, stack_size=2, pooling_size=2, input_size=().
TABLE = {
    "skip": [[0, 1], [0, 1], [1, 3], [1, 3], [3, 5]],
    "avg": [[0, 0], [0, 1.5], [0, 1.5], [1.5, 3.5], [1.5, 3.5]],
    "max": [[0, 0], [0, 2], [0, 2], [2, 4], [2, 4]],
}


def _zeros(spec):
    if isinstance(spec, tuple):
        return tuple(_zeros(s) for s in spec)
    return torch.zeros((1, *spec.shape), dtype=spec.dtype)


@pytest.mark.parametrize("alf", PACKAGES, ids=["reference", "optimized"])
@pytest.mark.parametrize("mode", sorted(TABLE))
def test_temporal_pool_worked_table(alf, mode: str) -> None:
    pool = alf.TemporalPool((), stack_size=2, pooling_size=2, mode=mode)
    state = _zeros(pool.state_spec)
    outputs = []
    for x in range(1, 6):
        y, state = pool(torch.tensor([float(x)]), state)
        outputs.append(y[0].tolist())
    assert outputs == TABLE[mode]
    xs = torch.arange(1.0, 6.0).reshape(5, 1)
    ys, _ = pool.unroll(xs, _zeros(pool.state_spec), torch.zeros(5, 1, dtype=torch.bool))
    assert ys[:, 0].tolist() == TABLE[mode]


@pytest.mark.parametrize("alf", PACKAGES, ids=["reference", "optimized"])
def test_temporal_pool_avg_with_a_reset_mid_sequence(alf) -> None:
    # p = 2: the pool of steps (0, 1) enters the stack at step 1; the reset at step 3 empties
    # the stack and starts a window, whose pool (4 + 5) / 2 enters at step 4.
    net = alf.TemporalPool((), stack_size=2, pooling_size=2, mode="avg")
    state = (torch.zeros(1, 2), torch.zeros(1), torch.zeros(1, dtype=torch.long))
    first = torch.zeros(6, 1, dtype=torch.bool)
    first[3] = True
    ys, (stack, pool, k) = net.unroll(torch.arange(1.0, 7.0).reshape(6, 1), state, first)
    want = [[0, 0], [0, 1.5], [0, 1.5], [0, 0], [0, 4.5], [0, 4.5]]
    assert ys[:, 0].tolist() == want
    assert (stack[0].tolist(), pool.tolist(), k.tolist()) == ([0, 4.5], [6.0], [1])


@pytest.mark.parametrize("alf", PACKAGES, ids=["reference", "optimized"])
def test_temporal_pool_avg_continues_an_incoming_window(alf) -> None:
    # p = 3, two steps of the window done (k = 2) with running mean 10: the first input
    # closes that window at (2 * 10 + 1) / 3 = 7; the next window is 2, 3, 4.
    net = alf.TemporalPool((), stack_size=2, pooling_size=3, mode="avg")
    state = (torch.tensor([[7.0, 8.0]]), torch.tensor([10.0]), torch.tensor([2]))
    first = torch.zeros(4, 1, dtype=torch.bool)
    ys, (stack, pool, k) = net.unroll(torch.arange(1.0, 5.0).reshape(4, 1), state, first)
    assert ys[:, 0].tolist() == [[8, 7], [8, 7], [8, 7], [7, 3]]
    assert (stack[0].tolist(), pool.tolist(), k.tolist()) == ([7, 3], [3.0], [0])


@pytest.mark.parametrize("alf", PACKAGES, ids=["reference", "optimized"])
def test_temporal_pool_unroll_of_no_steps(alf) -> None:
    # T = 0: no outputs, [0, B, stack, 2], and the state it was given, untouched
    net = alf.TemporalPool(2, stack_size=2, pooling_size=2, mode="max")
    state = (torch.ones(1, 2, 2), torch.full((1, 2), 3.0), torch.ones(1, dtype=torch.long))
    ys, final = net.unroll(torch.zeros(0, 1, 2), state, torch.zeros(0, 1, dtype=torch.bool))
    assert ys.shape == (0, 1, 2, 2) and ys.dtype == torch.float32
    assert all(a is b for a, b in zip(final, state))


@st.composite
def pooled_cases(draw) -> dict:
    """A pooled TemporalPool, a random incoming state (counters up to p + 2, past a window's
    end, as the reference's counter arithmetic allows) and random episode starts."""
    pooling = draw(st.integers(2, 6), label="pooling_size")
    return {
        "size": draw(st.sampled_from([(), (2,), (2, 3)]), label="input_size"),
        "stack": draw(st.integers(1, 3), label="stack_size"),
        "pooling": pooling,
        "mode": draw(st.sampled_from(["skip", "avg", "max"]), label="mode"),
        "dtype": draw(st.sampled_from([torch.float32, torch.float64]), label="dtype"),
        "steps": draw(st.integers(1, 9), label="T"),
        "batch": draw(st.integers(0, 4), label="B"),
        "k_high": pooling - 1,  # a counter outside [0, pooling) raises (check_counter)
        "reset_rate": draw(st.sampled_from([0.0, 0.2, 0.6, 1.0]), label="reset rate"),
        "seed": draw(st.integers(0, 2**16), label="seed"),
    }


def _pooled_twins(case: dict):
    def build(alf):
        size, dtype = case["size"], case["dtype"]
        return alf.TemporalPool(size, case["stack"], case["pooling"], dtype, case["mode"])

    g = torch.Generator().manual_seed(case["seed"])
    steps, batch, size, dtype = case["steps"], case["batch"], case["size"], case["dtype"]
    x = torch.randn(steps, batch, *size, generator=g, dtype=dtype)
    stack = torch.randn(batch, case["stack"], *size, generator=g, dtype=dtype)
    pool = () if case["mode"] == "skip" else torch.randn(batch, *size, generator=g, dtype=dtype)
    k = torch.randint(0, case["k_high"] + 1, (batch,), generator=g)
    first = torch.rand(steps, batch, generator=g) < case["reset_rate"]
    return build(reference.alf), build(optimized.alf), x, (stack, pool, k), first


@settings(max_examples=60, deadline=None)
@given(pooled_cases())
def test_temporal_pool_pooled_unroll_is_the_step_loop(case: dict) -> None:
    ref, opt, x, state, first = _pooled_twins(case)
    want = ref.unroll(x, state, first)  # the reference's literal step loop
    got = opt.unroll(x, state, first)
    for name, w, g in zip(
        ["outputs", "stack", "pool", "k"], [want[0], *want[1]], [got[0], *got[1]]
    ):
        if isinstance(w, tuple):
            assert g == w, name
            continue
        assert g.dtype == w.dtype and g.shape == w.shape, name
        assert torch.equal(g, w), f"{name}: {g} != {w}"


def _pool_grads(net, seed: int, x, stack, pool, first, k):
    """Gradients of a random projection of the outputs and the final stack and pool with
    respect to the inputs and the incoming stack and pool."""
    leaves = [t.detach().clone().requires_grad_() for t in (x, stack, *flatten(pool))]
    carried = leaves[2] if len(leaves) == 3 else ()
    ys, (s, p, _) = net.unroll(leaves[0], (leaves[1], carried, k), first)
    gen = torch.Generator().manual_seed(seed)
    outs = [ys, s, *flatten(p)]
    # float32 draws, exact in float64 too: the same projection in every dtype
    loss = sum((o * torch.randn(o.shape, generator=gen).to(o.dtype)).sum() for o in outs)
    return torch.autograd.grad(loss, leaves)


@settings(max_examples=15, deadline=None)
@given(pooled_cases())
def test_temporal_pool_pooled_unroll_gradients(case: dict) -> None:
    ref, opt, x, (stack, pool, k), first = _pooled_twins(case)
    args = (case["seed"], x, stack, pool, first, k)
    assert_close_to(_pool_grads(opt, *args), _pool_grads, (ref, *args), case["dtype"], "grads")


@pytest.mark.parametrize("alf", PACKAGES, ids=["reference", "optimized"])
def test_temporal_pool_without_pooling_stacks_the_last_inputs(alf) -> None:
    pool = alf.TemporalPool(2, stack_size=3)
    state = torch.zeros(1, 2, 2)
    for x in range(1, 5):
        y, state = pool(torch.full((1, 2), float(x)), state)
    assert y[0, :, 0].tolist() == [2.0, 3.0, 4.0]


@pytest.mark.parametrize("alf", PACKAGES, ids=["reference", "optimized"])
@pytest.mark.parametrize("delay", [0, 1, 3])
def test_delay_outputs_the_input_of_delay_steps_ago(alf, delay: int) -> None:
    net = alf.Delay(TensorSpec((1,)), delay)
    xs = torch.arange(1.0, 8.0).reshape(7, 1, 1)
    state = () if delay == 0 else _zeros(net.state_spec)
    first = torch.zeros(7, 1, dtype=torch.bool)
    first[4] = True  # an episode starts at step 4: its first `delay` outputs are zeros
    ys, _ = net.unroll(xs, state, first)
    want = [0.0 if t < delay or 4 <= t < 4 + delay else float(t + 1 - delay) for t in range(7)]
    assert ys[:, 0, 0].tolist() == want


@pytest.mark.parametrize("alf", PACKAGES, ids=["reference", "optimized"])
def test_ou_process_update(alf) -> None:
    ou = alf.OUProcess(TensorSpec((3,)), damping=0.25, stddev=0.5)
    x = torch.randn(4, 3)
    with seeded(7):
        y, state = ou(x)
    with seeded(7):
        z = torch.randn(4, 3)
    torch.testing.assert_close(y, 0.75 * x + 0.5 * z)
    assert state is y


@pytest.mark.parametrize("alf", PACKAGES, ids=["reference", "optimized"])
def test_noisy_fc_sigma_initialisation(alf) -> None:
    net = alf.NoisyFC(4, 9, std_init=0.6)
    sd = net.state_dict()
    assert list(sd) == ["_weight", "_weight_sigma", "_bias", "_bias_sigma"]
    assert torch.allclose(sd["_weight_sigma"], torch.full((9, 4), 0.6 / 2))
    assert torch.allclose(sd["_bias_sigma"], torch.full((9,), 0.6 / 3))


@pytest.mark.parametrize("alf", PACKAGES, ids=["reference", "optimized"])
def test_noisy_fc_float64_noise_is_the_float32_transform_promoted(alf) -> None:
    """Upstream ALF draws ``z`` and computes ``sign(z) sqrt|z|`` in float32, then promotes:
    a float64 layer's fresh noise carries float32 rounding (each value is a float32 one,
    which a float64 square root of a float32 draw almost never is), whatever the stream."""
    net = alf.NoisyFC(3, 5).to(torch.float64)
    x = torch.ones(400, 3, dtype=torch.float64)
    zero_state = (
        torch.zeros(400, 3, dtype=torch.float64),
        torch.zeros(400, 5, dtype=torch.float64),
    )
    torch.manual_seed(7)
    for eps in net.new_noise(x, zero_state):
        assert eps.dtype == torch.float64
        assert bool((eps != 0).all())
        assert torch.equal(eps, eps.float().double())
