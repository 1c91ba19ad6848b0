"""PPG's independent models and laws (``alf.algorithms.ppg``), written from the definitions
rather than from either package, beside the entries of ``properties/entries/alf/ppg.py``
that declare them.

The auxiliary-phase loss, float64 numpy / scipy (what ``loss`` checks the reference against):

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

Synthetic experience: ``[T, B]`` rewards, discounts and ALF step types with episode ends
at random steps. The laws only the auxiliary algorithm has: ``aux_replay`` and
``aux_training`` (:func:`aux_replay`, :func:`aux_training`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st
from scipy import special, stats

from properties.compare import assert_expected, expect
from properties.entry import EntryLaw
from properties.harness import Subject
from properties.kinds.base import BadInput, parameters_of, seeded
from reference.alf.ppg.data import StepType
from reference.specs import flatten, sample_nest

# -- experience --------------------------------------------------------------------------

LAST_PROBABILITY = 0.25


def step_types(steps: int, batch: int, generator: torch.Generator) -> torch.Tensor:
    """``[T, B]`` ALF step types: each step is LAST with probability 1/4, a step after a
    LAST is FIRST, the first step is FIRST, the others MID."""
    last = torch.rand(steps, batch, generator=generator) < LAST_PROBABILITY
    out = torch.full((steps, batch), StepType.MID, dtype=torch.int64)
    out[0] = StepType.FIRST
    out[1:][last[:-1]] = StepType.FIRST
    out[last] = StepType.LAST
    return out


def discounts(types: torch.Tensor, generator: torch.Generator, dtype: torch.dtype) -> torch.Tensor:
    """Discounts in [0, 1]: 0 at half of the episode ends (a terminal state), else uniform."""
    d = torch.rand(types.shape, generator=generator, dtype=torch.float64)
    terminal = (types == StepType.LAST) & (torch.rand(types.shape, generator=generator) < 0.5)
    return torch.where(terminal, 0.0, d).to(dtype)


def experience(cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype) -> dict:
    """The reward, discount and step types of ``cfg["T"]`` steps of ``batch`` sequences."""
    steps = cfg["T"]
    tail = () if cfg.get("D") is None else (cfg["D"],)
    types = step_types(steps, batch, generator)
    return {
        "reward": torch.randn((steps, batch, *tail), generator=generator, dtype=dtype),
        "discount": discounts(types, generator, dtype),
        "step_type": types,
    }


def loss_inputs(cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype) -> dict:
    """The inputs of the loss probe (``properties/entries/alf/ppg.py``)::

    features [T, B, F]      the projection network's input (the current policy)
    reward, rollout_value, value, aux      [T, B] or [T, B, D]
    discount [T, B]         in [0, 1]; 0 at some episode ends
    step_type [T, B]        ALF step types: LAST at random steps, FIRST right after
    rollout_loc, rollout_scale [T, B, d]   or   rollout_logits [T, B, K]
    reward_weights [D]      where the config asks for them
    """
    steps, tail = cfg["T"], (() if cfg.get("D") is None else (cfg["D"],))

    def normal(*shape: int) -> torch.Tensor:
        return torch.randn(shape, generator=generator, dtype=dtype)

    x = experience(cfg, batch, generator, dtype)
    x["features"] = normal(steps, batch, cfg["features"])
    for key in ("rollout_value", "value", "aux"):
        x[key] = normal(steps, batch, *tail)
    policy = cfg["policy"]
    if policy["kind"] == "normal":
        x["rollout_loc"] = normal(steps, batch, policy["d"])
        x["rollout_scale"] = (0.5 * normal(steps, batch, policy["d"])).exp()
    else:
        x["rollout_logits"] = normal(steps, batch, policy["k"])
    if cfg.get("reward_weights"):
        x["reward_weights"] = torch.rand(tail, generator=generator, dtype=dtype) + 0.5
    return x


def algorithm_inputs(cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype) -> dict:
    """``T`` steps of ``batch`` sequences for the algorithm probe: rewards, discounts, step
    types, then observations sampled from the config's observation spec."""
    x = experience(cfg, batch, generator, dtype)
    x["observation"] = sample_nest(cfg["observation_spec"], (cfg["T"], batch), generator, dtype)
    return x


#: The inputs that parameterise the rollout policy (``[T, B, ...]``).
ROLLOUT_POLICY_KEYS = ("rollout_loc", "rollout_scale", "rollout_logits")


def loss_corruptions(x: dict) -> list[BadInput]:
    """Infos whose fields do not line up: the loss must reject them."""
    steps = x["reward"].shape[0]
    out: list[BadInput] = [
        (
            "value with one step more",
            {**x, "value": torch.cat([x["value"], x["value"][:1]])},
            ValueError,
        ),
        ("discount without its batch dim", {**x, "discount": x["discount"][:, 0]}, ValueError),
        ("floating step types", {**x, "step_type": x["step_type"].double()}, TypeError),
        ("aux as a list", {**x, "aux": list(x["aux"])}, TypeError),
        (
            "a rollout policy without its time dim",
            {
                k: v[0] if k.startswith("rollout_") and k != "rollout_value" else v
                for k, v in x.items()
            },
            ValueError,
        ),
    ]
    if steps >= 2:
        one = {k: v[:1] if k != "reward_weights" else v for k, v in x.items()}
        out.append(("a single step", one, ValueError))
    return out


