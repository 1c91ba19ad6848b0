"""Catalog entries of ``alf.algorithms.ppg`` (alf_ppg.txt): ``DisjointPolicyValueNetwork``,
``ppg_network_forward``, ``PPGAuxPhaseLoss``, ``PPGAuxAlgorithm`` and the four records.

The loss and the algorithm are checked through probes (``properties.kinds.loss`` and
``properties.kinds.algorithm``): small modules holding the candidate's objects and calling
them through their public API only, with twinnet's own ``TimeStep`` / ``Experience``
records (``reference.alf.ppg.data``) as the experience the trainer would hand them.
"""

from __future__ import annotations

import functools
from typing import Any

import torch
import torch.distributions as td
from hypothesis import strategies as st
from torch import nn

from properties import strategies as S
from properties.candidate import Impl
from properties.entry import BadConfig, Bench, BenchCase, Entry, NotApplicable
from properties.kinds.algorithm import Algorithm
from properties.kinds.loss import Loss
from properties.kinds.policy_value import PolicyValueNetwork
from properties.kinds.record import Record
from properties.specs import alf_specs
from reference.alf.ppg.data import StepType, TimeStep
from reference.alf.ppg.replay import from_params, to_params
from reference.specs import BoundedTensorSpec, Nest, TensorSpec, flatten, map_structure

NETWORK_ONLY = "checked by alf.DisjointPolicyValueNetwork's entry: this entry runs that network"

# --------------------------------------------------------------------------------------
# the network
# --------------------------------------------------------------------------------------


def continuous_spec(d: int) -> BoundedTensorSpec:
    return BoundedTensorSpec((d,), torch.float32, -1.0, 1.0)


def discrete_spec(k: int) -> BoundedTensorSpec:
    return BoundedTensorSpec((), torch.int64, 0, k - 1)


@st.composite
def action_specs(draw: Any) -> Nest:
    """A continuous or a discrete action, or a tuple / dict nest of one of each."""
    cont = continuous_spec(draw(S.sizes(1, 3)))
    disc = discrete_spec(draw(S.sizes(2, 4)))  # one category: a constant policy
    shape = draw(S.variants("action", ["continuous", "discrete", "tuple", "dict"]))
    return {"continuous": cont, "discrete": disc, "tuple": (cont, disc)}.get(
        shape, {"move": cont, "pick": disc}
    )


@st.composite
def network_configs(draw: Any) -> dict:
    return {
        "observation_spec": draw(S.vector_specs(1, 5)),
        "action_spec": draw(action_specs()),
        "fc_layer_params": draw(st.lists(S.sizes(1, 6), max_size=2).map(tuple)),
        "activation": draw(S.activations()),
        "is_sharing_encoder": draw(st.booleans()),
    }


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


def _network_bench() -> Bench:
    cfg = {
        "observation_spec": TensorSpec((64,)),
        "action_spec": continuous_spec(8),
        "fc_layer_params": (256, 256),
        "activation": "relu_",
        "is_sharing_encoder": False,
    }
    shared = {**cfg, "is_sharing_encoder": True}
    return Bench(
        (
            BenchCase("dual,B=1024", cfg, 1024),
            BenchCase("dual,B=64", cfg, 64),
            BenchCase("shared,B=1024", shared, 1024),
        )
    )


def _spec(impl: Impl, spec: Any) -> Any:
    return alf_specs(impl, spec)


NETWORK_BAD = (
    BadConfig(
        "is_sharing_encoder not a bool",
        lambda impl: impl.alf.DisjointPolicyValueNetwork(
            _spec(impl, TensorSpec((3,))), _spec(impl, continuous_spec(2)), is_sharing_encoder=1
        ),
        TypeError,
        "is_sharing_encoder",
    ),
    BadConfig(
        "an encoder of image features",
        lambda impl: impl.alf.DisjointPolicyValueNetwork(
            _spec(impl, TensorSpec((2, 3, 3))), _spec(impl, continuous_spec(2))
        ),
        ValueError,
        "rank-1",
    ),
)

