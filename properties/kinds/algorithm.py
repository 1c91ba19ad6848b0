"""The algorithm kind: PPG's auxiliary-phase algorithm, driven on synthetic experience.

The thing under test is the entry's *probe*: a module holding the candidate's network and
the candidate's algorithm built around it (the algorithm owns no network). The probe
offers, through the algorithm's public API only:

* ``probe(inputs)``: the rollout of ``T`` steps of ``B`` sequences (``inputs``:
  ``observation [T, B, ...]``, ``reward``, ``discount``, ``step_type``), then
  ``train_step`` on them with the rollout infos and ``calc_loss`` of the ``[T, B]`` train
  infos: a ``LossInfo`` (what ``loss`` compares, values and gradients);
* ``rollout(inputs)``: the ``[B, ...]`` experience of each step, as the parent algorithm
  hands it to ``observe_for_aux_replay``;
* ``algorithm``: the algorithm itself, with twinnet's trainer stand-in
  (``replayed_experience``, ``after_policy_iteration``: see ``reference.alf.ppg.algorithm``).

Own properties: ``aux_replay`` (the replay holds exactly the experience observed since the
last auxiliary phase, in order, and is emptied by it; the phase runs after every
``interval``-th iteration and no other) and ``aux_training`` (the candidate's auxiliary
phase ends at the reference's weights; it lowers the loss on its experience, and its
behaviour-cloning term keeps the policy near the rollout policy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from properties.kinds.base import Kind
from properties.kinds.loss import canonical_info, experience
from properties.kinds.loss_model import aux_phase_loss
from reference.specs import Nest, sample_nest


@dataclass(frozen=True)
class Algorithm(Kind):
    """An algorithm probe (module doc). ``observation_spec(cfg)``: the plain-data
    observation spec; ``options(cfg)``: the auxiliary options as a dict of the spec's
    ``PPGAuxOptions`` fields; ``full_batch(cfg)``: the same probe with a phase of one
    full-batch gradient step (one pass, one mini-batch of every whole stored sequence, a
    small learning rate), on which a phase must lower its own objective. The config gives
    ``T``, the rollout steps of the ``loss`` property."""

    title: ClassVar[str] = "algorithm"
    supports: ClassVar[frozenset[str]] = frozenset(
        {"signature", "loss", "aux_replay", "aux_training"}
    )
    own_ids: ClassVar[dict[str, str]] = {
        "aux_replay": "the auxiliary replay holds exactly the experience since the last "
        "auxiliary phase, which runs after every interval-th iteration and empties it",
        "aux_training": "the auxiliary phase ends at the reference's weights, lowers the loss "
        "and keeps the policy near the rollout policy",
    }
    not_applicable: ClassVar[dict[str, str]] = {
        "shape": "the loss property checks the [T, B] shapes of calc_loss",
        "parity": "the loss and aux_training properties compare with the reference",
        "grad_parity": "the loss property compares gradients with the reference",
        "reparam_grad": "an algorithm, not a distribution",
        "batch_invariance": "an algorithm's training step mixes its mini-batch",
        "parallel": "an algorithm has no parallel form",
        "device": "the network's entry checks devices",
        "state_dict": "owns no network: its network's entry checks the state_dict",
        "recurrent_steps": "the network's entry checks stepping",
        "flow_inverse": "not a normalizing flow",
        "flow_logdet": "not a normalizing flow",
        "jacobian": "has no closed-form Jacobian methods",
        "dist_bounds": "an algorithm, not a distribution",
        "dist_logprob": "an algorithm, not a distribution",
        "dist_sampling": "an algorithm, not a distribution",
        "determinism": "the aux_training property seeds and compares whole phases",
        "init": "owns no network: its network's entry checks initialisation",
        "bad_input": "its constructor's bad arguments are checked as bad configs",
    }

    observation_spec: Callable[[dict], Nest] = lambda cfg: cfg["observation_spec"]
    options: Callable[[dict], dict] = lambda cfg: cfg["aux_options"]
    full_batch: Callable[[dict], dict] = lambda cfg: cfg

    def input_spec(self, cfg: dict) -> Nest:
        return self.observation_spec(cfg)

    def inputs(self, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype) -> Nest:
        """``T`` steps of ``batch`` sequences: observations, rewards, discounts, types."""
        return self.steps(cfg, cfg["T"], batch, generator, dtype)

    def steps(
        self, cfg: dict, steps: int, batch: int, generator: torch.Generator, dtype: torch.dtype
    ) -> Nest:
        """``steps`` steps of ``batch`` sequences (an iteration's rollout)."""
        x = experience({**cfg, "T": steps}, batch, generator, dtype)
        x["observation"] = sample_nest(self.observation_spec(cfg), (steps, batch), generator, dtype)
        return x

    def call(self, net: Any, inputs: Nest, state: Nest) -> tuple[Any, Nest]:
        return net(inputs), ()

    def summarize(self, net: Any, outputs: Any, cfg: dict) -> Nest:
        extra = outputs.extra
        return {
            "loss": outputs.loss,
            "td_loss_actual": extra.td_loss_actual,
            "td_loss_aux": extra.td_loss_aux,
            "policy_kl_loss": extra.policy_kl_loss,
        }

    def canonical(self, net: Any, inputs: Nest, cfg: dict) -> dict[str, Any]:
        return canonical_info(net.train_info(inputs), cfg)

    def model(self, parts: dict[str, Any], hyper: dict[str, Any]) -> dict[str, torch.Tensor]:
        """The independent per-step model of the loss (``properties.kinds.loss_model``)."""
        return aux_phase_loss(parts, hyper)

    def hyper(self, cfg: dict) -> dict[str, Any]:
        """The loss the algorithm documents: ``PPGAuxPhaseLoss()`` with its defaults."""
        return {"gamma": 0.999, "td_lambda": 0.95, "policy_kl_loss_weight": 1.0}
