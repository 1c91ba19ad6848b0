"""The loss kind: a value-target and policy-distillation loss over ``[T, B]`` experience
(PPG's auxiliary-phase loss), as ``LossInfo(loss, extra) = probe(inputs)``.

The thing under test is the entry's *probe*: a module holding the candidate's loss and the
candidate's projection network, which maps features to the current policy, so that the
loss has parameters to differentiate (as in training). Its inputs are a dict of tensors
sampled from the plain-data config::

    features [T, B, F]      the projection network's input (the current policy)
    reward, rollout_value, value, aux      [T, B] or [T, B, D]
    discount [T, B]         in [0, 1]; 0 at some episode ends
    step_type [T, B]        ALF step types: LAST at random steps, FIRST right after
    rollout_loc, rollout_scale [T, B, d]   or   rollout_logits [T, B, K]
    reward_weights [D]      where the config asks for them

The probe also gives the ``PPGTrainInfo`` it builds (``train_info(inputs)``), and the kind
reads from it the canonical numbers ``test_loss`` checks the reference against (an
independent per-step model of the loss): rewards, discounts, step types, values, and each
policy's parameters (normal: ``mean`` / ``stddev``; categorical: ``logits``). The config
holds the loss's hyper-parameters (``gamma``, ``td_lambda``, ``policy_kl_loss_weight``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from properties.kinds.base import BadInput, Kind
from properties.kinds.loss_model import aux_phase_loss
from reference.alf.ppg.data import StepType
from reference.specs import Nest

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


@dataclass(frozen=True)
class Loss(Kind):
    """A loss probe (module doc). The config gives ``T``, ``D`` (None for scalar rewards),
    ``features``, the policy (``{"kind": "normal", "d": d}`` or ``{"kind": "categorical",
    "k": K}``), ``reward_weights`` (bool) and the hyper-parameters."""

    title: ClassVar[str] = "loss"
    supports: ClassVar[frozenset[str]] = frozenset(
        {"signature", "shape", "loss", "device", "bad_input"}
    )
    not_applicable: ClassVar[dict[str, str]] = {
        "parity": "the loss property compares values and gradients with the reference",
        "grad_parity": "the loss property compares values and gradients with the reference",
        "reparam_grad": "returns a loss, not a distribution",
        "batch_invariance": "its batch runs along dim 1 of [T, B]; the loss property's "
        "independent model is per sequence",
        "parallel": "a loss has no parallel form",
        "state_dict": "a loss has no parameters (its probe's are the projection network's)",
        "recurrent_steps": "a loss has no state",
        "flow_inverse": "not a normalizing flow",
        "flow_logdet": "not a normalizing flow",
        "jacobian": "has no closed-form Jacobian methods",
        "dist_bounds": "returns a loss, not a distribution",
        "dist_logprob": "returns a loss, not a distribution",
        "dist_sampling": "returns a loss, not a distribution",
        "determinism": "draws no random numbers",
        "init": "a loss has no parameters of its own",
    }

    def input_spec(self, cfg: dict) -> Nest:
        return ()

    def inputs(self, cfg: dict, batch: int, generator: torch.Generator, dtype: torch.dtype) -> Nest:
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

    def call(self, net: Any, inputs: Nest, state: Nest) -> tuple[Any, Nest]:
        return net(inputs), ()

    def timed(self, net: Any, inputs: Nest, cfg: dict) -> Nest:
        """A benchmark step: the loss and its parts, or (``targets_only`` cases) the value
        targets alone."""
        if cfg.get("targets_only"):
            return net.value_targets(inputs)
        return self.summarize(net, net(inputs), cfg)

    def summarize(self, net: Any, outputs: Any, cfg: dict) -> Nest:
        """The loss and its three parts, each ``[T, B]``."""
        extra = outputs.extra
        return {
            "loss": outputs.loss,
            "td_loss_actual": extra.td_loss_actual,
            "td_loss_aux": extra.td_loss_aux,
            "policy_kl_loss": extra.policy_kl_loss,
        }

    def canonical(self, net: Any, inputs: Nest, cfg: dict) -> dict[str, Any]:
        """The numbers an independent model of the loss needs (module doc)."""
        return canonical_info(net.train_info(inputs), cfg)

    def model(self, parts: dict[str, Any], hyper: dict[str, Any]) -> dict[str, torch.Tensor]:
        """The independent per-step model of the loss (``properties.kinds.loss_model``)."""
        return aux_phase_loss(parts, hyper)

    def hyper(self, cfg: dict) -> dict[str, Any]:
        return {
            "gamma": cfg["gamma"],
            "td_lambda": cfg["td_lambda"],
            "policy_kl_loss_weight": cfg["policy_kl_loss_weight"],
        }

    def bad_inputs(self, net: Any, cfg: dict, x: Nest) -> list[BadInput]:
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
        ]
        if steps >= 2:
            one = {k: v[:1] if k != "reward_weights" else v for k, v in x.items()}
            out.append(("a single step", one, ValueError))
        return out

    def check_shape(self, ref: Any, cand: Any, cfg: dict, inputs: Nest, batch: int) -> None:
        parts = self.summarize(cand, cand(inputs), cfg)
        for key, value in parts.items():
            assert tuple(value.shape) == (cfg["T"], batch), (
                f"{key} shape {list(value.shape)}, expected {[cfg['T'], batch]}"
            )


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