# --------------------------------------------------------------------------------------
# ppg_network_forward
# --------------------------------------------------------------------------------------


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


@st.composite
def forward_configs(draw: Any) -> dict:
    return {
        **draw(network_configs()),
        "epsilon_greedy": draw(st.sampled_from([None, 0.0])),
        "require_aux": draw(st.booleans()),
    }


def forward_extra(net: Any, step: Any, cfg: dict) -> dict:
    """Greedy actions (deterministic); for sampled ones, ``log_prob`` minus the sum of the
    leaves' log-probabilities of the returned action (zero)."""
    info = step.info
    if cfg["epsilon_greedy"] is not None:
        return {"action": step.output}
    pairs = zip(flatten(info.action_distribution), flatten(step.output), strict=True)
    total = sum(d.log_prob(a) for d, a in pairs)
    return {"log_prob_gap": info.log_prob - total}


# --------------------------------------------------------------------------------------
# the loss
# --------------------------------------------------------------------------------------


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


@st.composite
def loss_configs(draw: Any) -> dict:
    d = draw(st.one_of(st.none(), st.integers(1, 3)))
    if d is not None and draw(st.booleans()):
        gamma: Any = tuple(draw(st.floats(0.5, 1.0)) for _ in range(d))
    else:
        gamma = draw(st.floats(0.5, 1.0))
    kind = draw(S.variants("head", ["normal", "categorical"]))
    size = draw(st.integers(1, 4))
    return {
        "T": draw(st.integers(2, 7)),
        "D": d,
        "features": draw(st.integers(1, 4)),
        "policy": {"kind": kind, "d": size} if kind == "normal" else {"kind": kind, "k": size},
        "reward_weights": d is not None and draw(st.booleans()),
        "gamma": gamma,
        "td_lambda": draw(st.floats(0.0, 1.0)),
        "policy_kl_loss_weight": draw(st.floats(0.0, 2.0)),
    }


def _loss_bench() -> Bench:
    base = {
        "D": None,
        "reward_weights": False,
        "gamma": 0.99,
        "td_lambda": 0.95,
        "policy_kl_loss_weight": 1.0,
    }
    aux = {**base, "T": 128, "features": 64, "policy": {"kind": "normal", "d": 6}}
    targets = {**base, "T": 256, "features": 1, "policy": {"kind": "normal", "d": 1}}
    return Bench(
        (
            BenchCase("T=128,B=32,normal", aux, 32),
            BenchCase("targets T=256,B=64", {**targets, "targets_only": True}, 64, ("fwd",)),
        )
    )


LOSS_BAD = (
    BadConfig(
        "gamma above 1",
        lambda impl: impl.alf.PPGAuxPhaseLoss(gamma=1.5),
        ValueError,
        "gamma",
    ),
    BadConfig(
        "td_lambda above 1",
        lambda impl: impl.alf.PPGAuxPhaseLoss(td_lambda=2.0),
        ValueError,
        "td_lambda",
    ),
    BadConfig(
        "gamma a string",
        lambda impl: impl.alf.PPGAuxPhaseLoss(gamma="0.9"),
        TypeError,
        "gamma",
    ),
)

# --------------------------------------------------------------------------------------
# the algorithm
# --------------------------------------------------------------------------------------


class AlgorithmProbe(nn.Module):
    """The candidate's network and the candidate's ``PPGAuxAlgorithm`` around it
    (``properties.kinds.algorithm`` says what it offers)."""

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


@st.composite
def algorithm_configs(draw: Any) -> dict:
    cont = continuous_spec(draw(S.sizes(1, 2)))
    disc = discrete_spec(draw(S.sizes(2, 3)))
    return {
        "observation_spec": draw(S.vector_specs(1, 4)),
        "action_spec": draw(st.sampled_from([cont, disc])),
        "fc_layer_params": (draw(S.sizes(2, 5)),),
        "activation": "tanh",
        "is_sharing_encoder": draw(st.booleans()),
        "T": draw(st.integers(2, 3)),
        "interval": draw(st.integers(1, 2)),
        "mini_batch_length": draw(st.one_of(st.none(), st.integers(2, 3))),
        "mini_batch_size": draw(st.integers(2, 3)),
        "num_updates": draw(st.integers(1, 2)),
        "lr": 0.05,
    }


