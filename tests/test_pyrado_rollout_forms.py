"""``evaluate`` accepts rollouts as upstream Pyrado's sampler produces them (issue 21): numpy
fields (its default ``data_format``), several rollouts joined by ``StepSequence.concat`` with
their ``rollout_bounds``, and a foreign ``StepSequence`` object: upstream's own class where
Pyrado is importable, a minimal stand-in with its interface otherwise. Every form must give
the actions of the policy stepped by hand, rollout by rollout, from each rollout's recorded
first hidden state; reference and optimized policies alike (one validation path)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import torch

import optimized.pyrado as O
import reference.pyrado as P

LENGTHS = (3, 1, 4)
OBS, ACT = 3, 2


def _spec() -> P.EnvSpec:
    return P.EnvSpec(P.BoxSpace(-1, 1, shape=OBS), P.BoxSpace(-1, 1, shape=ACT))


POLICIES = {
    "gru": lambda m: m.GRUPolicy(_spec(), hidden_size=4, num_recurrent_layers=2),
    "lstm": lambda m: m.LSTMPolicy(_spec(), hidden_size=3, num_recurrent_layers=1),
    "adn": lambda m: m.ADNPolicy(_spec(), torch.tanh, m.pd_cubic),
    "two_headed": lambda m: m.TwoHeadedGRUPolicy(_spec(), 4, 1, head_1_size=2, head_2_size=1),
}


def _policy(module: Any, name: str) -> Any:
    torch.manual_seed(0)
    return POLICIES[name](module)


def _recorded(policy: Any) -> list[dict[str, np.ndarray]]:
    """One rollout per length, as a sampler records it: numpy float64 observations (one
    final extra), float32 hidden states at every step, rewards and actions."""
    gen = np.random.default_rng(1)
    out = []
    for i, n in enumerate(LENGTHS):
        hidden = gen.standard_normal((n, policy.hidden_size)).astype(np.float32)
        if i == 1:
            hidden[0] = policy.init_hidden().detach().numpy()
        out.append(
            {
                "observations": gen.standard_normal((n + 1, OBS)),
                "actions": gen.standard_normal((n, ACT)).astype(np.float32),
                "rewards": gen.standard_normal(n),
                "hidden_states": hidden,
            }
        )
    return out


def _by_hand(policy: Any, rollouts: list[dict[str, np.ndarray]]) -> torch.Tensor:
    """The policy stepped one unbatched step at a time through each rollout (first output)."""
    acts = []
    with torch.no_grad():
        for ro in rollouts:
            hidden = torch.as_tensor(ro["hidden_states"][0], dtype=torch.float32)
            for obs in ro["observations"][:-1]:
                *out, hidden = policy(torch.as_tensor(obs, dtype=torch.float32), hidden)
                acts.append(out[0])
    return torch.stack(acts)


def _first(result: Any) -> torch.Tensor:
    return result[0] if isinstance(result, tuple) else result


class ForeignSequence:
    """A minimal container with upstream ``StepSequence``'s interface and none of twinnet's
    code: numpy storage, ``rollout_bounds`` an ndarray, fields stored as attributes."""

    def __init__(self, bounds: list[int], **fields: np.ndarray):
        self.data_format, self.continuous = "numpy", True
        self.rollout_bounds = np.asarray(bounds)
        self.data_names = list(fields)
        self.length = int(bounds[-1])
        self.__dict__.update(fields)

    def __len__(self) -> int:
        return self.length

    def get_data_values(self, name: str, truncate_last: bool = False) -> np.ndarray:
        value = self.__dict__[name]
        return value[: self.length] if truncate_last and len(value) > self.length else value


def _sampled(container: Any, ro: dict[str, np.ndarray]) -> Any:
    """One rollout built as upstream's sampler builds it: lists of per-step values, a list
    of info dicts, the hidden states added afterwards."""
    seq = container(
        observations=list(ro["observations"]),
        actions=list(ro["actions"]),
        rewards=list(ro["rewards"]),
        env_infos=[{"reward": r} for r in ro["rewards"]],
        rollout_info={"seed": 0},
    )
    seq.add_data("hidden_states", list(ro["hidden_states"]))
    return seq


def _forms(container: Any, rollouts: list[dict[str, np.ndarray]]) -> dict[str, Any]:
    parts = [container(**ro) for ro in rollouts]
    joined = {
        k: np.concatenate([ro[k][: len(ro["rewards"])] for ro in rollouts]) for k in rollouts[0]
    }
    bounds = [0, *itertools.accumulate(LENGTHS)]
    return {
        "numpy fields, concat": container.concat(parts),
        "sampler lists, concat": container.concat([_sampled(container, ro) for ro in rollouts]),
        "torch fields, concat": container.concat(parts, data_format="torch"),
        "numpy fields, rollout_bounds": container(rollout_bounds=bounds, **joined),
        "numpy fields, done flags": container(
            done=np.isin(np.arange(bounds[-1]), np.asarray(bounds[1:]) - 1), **joined
        ),
        "foreign stand-in": ForeignSequence(bounds, **joined),
    }


@pytest.mark.parametrize("impl", [P, O], ids=["reference", "optimized"])
@pytest.mark.parametrize("name", sorted(POLICIES))
def test_evaluate_accepts_sampler_forms(impl: Any, name: str) -> None:
    policy = _policy(impl, name)
    rollouts = _recorded(policy)
    want = _by_hand(policy, rollouts)
    for form, seq in _forms(P.StepSequence, rollouts).items():
        got = _first(policy.evaluate(seq))
        assert got.dtype == torch.float32, form
        torch.testing.assert_close(got.detach(), want, rtol=1e-5, atol=1e-6, msg=form)


@pytest.mark.parametrize("impl", [P, O], ids=["reference", "optimized"])
def test_evaluate_accepts_upstream_step_sequence(impl: Any) -> None:
    upstream = pytest.importorskip("pyrado.sampling.step_sequence")
    for name in sorted(POLICIES):
        policy = _policy(impl, name)
        rollouts = _recorded(policy)
        want = _by_hand(policy, rollouts)
        forms = _forms(upstream.StepSequence, rollouts)
        forms["upstream's concat of twinnet's parts"] = upstream.StepSequence.concat(
            [P.StepSequence(**ro) for ro in rollouts]
        )
        forms["twinnet's concat of upstream's parts"] = P.StepSequence.concat(
            [upstream.StepSequence(**ro) for ro in rollouts]
        )
        for form, seq in forms.items():
            got = _first(policy.evaluate(seq))
            torch.testing.assert_close(got.detach(), want, rtol=1e-5, atol=1e-6, msg=form)


def test_concat_keeps_bounds_and_format() -> None:
    rollouts = _recorded(_policy(P, "gru"))
    seq = P.StepSequence.concat([P.StepSequence(**ro) for ro in rollouts])
    assert seq.data_format == "numpy" and isinstance(seq.rewards, np.ndarray)
    assert seq.rollout_bounds.tolist() == [0, 3, 4, 8]
    assert seq.rollout_lengths.tolist() == list(LENGTHS)
    assert seq.observations.shape == (8, OBS)  # each part's final observation dropped
    parts = list(seq.iterate_rollouts())
    np.testing.assert_array_equal(parts[2][0]["hidden_states"], rollouts[2]["hidden_states"][0])
    torch_seq = P.StepSequence.concat([seq, seq], data_format="torch")
    assert isinstance(torch_seq.observations, torch.Tensor)
    assert torch_seq.rollout_bounds.tolist() == [0, 3, 4, 8, 11, 12, 16]


def test_data_format_follows_the_fields() -> None:
    n = 4
    numpy_rewards = np.zeros(n)
    seq = P.StepSequence(
        rewards=numpy_rewards, observations=torch.zeros(n + 1, 2), actions=torch.zeros(n, 1)
    )
    assert seq.data_format == "torch" and isinstance(seq.rewards, torch.Tensor)
    seq = P.StepSequence(
        rewards=[0.0] * n, observations=[np.zeros(2)] * (n + 1), actions=np.zeros((n, 1))
    )
    assert seq.data_format == "numpy" and seq.observations.shape == (n + 1, 2)
    assert seq.rollout_bounds.tolist() == [0, n]


@pytest.mark.parametrize("impl", [P, O], ids=["reference", "optimized"])
def test_evaluate_rejects_bad_containers(impl: Any) -> None:
    policy = _policy(impl, "gru")
    rollouts = _recorded(policy)
    with pytest.raises(TypeError, match="expected a StepSequence"):
        policy.evaluate(rollouts[0])
    seq = ForeignSequence([0, 3], **{k: v[:3] for k, v in rollouts[0].items()})
    seq.continuous = False
    with pytest.raises(ValueError, match="continuous"):
        policy.evaluate(seq)
    seq = ForeignSequence([0, 2, 4], **{k: v[:3] for k, v in rollouts[0].items()})
    with pytest.raises(ValueError, match="observations of shape"):
        policy.evaluate(seq)
    seq = ForeignSequence([0, 2, 1, 3], **{k: v[:3] for k, v in rollouts[0].items()})
    with pytest.raises(ValueError, match="increasing rollout_bounds"):
        policy.evaluate(seq)
