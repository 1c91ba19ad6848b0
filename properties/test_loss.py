"""loss: for losses and algorithms, the loss and its parts, and their gradients with respect
to the floating inputs and every parameter, equal the reference's (condition-aware
tolerance of ``properties.compare``, float32 and float64); and the reference equals an
independent per-step model written here (float64, numpy / scipy):

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

from typing import Any

import numpy as np
import torch
from scipy import special, stats

from properties.compare import assert_expected, expect
from properties.harness import Subject, spec_property
from properties.kinds.base import parameters_of
from reference.alf.ppg.data import StepType
from reference.specs import flatten, map_structure


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


def model(parts: dict, hyper: dict) -> dict[str, torch.Tensor]:
    """The independent per-step model of the loss (module doc)."""
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


def _gradients(subject: Subject, net, x, case) -> dict[str, list[torch.Tensor]]:
    """``d <w, loss parts> / d (floating inputs, parameters)``, ``w`` seeded by the case."""
    x = map_structure(lambda t: t.detach().clone().requires_grad_(t.is_floating_point()), x)
    inputs = [t for t in flatten(x) if t.is_floating_point()]
    params = [p for _, p in parameters_of(net)]
    with torch.enable_grad():
        outputs = [y for y in flatten(subject.observe(net, x, case)) if y.requires_grad]
        g = torch.Generator().manual_seed(case.seed)
        weights = [torch.randn(y.shape, generator=g, dtype=torch.float64).to(y) for y in outputs]
        total = sum((y * w).sum() for y, w in zip(outputs, weights))
        wanted = inputs + params
        grads = torch.autograd.grad(total, wanted, allow_unused=True)
    filled = [torch.zeros_like(t) if gr is None else gr for t, gr in zip(wanted, grads)]
    return {"inputs": filled[: len(inputs)], "parameters": filled[len(inputs) :]}


@spec_property
def test_loss(subject: Subject, dtype: torch.dtype, data) -> None:
    case = subject.draw(data)
    ref, cand = subject.twins(case, dtype)
    x = subject.inputs(case, dtype)

    def observed(net, x):
        with torch.no_grad():
            return subject.observe(net, x, case)

    assert_expected(observed(cand, x), expect(observed, (ref, x), dtype), f"{subject.name}")
    expected = expect(lambda net, x: _gradients(subject, net, x, case), (ref, x), dtype)
    assert_expected(_gradients(subject, cand, x, case), expected, f"{subject.name} gradients")


@spec_property
def test_loss_model(subject: Subject, data) -> None:
    """The reference (float64) against the independent model."""
    case = subject.draw(data)
    kind: Any = subject.kind  # a loss or an algorithm kind: canonical(), hyper()
    dtype = torch.float64
    ref = subject.build(subject.reference, case.cfg, dtype, seed=case.seed, perturbed=True)
    x = subject.inputs(case, dtype)

    def observed(net, x):
        with torch.no_grad():
            return subject.observe(net, x, case)["output"]

    with torch.no_grad():
        parts = kind.canonical(ref, x, case.cfg)
    naive = model(parts, kind.hyper(case.cfg))
    expected = expect(observed, (ref, x), dtype)
    assert_expected(naive, expected, f"{subject.name}: the independent model vs the reference")