def aux_options(cfg: dict) -> dict:
    """The config's auxiliary options, by the spec's ``PPGAuxOptions`` field names."""
    return {
        "enabled": True,
        "interval": cfg["interval"],
        "mini_batch_length": cfg["mini_batch_length"],
        "mini_batch_size": cfg["mini_batch_size"],
        "num_updates_per_train_iter": cfg["num_updates"],
    }


def full_batch(cfg: dict) -> dict:
    """One pass of one mini-batch of whole sequences (every row's in one), a small step."""
    return {
        **cfg,
        "mini_batch_length": None,
        "mini_batch_size": 64,
        "num_updates": 1,
        "lr": 0.01,
    }


def _algorithm(impl: Impl, **kw: Any) -> Any:
    spec = alf_specs(impl, TensorSpec((3,)))
    action = alf_specs(impl, continuous_spec(1))
    return impl.alf.PPGAuxAlgorithm(spec, action, **kw)


def _small_network(impl: Impl) -> Any:
    return impl.alf.DisjointPolicyValueNetwork(
        alf_specs(impl, TensorSpec((3,))), alf_specs(impl, continuous_spec(1))
    )


ALGORITHM_BAD = (
    BadConfig(
        "no network",
        lambda impl: _algorithm(impl),
        TypeError,
        "dual_actor_value_network",
    ),
    BadConfig(
        "interval 0",
        lambda impl: _algorithm(
            impl,
            dual_actor_value_network=_small_network(impl),
            aux_options=impl.alf.PPGAuxOptions(True, 0, None, 8, 6),
        ),
        ValueError,
        "interval",
    ),
    BadConfig(
        "aux_options a plain tuple",
        lambda impl: _algorithm(
            impl, dual_actor_value_network=_small_network(impl), aux_options=(True, 2, None, 8, 6)
        ),
        TypeError,
        "PPGAuxOptions",
    ),
)


def entries() -> list[Entry]:
    records = ("PPGRolloutInfo", "PPGTrainInfo", "PPGAuxPhaseLossInfo", "PPGAuxOptions")
    no_build: st.SearchStrategy[dict] = st.just({})
    return [
        Entry(
            "alf.DisjointPolicyValueNetwork",
            PolicyValueNetwork(spec=lambda cfg: cfg["observation_spec"]),
            network_configs,
            build_network,
            left_out={"parallel": "the spec gives it no parallel form of its own"},
            bad_configs=NETWORK_BAD,
            bench=_network_bench(),
        ),
        Entry(
            "alf.ppg_network_forward",
            PolicyValueNetwork(
                spec=lambda cfg: cfg["observation_spec"],
                heads=lambda net, step: (
                    step.info.action_distribution,
                    step.info.value,
                    step.info.aux,
                ),
                extra=forward_extra,
                requires_aux=lambda cfg: cfg["require_aux"],
            ),
            forward_configs,
            ForwardProbe,
            left_out={
                "parallel": "a function has no parallel form",
                "state_dict": NETWORK_ONLY,
                "init": NETWORK_ONLY,
                "detach": NETWORK_ONLY,
                "bad_input": NETWORK_ONLY,
            },
        ),
        Entry(
            "alf.PPGAuxPhaseLoss",
            Loss(),
            loss_configs,
            AuxLossProbe,
            bad_configs=LOSS_BAD,
            bench=_loss_bench(),
        ),
        Entry(
            "alf.PPGAuxAlgorithm",
            Algorithm(options=aux_options, full_batch=full_batch),
            algorithm_configs,
            AlgorithmProbe,
            bad_configs=ALGORITHM_BAD,
        ),
        *(
            Entry(f"alf.{name}", Record(), lambda: no_build, lambda impl, cfg: None)
            for name in records
        ),
    ]
