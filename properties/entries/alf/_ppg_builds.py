"""The builds of the ``alf.algorithms.ppg`` entries (``ppg.py``): the network, and the probes
through which ``ppg_network_forward``, the auxiliary-phase loss and the auxiliary
algorithm are called (small modules holding the candidate's objects and calling them
through their public API only, with twinnet's own ``TimeStep`` / ``Experience`` records,
``reference.alf.ppg.data``, as the experience the trainer would hand them)."""

from __future__ import annotations

import functools
from typing import Any

import torch
import torch.distributions as td
from torch import nn

from properties import strategies as S
from properties.candidate import Impl
from properties.entry import NotApplicable
from properties.specs import alf_specs
from reference.alf.ppg.data import StepType, TimeStep
from reference.alf.ppg.replay import from_params, to_params
from reference.specs import BoundedTensorSpec, Nest, map_structure


def continuous_spec(d: int) -> BoundedTensorSpec:
    return BoundedTensorSpec((d,), torch.float32, -1.0, 1.0)


def discrete_spec(k: int) -> BoundedTensorSpec:
    return BoundedTensorSpec((), torch.int64, 0, k - 1)


def build_network(impl: Impl, cfg: dict) -> Any:
    encoder = functools.partial(
        impl.alf.EncodingNetwork,
        fc_layer_params=cfg["fc_layer_params"],
        activation=S.resolve_activation(cfg["activation"]),
    )
    return impl.alf.DisjointPolicyValueNetwork(
        alf_specs(impl, cfg["observation_spec"]),
        alf_specs(impl, cfg["action_spec"]),
        encoding_network_ctor=encoder,
        is_sharing_encoder=cfg["is_sharing_encoder"],
    )


def aux_options(cfg: dict) -> dict:
    """The config's auxiliary options, by the spec's ``PPGAuxOptions`` field names."""
    return {
        "enabled": True,
        "interval": cfg["interval"],
        "mini_batch_length": cfg["mini_batch_length"],
        "mini_batch_size": cfg["mini_batch_size"],
        "num_updates_per_train_iter": cfg["num_updates"],
    }


class ForwardProbe(nn.Module):
    """``ppg_network_forward(network, TimeStep(observation), state, require_aux,
    epsilon_greedy)`` as a network call ``(AlgStep, new state)``."""

    def __init__(self, impl: Impl, cfg: dict):
        super().__init__()
        self.network = build_network(impl, cfg)
        self.step = impl.alf.ppg_network_forward
        self.epsilon_greedy = cfg["epsilon_greedy"]
        self.require_aux = cfg["require_aux"]

    @property
    def input_tensor_spec(self) -> Nest:
        return self.network.input_tensor_spec

    @property
    def state_spec(self) -> Nest:
        return self.network.state_spec

    def forward(self, observation: torch.Tensor, state: Nest = ()) -> tuple[Any, Nest]:
        batch = observation.shape[0]
        inputs = TimeStep(
            step_type=torch.full((batch,), StepType.MID, dtype=torch.int64),
            reward=torch.zeros(batch, dtype=observation.dtype),
            discount=torch.ones(batch, dtype=observation.dtype),
            observation=observation,
        )
        step = self.step(self.network, inputs, state, self.require_aux, self.epsilon_greedy)
        return step, step.state


def policy_from_params(kind: str, x: dict, prefix: str) -> td.Distribution:
    if kind == "normal":
        normal = td.Normal(x[f"{prefix}loc"], x[f"{prefix}scale"], validate_args=False)
        return td.Independent(normal, 1, validate_args=False)
    return td.Categorical(logits=x[f"{prefix}logits"], validate_args=False)


