"""PPG's records and the network step the algorithms share (``alf.algorithms.ppg.ppg_utils``).

``PPGRolloutInfo`` is what a rollout step records per step; ``PPGTrainInfo`` adds what a
training step derives (the rollout's distribution, value and log-probability, kept while
the other fields are re-evaluated by the current network: :meth:`PPGTrainInfo.absorbed`).

``ppg_network_forward(network, inputs, state, require_aux, epsilon_greedy)`` evaluates the
network on ``inputs.observation`` and picks an action from the distribution nest ``pi``:

* ``epsilon_greedy is None``: ``a ~ pi`` (``sample()`` per leaf) and
  ``log_prob = sum over leaves of log pi_leaf(a_leaf)``;
* otherwise each leaf's action is its mode, replaced, per batch row with probability
  ``epsilon_greedy``, by a sample (all rows sampled when ``epsilon_greedy >= 1``), and
  ``log_prob = ()``.

The mode of a leaf is ALF's ``get_mode``: the argmax of a categorical, the mean of a normal
(through ``Independent``), and for a transformed distribution the transforms applied to the
base distribution's mode.

Deviation from upstream: the spec documents ``PPGRolloutInfo(action_distribution, ...,
reward_weights)`` with every field required, and it is so here; upstream's code gives every
field the default ``()``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import torch
import torch.distributions as td

from reference.alf.ppg.data import AlgStep, TimeStep
from reference.specs import Nest, flatten, map_structure


class PPGRolloutInfo(NamedTuple):
    """One rollout step: the policy's distribution, the action taken and its
    log-probability, the value and auxiliary value, and the step's type, discount, reward
    and reward weights (every field defaults to ``()``, as upstream's record does; the
    spec's page lists the fields only)."""

    action_distribution: Any = ()
    action: Any = ()
    log_prob: Any = ()
    value: Any = ()
    aux: Any = ()
    step_type: Any = ()
    discount: Any = ()
    reward: Any = ()
    reward_weights: Any = ()


class PPGTrainInfo(NamedTuple):
    """The fields of ``PPGRolloutInfo`` plus the rollout's distribution, value and
    log-probability (every field defaults to ``()``)."""

    action_distribution: Any = ()
    action: Any = ()
    log_prob: Any = ()
    value: Any = ()
    aux: Any = ()
    step_type: Any = ()
    discount: Any = ()
    reward: Any = ()
    reward_weights: Any = ()
    rollout_action_distribution: Any = ()
    rollout_value: Any = ()
    rollout_log_prob: Any = ()

    def absorbed(self, rollout_info: PPGRolloutInfo) -> PPGTrainInfo:
        """A new info with the step fields (step type, reward, discount, distribution,
        value, aux, reward weights) taken from ``rollout_info`` and the others (action,
        log-probability and the ``rollout_*`` fields) kept from ``self``."""
        return self._replace(
            step_type=rollout_info.step_type,
            reward=rollout_info.reward,
            discount=rollout_info.discount,
            action_distribution=rollout_info.action_distribution,
            value=rollout_info.value,
            aux=rollout_info.aux,
            reward_weights=rollout_info.reward_weights,
        )


def distribution_mode(dist: td.Distribution) -> torch.Tensor:
    """ALF's ``get_mode`` (module doc)."""
    if isinstance(dist, td.TransformedDistribution):
        x = distribution_mode(dist.base_dist)
        for transform in dist.transforms:
            x = transform(x)
        return x
    if isinstance(dist, td.Independent):
        return distribution_mode(dist.base_dist)
    if isinstance(dist, td.Categorical):
        return dist.logits.argmax(-1)
    try:  # a Beta's, a truncated normal's or a Cauchy's own mode, as ALF's get_mode
        return dist.mode
    except NotImplementedError:
        return dist.mean


def epsilon_greedy_action(dist: td.Distribution, epsilon: float) -> torch.Tensor:
    """The mode, replaced by a sample in each batch row with probability ``epsilon``."""
    greedy = distribution_mode(dist)
    if epsilon == 0.0:
        return greedy
    sample = dist.sample()
    keep_greedy = torch.rand(sample.shape[0], device=sample.device) > epsilon
    mask = keep_greedy.reshape(-1, *([1] * (sample.dim() - 1)))
    return torch.where(mask, greedy.to(sample.dtype), sample)


def ppg_network_forward(
    network: Any,
    inputs: TimeStep,
    state: Nest,
    require_aux: bool = True,
    epsilon_greedy: float | None = None,
) -> AlgStep:
    """One network step for rollout or training (module doc): ``AlgStep(output=action,
    state=new_state, info=PPGRolloutInfo(...))``, with the action and its log-probability
    detached and ``reward_weights = ()``."""
    if epsilon_greedy is not None and not float(epsilon_greedy) >= 0.0:
        raise ValueError(f"expected a non-negative epsilon_greedy or None, got {epsilon_greedy!r}")
    (pi, value, aux), new_state = network(inputs.observation, state, require_aux=require_aux)
    log_prob: Any
    if epsilon_greedy is None:
        action = map_structure(lambda d: d.sample(), pi)
        log_prob = sum(d.log_prob(a) for d, a in zip(flatten(pi), flatten(action), strict=True))
        log_prob = log_prob.detach()
    elif epsilon_greedy >= 1.0:
        action = map_structure(lambda d: d.sample(), pi)
        log_prob = ()
    else:
        action = map_structure(lambda d: epsilon_greedy_action(d, epsilon_greedy), pi)
        log_prob = ()
    info = PPGRolloutInfo(
        action_distribution=pi,
        action=map_structure(torch.Tensor.detach, action),
        log_prob=log_prob,
        value=value,
        aux=aux,
        step_type=inputs.step_type,
        discount=inputs.discount,
        reward=inputs.reward,
        reward_weights=(),
    )
    return AlgStep(output=action, state=new_state, info=info)
