"""ALF's stateful layers against the worked examples of the spec and upstream's tests, in
both packages: TemporalPool's table, Delay's shift register, OUProcess's update."""

from __future__ import annotations

import pytest
import torch

import optimized.alf
import reference.alf
from properties.kinds.base import seeded
from reference.specs import TensorSpec

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
