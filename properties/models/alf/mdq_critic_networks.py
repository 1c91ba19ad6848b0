"""The independent statement of ALF's MDQ critic (``MdqCriticNetwork``), declared as laws by
its entry in ``properties/entries/alf/mdq_critic_networks.py``:

* ``oracle``: both branches equal a plain numpy loop over batch rows, critics and action
  dimensions that reads the weights from the network's (upstream-layout) state_dict:
  ``Q_0 = v_0[k_0] + alpha log K``, ``Q_i = Q_{i-1} + t_i[k_i] + alpha log K`` with
  ``t_i = v_i - alpha logsumexp(v_i / alpha)``, and the free form ``MLP([o, a])``.
* ``action_sampling``: ``get_action`` draws from torch's generator, seeded here (same
  seed, same draw; another seed, another draw), its greedy actions and log-probabilities equal the
  reference's, every action is a bin centre inside the bounds, and the log-probability it
  returns for a drawn action is the model's ``t_i[k_i] / alpha`` at that action.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

import numpy as np
import torch

from properties.compare import tolerance
from properties.entry import EntryLaw
from properties.harness import Subject
from properties.kinds.base import seeded

BINS = 15  # the default quantizer's (the entry's configs leave action_qt at None)

_ACTIVATIONS = {
    "relu_": lambda x: np.maximum(x, 0.0),
    "tanh": np.tanh,
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
}


def layers_of(state: dict, prefix: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """The ``(W [r, out, in], b [r, out])`` of every FC layer under ``prefix``, in order."""
    found = {}
    for key, value in state.items():
        m = re.fullmatch(rf"{prefix}\..*_nets\.(\d+)\._weight", key)
        if m:
            bias = state[key[: -len("_weight")] + "_bias"]
            found[int(m.group(1))] = (value.double().numpy(), bias.double().numpy())
    return [found[i] for i in sorted(found)]


def mlp(layers: list, replica: int, x: np.ndarray, act: Any, last_identity: bool) -> np.ndarray:
    """One replica's FC stack on a vector, layer by layer (the last one unactivated if
    ``last_identity``)."""
    for j, (w, b) in enumerate(layers):
        x = w[replica] @ x + b[replica]
        if not (last_identity and j == len(layers) - 1):
            x = act(x)
    return x


def _logsumexp(v: np.ndarray) -> float:
    m = float(np.max(v))
    return m + math.log(float(np.sum(np.exp(v - m))))


def per_dimension(state: dict, cfg: dict, obs: np.ndarray, act: np.ndarray, alpha: float):
    """``(Q [B, n, D], log pi of the given bins [B, n, D])`` by the plain loop (module doc);
    ``act`` is ``[B, D]``, shared by the n critics."""
    act_fn = _ACTIVATIONS[cfg["activation"]]
    n = cfg["num_critic_replicas"]
    spec = cfg["input_tensor_spec"][1]
    lo, hi = float(spec.minimum.flat[0]), float(spec.maximum.flat[0])
    delta = (hi - lo) / BINS
    first = lo + delta / 2
    obs_net = layers_of(state, "_obs_encoding_net")
    pre = layers_of(state, "_pre_encoding_parallel_net")
    mid = layers_of(state, "_mid_shared_encoding_nets")
    post = layers_of(state, "_post_encoding_parallel_net")
    batch, dims = act.shape
    q = np.zeros((batch, n, dims))
    log_pi = np.zeros((batch, n, dims))
    for b in range(batch):
        for r in range(n):
            e = mlp(obs_net, r, obs[b], act_fn, False)
            q_prev = 0.0
            for i in range(dims):
                partial = np.concatenate([act[b, :i], np.zeros(dims - i)])
                h = mlp(pre, i * n + r, np.concatenate([e, partial]), act_fn, False)
                h = mlp(mid, r, h, act_fn, False)
                v = mlp(post, i * n + r, h, act_fn, True)
                k = int(min(max(np.round((act[b, i] - first) / delta), 0), BINS - 1))
                t = v - alpha * _logsumexp(v / alpha)
                chosen = v[k] if i == 0 else q_prev + t[k]
                q_prev = chosen + alpha * math.log(BINS)
                q[b, r, i] = q_prev
                log_pi[b, r, i] = t[k] / alpha
    return q, log_pi


def free_form(state: dict, cfg: dict, obs: np.ndarray, act: np.ndarray) -> np.ndarray:
    """``[B, n]``: each critic's free-form MLP on ``[o, a]``."""
    act_fn = _ACTIVATIONS[cfg["activation"]]
    layers = layers_of(state, "_free_form_q_net")
    n = cfg["num_critic_replicas"]
    x = np.concatenate([obs, act], axis=-1)
    return np.array(
        [[mlp(layers, r, x[b], act_fn, True)[0] for r in range(n)] for b in range(len(x))]
    )


