"""Facts of the Pyrado reference that the catalog's properties do not reach directly: the NF
step's written-out ring convolution equals its ``conv_layer`` (``MirrConv1d`` / ``nn.Conv1d``
with upstream's padding), ``StepSequence``'s rollout slicing, and the documented constants
(capacity, initial potentials, a non-learnable ``kappa_init = 0``)."""

from __future__ import annotations

import math

import pytest
import torch

import reference.pyrado as P
from reference.pyrado.neural_fields import lateral_stimuli


def _spec(obs: int = 3, act: int = 2) -> P.EnvSpec:
    return P.EnvSpec(P.BoxSpace(-1, 1, shape=obs), P.BoxSpace(-1, 1, shape=act))


@pytest.mark.parametrize("mirrored", [True, False])
@pytest.mark.parametrize("mode", ["circular", "reflect", "zeros"])
@pytest.mark.parametrize("kernel", [None, 2, 3])
@pytest.mark.parametrize("channels", [1, 2])
def test_nf_lateral_stimuli_equal_its_conv_layer(mirrored, mode, kernel, channels) -> None:
    torch.manual_seed(0)
    nf = P.NFPolicy(
        _spec(),
        5,
        mirrored_conv_weights=mirrored,
        conv_padding_mode=mode,
        conv_kernel_size=kernel,
        conv_out_channels=channels,
    ).double()
    a = torch.randn(4, 5, dtype=torch.float64)
    want = nf.conv_layer(a.reshape(4, 1, 5)).sum(dim=1)
    got = lateral_stimuli(a, nf.conv_kernels(), nf._pad_mode)
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)


def test_mirrored_kernel_is_symmetric_and_odd() -> None:
    nf = P.NFPolicy(_spec(), 6)  # kernel 6 bumped to 7: 4 free taps
    assert nf.conv_layer.weight.shape == (1, 1, 4)
    k = nf.conv_kernels()
    assert k.shape == (1, 7) and torch.equal(k, torch.flip(k, dims=(1,)))


def test_step_sequence_rollouts() -> None:
    n = 7
    seq = P.StepSequence(
        rollout_bounds=[0, 3, 7],
        rewards=torch.zeros(n),
        observations=torch.arange(n + 1.0).unsqueeze(1),
        actions=torch.zeros(n, 1),
        hidden_states=torch.arange(n * 2.0).reshape(n, 2),
    )
    parts = list(seq.iterate_rollouts())
    assert [len(p) for p in parts] == [3, 4] and seq.rollout_count == 2
    assert parts[1][0]["hidden_states"].tolist() == [6.0, 7.0]
    assert parts[1][0].observation.tolist() == [3.0]
    assert seq.get_data_values("observations", truncate_last=True).shape == (n, 1)
    with pytest.raises(ValueError, match="expected increasing rollout_bounds"):
        P.StepSequence(
            rollout_bounds=[0, 5, 3, 7],
            rewards=torch.zeros(n),
            observations=torch.zeros(n, 1),
            actions=torch.zeros(n, 1),
        )


def test_potential_based_constants() -> None:
    adn = P.ADNPolicy(_spec(), torch.sigmoid, P.pd_capacity_21)
    assert adn.capacity is not None and math.isclose(adn.capacity.item(), 7.0, rel_tol=1e-6)
    assert torch.all(adn.init_hidden() == -7.0)
    adn = P.ADNPolicy(_spec(), torch.tanh, P.pd_capacity_32_abs, capacity_learnable=False)
    assert adn.capacity is not None and math.isclose(adn.capacity.item(), 3.8, rel_tol=1e-6)
    assert torch.all(adn.init_hidden() == 0.0) and "_log_capacity" not in adn.state_dict()
    nf = P.NFPolicy(_spec(), 3, kappa_init=0.0, kappa_learnable=False)
    assert math.isclose(nf.kappa.item(), math.e, rel_tol=1e-6)
    nf = P.NFPolicy(_spec(), 3, kappa_init=0.0, kappa_learnable=True)
    assert nf.kappa.item() == 0.0


@pytest.mark.parametrize("name", ["pd_linear", "pd_cubic", "pd_capacity_21", "pd_capacity_32"])
def test_dynamics_reject_nonpositive_tau(name: str) -> None:
    p = torch.zeros(2)
    f = getattr(P, name)
    with pytest.raises(ValueError, match="tau"):
        f(p, p, p, torch.tensor([-1.0]), kappa=torch.tensor([0.0]), capacity=torch.tensor([1.0]))
