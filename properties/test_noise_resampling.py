"""noise_resampling: a network that carries noise as its state (a noisy kind) replaces the
noise of a row in a training step with the kind's resampling probability ``p``: from zero
noise every row draws new noise; from that noise, the number of rows whose noise changes in
one step is Binomial(B, p) at a large batch B. Checked for the reference and the candidate;
the bound is six standard deviations (plus one row), so a correct implementation fails with
probability below 1e-8 per example, while resampling every row (or none) fails at any
``0 < p < 1`` the configs draw."""

from __future__ import annotations

import math

import torch

from properties.harness import Subject, spec_property
from properties.kinds.alf_network import NoisyAlfNetwork
from properties.kinds.base import seeded, set_training
from reference.specs import flatten

ROWS = 4000


def _rows_changed(before, after) -> torch.Tensor:
    changed = torch.zeros(ROWS, dtype=torch.bool)
    for a, b in zip(flatten(before), flatten(after)):
        changed |= (a != b).reshape(ROWS, -1).any(dim=1)
    return changed


@spec_property
def test_noise_resampling(subject: Subject, data) -> None:
    case = subject.draw(data)
    kind = subject.kind
    assert isinstance(kind, NoisyAlfNetwork), f"noise_resampling needs a noisy kind, got {kind}"
    p = kind.resample_prob(case.cfg)
    for impl in (subject.reference, subject.candidate):
        net = set_training(subject.build(impl, case.cfg, seed=case.seed), True)
        x = subject.inputs(case, batch=ROWS)
        zeros = kind.initial_state(net, x, case.cfg)
        with torch.no_grad(), seeded(case.seed):
            _, noise = kind.call(net, x, zeros)
            _, again = kind.call(net, x, noise)
        fresh = _rows_changed(zeros, noise)
        assert bool(fresh.all()), f"{impl}: {int((~fresh).sum())} rows kept their zero noise"
        changed = int(_rows_changed(noise, again).sum())
        bound = 6 * math.sqrt(ROWS * p * (1 - p)) + 1
        assert abs(changed - ROWS * p) <= bound, (
            f"{impl}: {changed} of {ROWS} rows drew new noise in one step, expected "
            f"{ROWS * p:.0f} +- {bound:.0f} (resampling probability {p})"
        )
