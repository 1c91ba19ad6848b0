"""The independent per-step model of PPG's auxiliary-phase loss (float64, numpy / scipy),
that the ``loss`` property checks the reference against, written from the definitions
rather than from either package:

* value targets from the definition of GAE as a sum, not a recursion:
  ``A[t] = sum_{k=t}^{T-2} (prod_{j=t}^{k} (1 - last[j])) (prod_{j=t+1}^{k} lambda d[j])
  delta[k]`` with ``delta[k] = r[k+1] + d[k+1] v[k+1] - v[k]``, ``d = discount * gamma``
  (per reward dimension), ``G = A + v`` and ``G[T-1] = v[T-1]``; episode ends (``LAST``)
  at random steps of each sequence;
* ``(G - value)^2`` and ``(G - aux)^2``, summed over reward dimensions with the reward
  weights, or averaged without them;
* the KL of the rollout policy from the current one: ``scipy.stats.entropy(p, q)`` for
  categoricals, the Gaussian formula per dimension for diagonal normals.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import special, stats

from reference.alf.ppg.data import StepType


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().double().cpu().numpy()


def _gae_targets(r: np.ndarray, v: np.ndarray, d: np.ndarray, last: np.ndarray, lam: float):
    """``G`` for one reward dimension, ``[T, B]`` arrays (module doc)."""
    steps, batch = v.shape
    targets = v.copy()
    for b in range(batch):
        for t in range(steps - 1):
            total, alive, weight = 0.0, 1.0, 1.0
            for k in range(t, steps - 1):
                alive *= 1.0 - last[k, b]
                if k > t:
                    weight *= lam * d[k, b]
                delta = r[k + 1, b] + d[k + 1, b] * v[k + 1, b] - v[k, b]
                total += alive * weight * delta
            targets[t, b] += total
    return targets


def _kl(rollout: dict, current: dict) -> np.ndarray:
    if "logits" in rollout:
        p = special.softmax(_numpy(rollout["logits"]), axis=-1)
        q = special.softmax(_numpy(current["logits"]), axis=-1)
        return stats.entropy(p, q, axis=-1)
    mp, sp = _numpy(rollout["mean"]), _numpy(rollout["stddev"])
    mq, sq = _numpy(current["mean"]), _numpy(current["stddev"])
    per_dim = np.log(sq / sp) + (sp**2 + (mp - mq) ** 2) / (2 * sq**2) - 0.5
    return per_dim.sum(-1)


def aux_phase_loss(parts: dict, hyper: dict) -> dict[str, torch.Tensor]:
    """The loss parts of ``parts`` (the kind's ``canonical`` numbers) under ``hyper``."""
    r, v = _numpy(parts["reward"]), _numpy(parts["rollout_value"])
    discount, last = _numpy(parts["discount"]), _numpy(parts["step_type"] == StepType.LAST)
    gamma = np.atleast_1d(np.asarray(hyper["gamma"], dtype=np.float64))
    lam = hyper["td_lambda"]
    if r.ndim == 2:
        targets = _gae_targets(r, v, discount * gamma[0], last, lam)
    else:
        gammas = np.broadcast_to(gamma, (r.shape[-1],))
        targets = np.stack(
            [
                _gae_targets(r[..., i], v[..., i], discount * gammas[i], last, lam)
                for i in range(r.shape[-1])
            ],
            -1,
        )

    def td(pred: torch.Tensor) -> np.ndarray:
        err = (targets - _numpy(pred)) ** 2
        if err.ndim == 2:
            return err
        w = parts["reward_weights"]
        return (err * _numpy(w)).sum(-1) if w is not None else err.mean(-1)

    td_actual, td_aux = td(parts["value"]), td(parts["aux"])
    kl = _kl(parts["rollout_policy"], parts["policy"])
    loss = td_actual + td_aux + hyper["policy_kl_loss_weight"] * kl
    out = {"loss": loss, "td_loss_actual": td_actual, "td_loss_aux": td_aux}
    out["policy_kl_loss"] = kl
    return {k: torch.from_numpy(np.ascontiguousarray(a)) for k, a in out.items()}
