"""aux_training: one auxiliary phase, run by the candidate and by the reference from the same
weights on the same experience (float64, its shuffles seeded alike), ends at the same
weights with the same mini-batch losses (condition-aware tolerance).

And a phase lowers its objective: with the entry's full-batch configuration (one pass, one
mini-batch holding every whole stored sequence, a small learning rate: one gradient step
on exactly the loss evaluated here), the candidate's phase lowers the mean auxiliary loss
of all its experience. The policy starts at the rollout policy (KL 0), so the behaviour-
cloning term keeps it close: its KL afterwards (from about 0: the rollout policy, rounded)
stays below what the TD losses gained.
"""

from __future__ import annotations

from typing import Any

import torch

from properties.compare import assert_expected, expect
from properties.harness import Subject, spec_property
from properties.kinds.base import parameters_of, seeded

#: Small batches: a phase's cost grows with them, and its logic does not.
MAX_BATCH = 4


def _observe(probe, xs: list) -> None:
    for x in xs:
        for exp in probe.rollout(x):
            probe.algorithm.observe_for_aux_replay(exp)


def _phase(probe, xs: list, interval: int, seed: int) -> dict:
    _observe(probe, xs)
    with seeded(seed):
        losses = probe.algorithm.after_policy_iteration(interval)
    params = [p.detach().clone() for _, p in parameters_of(probe)]
    return {"losses": torch.tensor(losses, dtype=torch.float64), "parameters": params}


def _means(info) -> tuple[float, float]:
    extra = info.extra
    td = (extra.td_loss_actual + extra.td_loss_aux).mean()
    return float(td), float(extra.policy_kl_loss.mean())


@spec_property
def test_aux_training(subject: Subject, data) -> None:
    case = subject.draw(data, max_batch=MAX_BATCH)
    kind: Any = subject.kind  # an algorithm kind: options(), full_batch()
    cfg, dtype = case.cfg, torch.float64
    interval = kind.options(cfg)["interval"]
    g = torch.Generator().manual_seed(case.seed)
    xs = [kind.inputs(cfg, case.batch, g, dtype) for _ in range(interval)]
    ref, cand = subject.twins(case, dtype)
    expected = expect(lambda net, xs: _phase(net, xs, interval, case.seed), (ref, xs), dtype)
    assert_expected(_phase(cand, xs, interval, case.seed), expected, f"{subject.name} phase")

    descent = kind.full_batch(cfg)
    probe = subject.build(subject.candidate, descent, dtype, seed=case.seed, perturbed=True)
    _observe(probe, xs)
    stored = probe.algorithm.replayed_experience()
    with torch.no_grad():
        td_before, kl_before = _means(probe.stored_loss(stored))
    with seeded(case.seed):
        probe.algorithm.after_policy_iteration(kind.options(descent)["interval"] * interval)
    with torch.no_grad():
        td_after, kl_after = _means(probe.stored_loss(stored))
    assert td_after + kl_after < td_before + kl_before, (
        f"a full-batch step did not lower the loss: TD {td_before:.6g} -> {td_after:.6g}, "
        f"KL {kl_before:.3g} -> {kl_after:.3g}"
    )