def loss_poison(x: dict, generator: torch.Generator) -> tuple[dict, torch.Tensor, str]:
    """``nan_isolation`` of the loss: the reward of sequence ``b`` at step ``t0`` set to NaN
    or +-inf. It enters ``delta[t0-1]``, so it may reach the value targets (and the loss
    parts) of ``b``'s steps back to the episode's start, not past an earlier LAST step
    ``u``: the elements ``(t, b)``, ``u < t <= t0 - 1``, are the only ones it may reach.
    Where some sequence has an episode end before its last step, ``t0`` is drawn after one
    (else no earlier episode could be reached)."""
    steps, batch = x["step_type"].shape
    ends = torch.nonzero(x["step_type"][:-1] == StepType.LAST).tolist()

    def draw(n: int) -> int:
        return int(torch.randint(n, (1,), generator=generator))

    if ends:
        u, b = ends[draw(len(ends))]
        t0 = u + 1 + draw(steps - u - 1)
    else:
        b, t0 = draw(batch), min(1, steps - 1) + draw(max(1, steps - 1))
    value = (math.nan, math.inf, -math.inf)[draw(3)]
    reward = x["reward"].clone()
    reward[t0, b] = value
    before = [t for t in range(t0) if x["step_type"][t, b] == StepType.LAST]
    start = before[-1] + 1 if before else 0
    kept = torch.ones(steps, batch, dtype=torch.bool)
    kept[start:t0, b] = False
    what = (
        f"reward of sequence {b} at step {t0} set to {value} (step types "
        f"{x['step_type'][:, b].tolist()}; it may reach steps {start}..{t0 - 1} only)"
    )
    return {**x, "reward": reward}, kept, what


def loss_parts(outputs: Any) -> dict[str, torch.Tensor]:
    """The loss and its three parts of a ``LossInfo``, each ``[T, B]``."""
    extra = outputs.extra
    return {
        "loss": outputs.loss,
        "td_loss_actual": extra.td_loss_actual,
        "td_loss_aux": extra.td_loss_aux,
        "policy_kl_loss": extra.policy_kl_loss,
    }


def sequence_shape(cfg: dict, batch: int) -> tuple[int, int]:
    """``[T, B]``: the shape of every loss part."""
    return (cfg["T"], batch)


# -- what the model reads of a PPGTrainInfo ----------------------------------------------


def policy_params(dist: Any) -> dict[str, torch.Tensor]:
    """A normal's ``mean`` / ``stddev`` or a categorical's ``logits`` (public members)."""
    logits = getattr(dist, "logits", None)
    if isinstance(logits, torch.Tensor):
        return {"logits": logits}
    return {"mean": dist.mean, "stddev": dist.stddev}


def canonical_info(info: Any, cfg: dict) -> dict[str, Any]:
    """The tensors of a ``PPGTrainInfo`` an independent model reads."""
    weights = info.reward_weights
    return {
        "reward": info.reward,
        "discount": info.discount,
        "step_type": info.step_type,
        "rollout_value": info.rollout_value,
        "value": info.value,
        "aux": info.aux,
        "reward_weights": weights if isinstance(weights, torch.Tensor) else None,
        "rollout_policy": policy_params(info.rollout_action_distribution),
        "policy": policy_params(info.action_distribution),
    }


# -- the auxiliary-phase loss --------------------------------------------------------------


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


def loss_model(hyper: Callable[[dict], dict]) -> Callable[[Any, dict, dict], dict]:
    """The independent model's loss parts of a probe's call on ``x``: its ``PPGTrainInfo``'s
    numbers (``train_info(x)``) under the hyper-parameters ``hyper(cfg)``."""

    def model(net: Any, x: dict, cfg: dict) -> dict[str, torch.Tensor]:
        return aux_phase_loss(canonical_info(net.train_info(x), cfg), hyper(cfg))

    return model


def loss_hyper(cfg: dict) -> dict:
    """The loss's hyper-parameters in a config."""
    return {k: cfg[k] for k in ("gamma", "td_lambda", "policy_kl_loss_weight")}


#: PPGAuxPhaseLoss()'s defaults: the loss PPGAuxAlgorithm documents.
DEFAULT_HYPER = {"gamma": 0.999, "td_lambda": 0.95, "policy_kl_loss_weight": 1.0}


def loss_timed(net: Any, x: dict, cfg: dict) -> Any:
    """A benchmark step: the loss and its parts, or (``targets_only`` cases) the value
    targets alone."""
    if cfg.get("targets_only"):
        return net.value_targets(x)
    return loss_parts(net(x))


