"""Upstream Pyrado's rollouts evaluate in twinnet as in upstream: rollouts recorded the way
upstream's sampler records them (lists of numpy values, hidden states added afterwards),
joined by upstream's own ``StepSequence.concat``, are re-evaluated by the reference and by
optimized holding an upstream policy's weights; the actions equal those of upstream's own
``evaluate`` on the same data converted to float32 tensors (upstream's evaluate refuses
numpy data). Skipped where ``twinnet.upstream.pyrado`` does not import."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pytest
import torch

import optimized.pyrado as O
import reference.pyrado as P

OBS, ACT, LENGTHS = 3, 2, (4, 1, 6)


def _upstream() -> Any:
    try:
        return importlib.import_module("twinnet.upstream.pyrado").pyrado
    except ImportError as error:
        pytest.skip(f"upstream Pyrado does not import here: {error}")


def _spec(lib: Any) -> Any:
    box = lib.BoxSpace
    return lib.EnvSpec(box(-np.ones(OBS), np.ones(OBS)), box(-np.ones(ACT), np.ones(ACT)))


BUILDS = {
    "GRUPolicy": lambda lib: lib.GRUPolicy(_spec(lib), 4, 2),
    "LSTMPolicy": lambda lib: lib.LSTMPolicy(_spec(lib), 3, 1),
    "RNNPolicy": lambda lib: lib.RNNPolicy(_spec(lib), 3, 2, hidden_nonlin="relu"),
    "TwoHeadedGRUPolicy": lambda lib: lib.TwoHeadedGRUPolicy(_spec(lib), 4, 1, 2, 1),
    "TwoHeadedLSTMPolicy": lambda lib: lib.TwoHeadedLSTMPolicy(_spec(lib), 3, 2),
    "ADNPolicy": lambda lib: lib.ADNPolicy(_spec(lib), torch.tanh, lib.pd_cubic),
    "NFPolicy": lambda lib: lib.NFPolicy(_spec(lib), 5),
}


def _recorded(upstream: Any, policy: Any) -> Any:
    """Three rollouts as upstream's sampler records them, joined by upstream's concat."""
    gen = np.random.default_rng(3)
    parts = []
    for n in LENGTHS:
        seq = upstream.StepSequence(
            observations=list(gen.standard_normal((n + 1, OBS))),
            actions=list(gen.standard_normal((n, ACT))),
            rewards=list(gen.standard_normal(n)),
        )
        hidden = gen.standard_normal((n, policy.hidden_size)).astype(np.float32)
        seq.add_data("hidden_states", list(hidden))
        parts.append(seq)
    return upstream.StepSequence.concat(parts)


def _first(result: Any) -> torch.Tensor:
    return (result[0] if isinstance(result, tuple) else result).detach()


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_upstream_rollouts_evaluate_as_upstream(name: str) -> None:
    upstream = _upstream()
    torch.manual_seed(0)
    source = BUILDS[name](upstream)
    rollout = _recorded(upstream, source)
    assert rollout.data_format == "numpy" and list(rollout.rollout_bounds) == [0, 4, 5, 11]
    for impl in (P, O):
        mine = BUILDS[name](impl)
        mine.load_state_dict(source.state_dict(), strict=True)
        got = _first(mine.evaluate(rollout))
        as_tensors = upstream.StepSequence.concat([rollout])
        as_tensors.torch(torch.float32)
        want = _first(source.evaluate(as_tensors))
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6, msg=impl.__name__)
