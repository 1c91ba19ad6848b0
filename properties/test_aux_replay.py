"""aux_replay: the auxiliary algorithm's replay holds exactly the experience observed since
the last auxiliary phase, in the order observed (``[B, N, ...]``, each field and the
rollout policy's parameters as they went in); the phase runs after every ``interval``-th
iteration and after no other, makes ``passes x ceil(sequences / mini_batch_size)``
updates, and leaves the replay empty."""

from __future__ import annotations

import math
from typing import Any

import torch
from hypothesis import strategies as st

from properties.harness import Subject, spec_property
from properties.kinds.loss import policy_params
from reference.specs import flatten

#: Small batches: a phase's cost grows with them, and its logic does not.
MAX_BATCH = 4


def _assert_holds(stored, observed: list, what: str) -> None:
    assert flatten(stored), f"{what}: the replay is empty, {len(observed)} steps were observed"
    for field in ("step_type", "reward", "discount", "observation"):
        want = torch.stack([getattr(e, field) for e in observed], 1)
        got = getattr(stored, field)
        assert got.shape == want.shape and torch.equal(got, want), (
            f"{what}: replayed {field} {list(got.shape)} differs from the {len(observed)} "
            f"steps observed since the last phase {list(want.shape)}"
        )
    want_value = torch.stack([e.rollout_info.value for e in observed], 1)
    assert torch.equal(stored.rollout_info.value, want_value), f"{what}: rollout values differ"
    got = policy_params(stored.rollout_info.action_distribution)
    for key, value in got.items():
        want = torch.stack(
            [policy_params(e.rollout_info.action_distribution)[key] for e in observed], 1
        )
        close = torch.allclose(value, want, rtol=1e-6, atol=1e-6)  # one renormalisation
        assert close, f"{what}: replayed rollout {key} differ from the observed ones"


@spec_property
def test_aux_replay(subject: Subject, data) -> None:
    kind: Any = subject.kind  # an algorithm kind: options(), steps()
    case = subject.draw(data, max_batch=MAX_BATCH)
    cfg = case.cfg
    probe = subject.build(subject.candidate, cfg, seed=case.seed)
    algorithm = probe.algorithm
    options = kind.options(cfg)
    interval = options["interval"]
    assert algorithm.interval == interval, f"interval {algorithm.interval}, expected {interval}"
    g = torch.Generator().manual_seed(case.seed)
    since: list = []
    for iteration in range(1, 2 * interval + 1):
        # two steps at least: the value targets of a sequence need two
        steps = data.draw(st.integers(2, 3), label=f"steps of iteration {iteration}")
        x = kind.steps(cfg, steps, case.batch, g, torch.float32)
        for exp in probe.rollout(x):
            algorithm.observe_for_aux_replay(exp)
            since.append(exp)
        _assert_holds(algorithm.replayed_experience(), since, f"iteration {iteration}")
        losses = algorithm.after_policy_iteration(iteration)
        if iteration % interval:
            assert losses is None, f"iteration {iteration}: a phase ran off the interval {interval}"
            continue
        assert losses is not None, f"iteration {iteration}: no phase after {interval} iterations"
        n = len(since)
        length = min(options["mini_batch_length"] or n, n)
        sequences = case.batch * (n // length)
        passes = options["num_updates_per_train_iter"]
        updates = passes * math.ceil(sequences / options["mini_batch_size"])
        assert len(losses) == updates, (
            f"iteration {iteration}: {len(losses)} updates, expected {updates} "
            f"({sequences} sequences of {length} steps)"
        )
        left = algorithm.replayed_experience()
        assert not flatten(left), f"iteration {iteration}: the phase left the replay non-empty"
        since = []