# -- laws of the auxiliary algorithm -------------------------------------------------------

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


def aux_replay(options: Callable[[dict], dict]) -> EntryLaw:
    """The law ``aux_replay`` of an algorithm whose auxiliary options (the spec's
    ``PPGAuxOptions`` fields) ``options(cfg)`` gives; the check :func:`check_aux_replay`."""
    return EntryLaw(
        "the auxiliary replay holds exactly the experience since the last auxiliary phase, "
        "which runs after every interval-th iteration and empties it",
        functools.partial(check_aux_replay, options),
    )


def check_aux_replay(options: Callable[[dict], dict], subject: Subject, data: Any) -> None:
    """aux_replay: the auxiliary algorithm's replay holds exactly the experience observed since
    the last auxiliary phase, in the order observed (``[B, N, ...]``, each field and the
    rollout policy's parameters as they went in); the phase runs after every ``interval``-th
    iteration and after no other, makes ``passes x ceil(sequences / mini_batch_size)``
    updates, and leaves the replay empty."""
    kind = subject.kind
    case = subject.draw(data, max_batch=MAX_BATCH)
    cfg = case.cfg
    probe = subject.build(subject.candidate, cfg, seed=case.seed)
    algorithm = probe.algorithm
    aux = options(cfg)
    interval = aux["interval"]
    assert algorithm.interval == interval, f"interval {algorithm.interval}, expected {interval}"
    g = torch.Generator().manual_seed(case.seed)
    since: list = []
    for iteration in range(1, 2 * interval + 1):
        # two steps at least: the value targets of a sequence need two
        steps = data.draw(st.integers(2, 3), label=f"steps of iteration {iteration}")
        x = kind.inputs({**cfg, "T": steps}, case.batch, g, torch.float32)
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
        length = min(aux["mini_batch_length"] or n, n)
        sequences = case.batch * (n // length)
        passes = aux["num_updates_per_train_iter"]
        updates = passes * math.ceil(sequences / aux["mini_batch_size"])
        assert len(losses) == updates, (
            f"iteration {iteration}: {len(losses)} updates, expected {updates} "
            f"({sequences} sequences of {length} steps)"
        )
        left = algorithm.replayed_experience()
        assert not flatten(left), f"iteration {iteration}: the phase left the replay non-empty"
        since = []


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


def aux_training(options: Callable[[dict], dict], full_batch: Callable[[dict], dict]) -> EntryLaw:
    """The law ``aux_training`` of an algorithm with auxiliary options ``options(cfg)`` and
    the full-batch configuration ``full_batch(cfg)``; the check :func:`check_aux_training`."""
    return EntryLaw(
        "the auxiliary phase ends at the reference's weights, lowers the loss and keeps the "
        "policy near the rollout policy",
        functools.partial(check_aux_training, options, full_batch),
    )


def check_aux_training(
    options: Callable[[dict], dict],
    full_batch: Callable[[dict], dict],
    subject: Subject,
    data: Any,
) -> None:
    """aux_training: one auxiliary phase, run by the candidate and by the reference from the same
    weights on the same experience (float64, its shuffles seeded alike), ends at the same
    weights with the same mini-batch losses (condition-aware tolerance).

    And a phase lowers its objective: with the entry's full-batch configuration (one pass, one
    mini-batch holding every whole stored sequence, a small learning rate: one gradient step
    on exactly the loss evaluated here), the candidate's phase lowers the mean auxiliary loss
    of all its experience. The policy starts at the rollout policy (KL 0), so the behaviour-
    cloning term keeps it close: its KL afterwards (from about 0: the rollout policy, rounded)
    stays below what the TD losses gained."""
    case = subject.draw(data, max_batch=MAX_BATCH)
    kind = subject.kind
    cfg, dtype = case.cfg, torch.float64
    interval = options(cfg)["interval"]
    g = torch.Generator().manual_seed(case.seed)
    xs = [kind.inputs(cfg, case.batch, g, dtype) for _ in range(interval)]
    ref, cand = subject.twins(case, dtype)
    expected = expect(lambda net, xs: _phase(net, xs, interval, case.seed), (ref, xs), dtype)
    assert_expected(_phase(cand, xs, interval, case.seed), expected, f"{subject.name} phase")

    descent = full_batch(cfg)
    probe = subject.build(subject.candidate, descent, dtype, seed=case.seed, perturbed=True)
    _observe(probe, xs)
    stored = probe.algorithm.replayed_experience()
    with torch.no_grad():
        td_before, kl_before = _means(probe.stored_loss(stored))
    with seeded(case.seed):
        probe.algorithm.after_policy_iteration(options(descent)["interval"] * interval)
    with torch.no_grad():
        td_after, kl_after = _means(probe.stored_loss(stored))
    assert td_after + kl_after < td_before + kl_before, (
        f"a full-batch step did not lower the loss: TD {td_before:.6g} -> {td_after:.6g}, "
        f"KL {kl_before:.3g} -> {kl_after:.3g}"
    )