class AuxLossProbe(nn.Module):
    """The candidate's ``PPGAuxPhaseLoss`` on a ``PPGTrainInfo`` whose current policy is
    the candidate's projection network on ``features`` (its ``mean`` / ``stddev`` or
    ``logits`` reshaped to ``[T, B]``)."""

    def __init__(self, impl: Impl, cfg: dict):
        super().__init__()
        gamma = cfg["gamma"]
        self.loss = impl.alf.PPGAuxPhaseLoss(
            policy_kl_loss_weight=cfg["policy_kl_loss_weight"],
            gamma=list(gamma) if isinstance(gamma, tuple) else gamma,
            td_lambda=cfg["td_lambda"],
        )
        policy = cfg["policy"]
        self.kind = policy["kind"]
        size = cfg["features"]
        if self.kind == "normal":
            spec = alf_specs(impl, continuous_spec(policy["d"]))
            self.head = impl.alf.NormalProjectionNetwork(size, spec)
        else:
            spec = alf_specs(impl, discrete_spec(policy["k"]))
            self.head = impl.alf.CategoricalProjectionNetwork(size, spec)
        self.info_type = impl.alf.PPGTrainInfo

    def current_policy(self, features: torch.Tensor) -> td.Distribution:
        steps, batch = features.shape[:2]
        dist = self.head(features.flatten(0, 1))[0]
        if self.kind == "normal":
            loc = dist.mean.unflatten(0, (steps, batch))
            scale = dist.stddev.unflatten(0, (steps, batch))
            return policy_from_params("normal", {"loc": loc, "scale": scale}, "")
        return td.Categorical(logits=dist.logits.unflatten(0, (steps, batch)), validate_args=False)

    def train_info(self, x: dict) -> Any:
        return self.info_type(
            action_distribution=self.current_policy(x["features"]),
            value=x["value"],
            aux=x["aux"],
            step_type=x["step_type"],
            discount=x["discount"],
            reward=x["reward"],
            reward_weights=x.get("reward_weights", ()),
            rollout_action_distribution=policy_from_params(self.kind, x, "rollout_"),
            rollout_value=x["rollout_value"],
        )

    def forward(self, x: dict) -> Any:
        return self.loss(self.train_info(x))

    def value_targets(self, x: dict) -> torch.Tensor:
        """The loss's value targets alone (a twinnet method of the loss, not the spec's),
        from an info without the projection network (its policy is the rollout's)."""
        targets = getattr(self.loss, "value_targets", None)
        if targets is None:
            raise NotApplicable("the loss has no value_targets method to time alone")
        rollout = policy_from_params(self.kind, x, "rollout_")
        info = self.info_type(
            action_distribution=rollout,
            value=x["value"],
            aux=x["aux"],
            step_type=x["step_type"],
            discount=x["discount"],
            reward=x["reward"],
            rollout_action_distribution=rollout,
            rollout_value=x["rollout_value"],
        )
        return targets(info)


class AlgorithmProbe(nn.Module):
    """The candidate's network and the candidate's ``PPGAuxAlgorithm`` around it
    (``properties.models.alf.ppg``'s laws say what they use of it)."""

    def __init__(self, impl: Impl, cfg: dict):
        super().__init__()
        self.network = build_network(impl, cfg)
        self.rollout_step = impl.alf.ppg_network_forward
        options = impl.alf.PPGAuxOptions(**aux_options(cfg))
        self.algorithm = impl.alf.PPGAuxAlgorithm(
            alf_specs(impl, cfg["observation_spec"]),
            alf_specs(impl, cfg["action_spec"]),
            optimizer=functools.partial(torch.optim.SGD, lr=cfg["lr"]),
            dual_actor_value_network=self.network,
            aux_options=options,
        )

    def time_steps(self, x: dict) -> TimeStep:
        """The ``[T, B]`` experience as one ``[T * B]`` batch of time steps."""
        flat = map_structure(lambda t: t.flatten(0, 1), x)
        return TimeStep(flat["step_type"], flat["reward"], flat["discount"], flat["observation"])

    def train_info(self, x: dict) -> Any:
        """Rollout infos (no gradient), then ``train_step`` on them: ``[T, B]`` infos."""
        steps, batch = x["reward"].shape[:2]
        inputs = self.time_steps(x)
        with torch.no_grad():
            rollout = self.rollout_step(self.network, inputs, (), require_aux=False).info
        info = self.algorithm.train_step(inputs, (), rollout).info
        split = map_structure(lambda t: t.unflatten(0, (steps, batch)), to_params(info))
        return from_params(info, split)

    def forward(self, x: dict) -> Any:
        return self.algorithm.calc_loss(self.train_info(x))

    def stored_loss(self, stored: Any) -> Any:
        """``calc_loss`` of the current network against a replay's ``[B, N]`` experience
        and its rollout infos (the auxiliary phase's objective on all of it)."""
        rows, steps = stored.step_type.shape[:2]
        flat = from_params(stored, map_structure(lambda t: t.flatten(0, 1), to_params(stored)))
        inputs = TimeStep(flat.step_type, flat.reward, flat.discount, flat.observation)
        info = self.algorithm.train_step(inputs, (), flat.rollout_info).info
        split = map_structure(
            lambda t: t.unflatten(0, (rows, steps)).transpose(0, 1), to_params(info)
        )
        return self.algorithm.calc_loss(from_params(info, split))

    def rollout(self, x: dict) -> list[Any]:
        """The ``[B, ...]`` experience of each of the ``T`` steps (rollout infos without
        the auxiliary head, as the policy phase records them)."""
        from reference.alf.ppg.data import Experience

        out = []
        for t in range(x["reward"].shape[0]):
            x_t = map_structure(lambda v, t=t: v[t], x)
            inputs = TimeStep(x_t["step_type"], x_t["reward"], x_t["discount"], x_t["observation"])
            with torch.no_grad():
                info = self.rollout_step(self.network, inputs, (), require_aux=False).info
            out.append(Experience(*inputs, rollout_info=info))
        return out
