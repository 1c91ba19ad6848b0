"""``PPGAuxAlgorithm``: PPG's auxiliary phase (``alf.algorithms.ppg.ppg_aux_algorithm``).

The algorithm owns no network: it is handed the ``DisjointPolicyValueNetwork`` of its
parent PPG algorithm. Every rollout step of the policy phase is stored in its own replay
(:meth:`PPGAuxAlgorithm.observe_for_aux_replay`, ``[B, ...]`` experience). After every
``interval``-th policy iteration the auxiliary phase runs on everything stored since the
last one, and empties the replay:

    for each of num_updates_per_train_iter passes:
        cut the stored [B, N] experience into sequences of L steps (the last N mod L
        steps of each row left out), shuffle them (torch.randperm; every pass's order is
        drawn before the first update), and for each mini-batch of mini_batch_size
        sequences:
            state <- zeros; for t in 0 .. L-1:
                state <- zeros where step t starts an episode
                step_t <- train_step(time step t, state, rollout info t); state <- its state
            loss <- mean over (t, b) of calc_loss(the steps' infos, stacked [L, b]).loss
            one optimizer step on loss

with ``L = aux_options.mini_batch_length``, or ``config.unroll_length`` when that is None
and a config is given (upstream's rule), or all ``N`` stored steps.
``train_step(inputs, state, plain_rollout_info)`` evaluates the network with the auxiliary
head and keeps the rollout's distribution, value and action for the loss;
``calc_loss(info)`` is ``PPGAuxPhaseLoss()`` with its defaults, as upstream.

What ALF's trainer does around this, and twinnet does not rebuild: it builds a
``TrainerConfig`` of its own for the auxiliary phase (``unroll_length = interval x the
policy phase's``, whole-replay-buffer training, clearing the buffer after it), keeps the
replay in an ALF ``ReplayBuffer`` with one row per environment, counts iterations with a
global counter and calls ``train_from_replay_buffer`` from ``PPGAlgorithm.after_train_iter``.
Twinnet's stand-in for that part is three methods of its own, documented here and not in
the spec: :meth:`~PPGAuxAlgorithm.replayed_experience` (the replay's content,
``ReplayBuffer.gather_all``), :meth:`~PPGAuxAlgorithm.train_from_replay` (the phase
above) and :meth:`~PPGAuxAlgorithm.after_policy_iteration` (the ``interval`` rule, with the
iterations counted from 1 by the caller).

Deviations from upstream ALF (23aca49): ``config`` may be None (upstream
reads ``config.unroll_length`` unconditionally); ``optimizer`` is an optimizer over the
network's parameters, or a callable that builds one from them (ALF's optimizers are bound
to the parameters by the algorithm).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import torch
from torch import nn

from reference.alf.network import Network
from reference.alf.ppg.data import AlgStep, Experience, LossInfo, StepType, TimeStep
from reference.alf.ppg.loss import PPGAuxPhaseLoss
from reference.alf.ppg.replay import AuxReplay, from_params, stack_steps
from reference.alf.ppg.utils import PPGRolloutInfo, PPGTrainInfo, ppg_network_forward
from reference.specs import Nest, TensorSpec, flatten, map_structure


class PPGAuxOptions(NamedTuple):
    """Options of the auxiliary phase: whether it runs at all, after how many policy
    iterations, and its sequence length, mini-batch size and passes per phase. The spec's
    page lists the fields only; the defaults are upstream's (those that ``PPGAuxAlgorithm``'s
    ``aux_options`` default spells out)."""

    enabled: Any = True
    interval: Any = 32
    mini_batch_length: Any = None
    mini_batch_size: Any = 8
    num_updates_per_train_iter: Any = 6


#: The spec's default ``reward_spec`` of ``PPGAuxAlgorithm``: one scalar reward.
SCALAR_REWARD = TensorSpec(())
#: The spec's default ``aux_options`` of ``PPGAuxAlgorithm``.
DEFAULT_AUX_OPTIONS = PPGAuxOptions()


def _positive_int(value: Any, what: str, allow_none: bool = False, least: int = 1) -> None:
    if allow_none and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"expected an int {what} >= {least}, got {value!r}")


def check_aux_options(options: Any, name: str) -> None:
    if not isinstance(options, PPGAuxOptions):
        raise TypeError(f"{name}: expected PPGAuxOptions, got {type(options).__name__}")
    _positive_int(options.interval, f"{name} aux_options.interval")
    _positive_int(options.mini_batch_size, f"{name} aux_options.mini_batch_size")
    _positive_int(options.num_updates_per_train_iter, f"{name} aux_options.num_updates")
    # the value targets need two steps: a sequence is at least that long
    _positive_int(options.mini_batch_length, f"{name} aux_options.mini_batch_length", True, 2)


def zero_state(spec: Nest, batch: int, like: torch.Tensor) -> Nest:
    """Zeros of a state spec for ``batch`` rows (floating state in ``like``'s dtype)."""

    def zeros(s: TensorSpec) -> torch.Tensor:
        dtype = like.dtype if s.dtype.is_floating_point else s.dtype
        return torch.zeros((batch, *s.shape), dtype=dtype, device=like.device)

    return map_structure(zeros, spec)


def reset_where_first(state: Nest, initial: Nest, step_type: torch.Tensor) -> Nest:
    """Rows of ``state`` whose step starts an episode replaced by the initial state."""
    first = step_type == StepType.FIRST

    def reset(s: torch.Tensor, s0: torch.Tensor) -> torch.Tensor:
        return torch.where(first.reshape(-1, *([1] * (s.dim() - 1))), s0, s)

    return map_structure(reset, state, initial)


def check_stored_steps(steps: int, name: str) -> None:
    if steps < 2:
        raise ValueError(
            f"{name}: expected at least 2 stored steps per row for the value targets, got {steps}"
        )


class PPGAuxAlgorithm(nn.Module):
    """The auxiliary phase of PPG; see the module doc."""

    def __init__(
        self,
        observation_spec: Nest,
        action_spec: Nest,
        reward_spec: TensorSpec = SCALAR_REWARD,
        config: Any = None,
        optimizer: Any = None,
        dual_actor_value_network: Any = None,
        aux_options: PPGAuxOptions = DEFAULT_AUX_OPTIONS,
        debug_summaries: bool = False,
        name: str = "PPGAuxAlgorithm",
    ):
        super().__init__()
        if not isinstance(dual_actor_value_network, Network):
            raise TypeError(
                f"{name}: expected the parent's DisjointPolicyValueNetwork as "
                f"dual_actor_value_network, got {type(dual_actor_value_network).__name__}"
            )
        check_aux_options(aux_options, name)
        if config is not None:
            _positive_int(getattr(config, "unroll_length", None), f"{name} config.unroll_length")
        self._observation_spec = observation_spec
        self._action_spec = action_spec
        self._reward_spec = reward_spec
        self._config = config
        self._network = dual_actor_value_network
        self._options = aux_options
        self._loss = PPGAuxPhaseLoss()
        self._replay = AuxReplay()
        self._name = name
        self._debug_summaries = debug_summaries
        params = list(dual_actor_value_network.parameters())
        self._optimizer = optimizer(params) if callable(optimizer) else optimizer

    @property
    def interval(self) -> int:
        return self._options.interval

    @property
    def name(self) -> str:
        return self._name

    # -- the spec's methods -------------------------------------------------------------------
    def observe_for_aux_replay(self, exp: Experience) -> None:
        """Store one ``[B, ...]`` experience step (its ``rollout_info`` a
        ``PPGRolloutInfo``) for the next auxiliary phase."""
        if not isinstance(exp, Experience) or not isinstance(exp.rollout_info, PPGRolloutInfo):
            raise TypeError(
                f"{self._name}: expected an Experience with a PPGRolloutInfo, got "
                f"{type(exp).__name__}"
            )
        self._replay.add(exp._replace(state=()))

    def train_step(
        self, inputs: TimeStep, state: Nest, plain_rollout_info: PPGRolloutInfo
    ) -> AlgStep:
        """The network on ``inputs`` with the auxiliary head; the info keeps the rollout's
        action, value and distribution beside the new evaluation."""
        step = ppg_network_forward(self._network, inputs, state, require_aux=True)
        info = PPGTrainInfo(
            action=plain_rollout_info.action,
            rollout_value=plain_rollout_info.value,
            rollout_action_distribution=plain_rollout_info.action_distribution,
        ).absorbed(step.info)
        return step._replace(info=info)

    def calc_loss(self, info: PPGTrainInfo) -> LossInfo:
        """``PPGAuxPhaseLoss`` of ``[T, B]`` train infos: ``LossInfo`` with ``[T, B]`` parts."""
        return self._loss(info)

    # -- twinnet's stand-in for ALF's trainer ---------------------------------------------------
    def replayed_experience(self) -> Nest:
        """Everything stored since the last auxiliary phase, ``[B, N, ...]`` (``()`` when
        nothing is)."""
        return self._replay.gather_all()

    def sequence_length(self, stored: int) -> int:
        """``L`` for ``stored`` steps per row (module doc)."""
        length = self._options.mini_batch_length
        if length is None and self._config is not None:
            length = self._config.unroll_length
        return min(length or stored, stored)

    def unroll(self, batch: Nest, template: Experience) -> PPGTrainInfo:
        """``train_step`` over the ``L`` steps of a time-major ``[L, b, ...]`` batch (its
        distributions as parameters, rebuilt in ``template``'s families), from a zero state
        reset at episode starts; the infos stacked ``[L, b]``."""
        steps, rows = batch.step_type.shape[:2]
        first_obs = flatten(batch.observation)[0]
        initial = zero_state(self._network.state_spec, rows, first_obs)
        state, infos = initial, []
        for t in range(steps):
            exp_t = from_params(template, map_structure(lambda x, t=t: x[t], batch))
            state = reset_where_first(state, initial, exp_t.step_type)
            inputs = TimeStep(exp_t.step_type, exp_t.reward, exp_t.discount, exp_t.observation)
            step = self.train_step(inputs, state, exp_t.rollout_info)
            state = step.state
            infos.append(step.info)
        return stack_steps(infos, 0)

    def train_from_replay(self) -> list[float]:
        """The auxiliary phase on the stored experience (module doc); returns the loss of
        each mini-batch, before its update, and empties the replay."""
        if self._optimizer is None:
            raise ValueError(
                f"{self._name}: expected an optimizer for the auxiliary phase, got None"
            )
        stored, template = self._replay.gather_params(), self._replay.template
        self._replay.clear()
        if not flatten(stored):
            return []
        rows, n = stored.step_type.shape[:2]
        check_stored_steps(n, self._name)
        length = self.sequence_length(n)
        sequences = []
        for b in range(rows):
            for k in range(n // length):
                window = slice(k * length, (k + 1) * length)
                sequences.append(map_structure(lambda x, b=b, w=window: x[b, w], stored))
        size = self._options.mini_batch_size
        # every pass's shuffle drawn first: the steps' action sampling does not move them
        passes = self._options.num_updates_per_train_iter
        orders = [torch.randperm(len(sequences)).tolist() for _ in range(passes)]
        losses = []
        for order in orders:
            for i in range(0, len(order), size):
                chosen = [sequences[j] for j in order[i : i + size]]
                batch = map_structure(lambda *xs: torch.stack(xs, 1), *chosen)
                loss = self.calc_loss(self.unroll(batch, template)).loss.mean()
                self._optimizer.zero_grad()
                loss.backward()
                self._optimizer.step()
                losses.append(float(loss.detach()))
        return losses

    def after_policy_iteration(self, iteration: int) -> list[float] | None:
        """Run the auxiliary phase when it is enabled and ``iteration`` (counted from 1) is
        a multiple of ``interval``; its losses, or None when it did not run. An iteration
        that is not an int ``>= 1`` raises (``0`` is a multiple of every interval)."""
        if isinstance(iteration, bool) or not isinstance(iteration, int):
            raise TypeError(f"{self.name}: expected an int iteration, got {iteration!r}")
        if iteration < 1:
            raise ValueError(f"{self.name}: expected iteration >= 1, got {iteration}")
        if not self._options.enabled or iteration % self._options.interval != 0:
            return None
        return self.train_from_replay()
