"""PPG's auxiliary phase end to end, on synthetic experience, with twinnet's minimal loop
standing in for ALF's trainer: every policy iteration rolls out ``UNROLL`` steps of ``B``
environments with ``ppg_network_forward`` (no auxiliary head, as the policy phase does) and
hands each ``[B, ...]`` step to ``observe_for_aux_replay``; after every ``interval``-th
iteration ``after_policy_iteration`` runs the auxiliary phase on all of it. (ALF's trainer
would also run PPO's policy phase on each iteration's rollout; the policy does not change
here between auxiliary phases, so the rollout policy is the current one.)

The synthetic environment: observations ``N(0, I)``; reward ``r = w . o`` of the
observation; episodes of ``EPISODE`` steps (``FIRST``, ``MID``..., ``LAST``), discount 0 at
an episode's end and 1 elsewhere. The value targets are then learnable, and the auxiliary
phases lower the loss on a fixed batch of such experience, the policy staying close to the
one the experience was collected with."""

from __future__ import annotations

import functools
from typing import Any

import pytest
import torch

import optimized.alf as O
import reference.alf as R
from reference.alf.ppg import Experience, StepType, TimeStep
from reference.specs import BoundedTensorSpec, TensorSpec

OBS, B, UNROLL, EPISODE, INTERVAL = 4, 6, 5, 4, 2
ACTION = BoundedTensorSpec((2,), torch.float32, -1.0, 1.0)


def make(impl, dtype=torch.float32):
    torch.manual_seed(0)
    ctor = functools.partial(impl.EncodingNetwork, fc_layer_params=(16,), activation=torch.tanh)
    net = impl.DisjointPolicyValueNetwork(TensorSpec((OBS,)), ACTION, ctor).to(dtype)
    options = impl.PPGAuxOptions(
        enabled=True,
        interval=INTERVAL,
        mini_batch_length=5,
        mini_batch_size=3,
        num_updates_per_train_iter=3,
    )
    alg = impl.PPGAuxAlgorithm(
        TensorSpec((OBS,)),
        ACTION,
        optimizer=functools.partial(torch.optim.Adam, lr=1e-2),
        dual_actor_value_network=net,
        aux_options=options,
    )
    return net, alg


def environment(steps: int, g: torch.Generator, dtype=torch.float32) -> list[TimeStep]:
    w = torch.tensor([1.0, -0.5, 0.25, 0.0], dtype=dtype)
    out = []
    for t in range(steps):
        o = torch.randn(B, OBS, generator=g, dtype=dtype)
        phase = t % EPISODE
        kind = (
            StepType.FIRST
            if phase == 0
            else StepType.LAST
            if phase == EPISODE - 1
            else StepType.MID
        )
        step_type = torch.full((B,), kind, dtype=torch.int64)
        discount = torch.full((B,), 0.0 if kind == StepType.LAST else 1.0, dtype=dtype)
        out.append(TimeStep(step_type, o @ w, discount, o))
    return out


def run(impl, iterations: int, dtype=torch.float32) -> tuple[list, Any, Any]:
    net, alg = make(impl, dtype)
    g = torch.Generator().manual_seed(1)
    phases = []
    for iteration in range(1, iterations + 1):
        for ts in environment(UNROLL, g, dtype):
            with torch.no_grad():
                step = impl.ppg_network_forward(net, ts, (), require_aux=False)
            alg.observe_for_aux_replay(Experience(*ts, rollout_info=step.info))
        with torch.random.fork_rng():
            torch.manual_seed(iteration)
            losses = alg.after_policy_iteration(iteration)
        phases.append(losses)
    return phases, net, alg


def test_phases_run_every_interval_and_empty_the_replay() -> None:
    phases, _, alg = run(O, 4)
    assert [p is not None for p in phases] == [False, True, False, True]
    updates = 3 * -(-(B * (INTERVAL * UNROLL // 5)) // 3)
    assert all(len(p) == updates for p in phases if p is not None)
    assert alg.replayed_experience() == ()


def _stored_loss(alg, stored) -> Any:
    from reference.alf.ppg.replay import from_params, to_params
    from reference.specs import map_structure

    rows, n = stored.step_type.shape[:2]
    flat = from_params(stored, map_structure(lambda t: t.flatten(0, 1), to_params(stored)))
    inputs = TimeStep(flat.step_type, flat.reward, flat.discount, flat.observation)
    info = alg.train_step(inputs, (), flat.rollout_info).info
    split = map_structure(lambda t: t.unflatten(0, (rows, n)).transpose(0, 1), to_params(info))
    return alg.calc_loss(from_params(info, split))


@pytest.mark.parametrize("impl", [R, O], ids=["reference", "optimized"])
def test_auxiliary_phases_lower_the_loss(impl) -> None:
    net, alg = make(impl)
    g = torch.Generator().manual_seed(1)
    for ts in environment(10, g):
        with torch.no_grad():
            step = impl.ppg_network_forward(net, ts, (), require_aux=False)
        alg.observe_for_aux_replay(Experience(*ts, rollout_info=step.info))
    stored = alg.replayed_experience()
    with torch.no_grad():
        before = _stored_loss(alg, stored)
    for _ in range(4):  # four phases on the same experience
        for i in range(stored.step_type.shape[1]):
            alg.observe_for_aux_replay(_step(stored, i))
        torch.manual_seed(0)
        alg.train_from_replay()
    with torch.no_grad():
        after = _stored_loss(alg, stored)
    td_before = (before.extra.td_loss_actual + before.extra.td_loss_aux).mean()
    td_after = (after.extra.td_loss_actual + after.extra.td_loss_aux).mean()
    assert after.loss.mean() < 0.9 * before.loss.mean()
    assert td_after < td_before
    # the behaviour-cloning term holds the policy: its KL from the rollout policy stays a
    # small part of what the value losses gained
    assert after.extra.policy_kl_loss.mean() < 0.1 * (td_before - td_after)


def _step(stored, i: int) -> Experience:
    from reference.alf.ppg.replay import from_params, to_params
    from reference.specs import map_structure

    return from_params(stored, map_structure(lambda t: t[:, i], to_params(stored)))


def test_reference_and_optimized_train_alike() -> None:
    """The whole loop in float64: the same mini-batch losses and final weights."""
    phases_r, net_r, _ = run(R, 2, torch.float64)
    phases_o, net_o, _ = run(O, 2, torch.float64)
    torch.testing.assert_close(
        torch.tensor(phases_o[1], dtype=torch.float64),
        torch.tensor(phases_r[1], dtype=torch.float64),
    )
    for (k, p_r), p_o in zip(net_r.state_dict().items(), net_o.state_dict().values()):
        torch.testing.assert_close(p_o, p_r, msg=k)