def _state(net: Any) -> dict:
    return {k: v.detach() for k, v in net.state_dict().items()}


def check_oracle(alpha: float, subject: Subject, data: Any) -> None:
    """oracle (module doc), for the reference and the candidate, in float64."""
    case = subject.draw(data)
    rtol, atol = tolerance(torch.float64)
    for impl in (subject.reference, subject.candidate):
        net = subject.build(impl, case.cfg, torch.float64, seed=case.seed, perturbed=True)
        obs, act = subject.inputs(case, torch.float64)
        state = _state(net)
        with torch.no_grad():
            got_q = net((obs, act), alpha)[0].numpy()
            got_free = net(torch.cat([obs, act], -1), alpha, free_form=True)[0].numpy()
        want_q, _ = per_dimension(state, case.cfg, obs.numpy(), act.numpy(), alpha)
        want_free = free_form(state, case.cfg, obs.numpy(), act.numpy())
        np.testing.assert_allclose(got_q, want_q, rtol, atol, err_msg=f"{impl} advantage form")
        np.testing.assert_allclose(got_free, want_free, rtol, atol, err_msg=f"{impl} free form")


def check_action_sampling(alpha: float, subject: Subject, data: Any) -> None:
    """action_sampling (module doc), float64, weights shared with the reference."""
    case = subject.draw(data, min_batch=8)
    ref, cand = subject.twins(case, torch.float64)
    obs, _ = subject.inputs(case, torch.float64)
    rtol, atol = tolerance(torch.float64)
    want = ref.get_action(obs, alpha, True)
    got = cand.get_action(obs, alpha, True)
    for name, g, w in zip(("greedy actions", "greedy log_pi"), got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol, atol, err_msg=name)

    def drawn(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        with seeded(seed):
            return cand.get_action(obs, alpha, False)

    actions, log_pi = drawn(case.seed)
    again, _ = drawn(case.seed)
    other, _ = drawn(case.seed + 1)
    assert torch.equal(actions, again), "the same generator seed drew different actions"
    assert not torch.equal(actions, other), "two generator seeds drew the same actions"
    spec = case.cfg["input_tensor_spec"][1]
    lo, hi = float(spec.minimum.flat[0]), float(spec.maximum.flat[0])
    bins = (actions - lo) / ((hi - lo) / BINS) - 0.5
    assert torch.allclose(bins, bins.round(), atol=1e-9), "an action is not a bin centre"
    state = _state(cand)
    for r in range(case.cfg["num_critic_replicas"]):
        _, want_log_pi = per_dimension(state, case.cfg, obs.numpy(), actions[:, r].numpy(), alpha)
        np.testing.assert_allclose(
            log_pi[:, r].numpy(), want_log_pi[:, r], 1e-7, 1e-9, err_msg=f"log_pi, critic {r}"
        )


def laws(alpha: float) -> dict[str, EntryLaw]:
    """The two laws for calls at temperature ``alpha``."""
    return {
        "oracle": EntryLaw(
            "both branches equal a plain numpy loop over rows, critics and action dimensions "
            "on the weights of the state_dict",
            functools.partial(check_oracle, alpha),
        ),
        "action_sampling": EntryLaw(
            "get_action: same seed same draw; greedy results equal the "
            "reference's; actions are bin centres; log_pi is the model's at the drawn action",
            functools.partial(check_action_sampling, alpha),
        ),
    }
