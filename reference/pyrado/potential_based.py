"""Pyrado's base of potential-based policies (ADN, NF).

Upstream: ``pyrado/policies/recurrent/potential_based.py``. The hidden state is the vector
of ``H`` neuron potentials ``p`` (``H`` = the action dim unless ``hidden_size`` is given);
a subclass's step integrates ``p <- clamp(p + dp/dt, -100, 100)`` (``dt = 1``) with
``dp/dt = potentials_dot(p, s)``. Shared pieces, with upstream's constants:

* ``resting_level`` ``h``: a parameter, ``N(0, 1)`` at ``init_param``;
* ``obs_layer``: ``nn.Linear(obs_dim, H, bias=False)`` unless given (upstream's docstring
  says "with biases"; its code has none, and neither has this one);
* ``tau = exp(_log_tau)``, ``_log_tau = log(tau_init)``, a parameter if ``tau_learnable``;
* ``kappa = exp(_log_kappa)``: ``log(kappa_init)`` (a parameter if ``kappa_learnable``); a
  non-learnable ``kappa_init == 0`` stores ``_log_kappa = 1``, so ``kappa`` is ``e``, not 0
  (upstream's code; a learnable 0 stays ``exp(-inf) = 0``);
* initial potentials: a parameter ``N(0, 1)`` if ``potential_init_learnable``, else ``-7``
  for ``torch.sigmoid`` activations and ``0`` otherwise.

Non-learnable constants are non-persistent buffers here (plain tensors upstream), so they
follow ``.to(device, dtype)``; the state_dict is upstream's either way. ``tau_init <= 0``
and ``kappa_init < 0`` (or either non-finite) raise ``ValueError`` at construction (upstream:
NaN logs), and a learnable flag that is not a bool raises ``TypeError``.
``evaluate`` steps through each rollout one unbatched step at a time from its recorded
first hidden state and restores the training mode (upstream leaves it in training mode).
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from reference import checks
from reference.pyrado.base import RecurrentPolicy, check_hidden, check_obs
from reference.pyrado.rnn import init_linear, step_through_rollouts
from reference.pyrado.step_sequence import StepSequence

POTENTIALS_MAX = 100.0


def cubic_term(kappa: Any, d: torch.Tensor) -> torch.Tensor:
    """``kappa d^3`` with ``d^3`` clamped to the dtype's finite range: where the cube
    overflows, ``kappa = 0`` gives 0 (the limit of ``kappa d^3`` as ``kappa -> 0``, not IEEE's
    ``0 * inf = NaN``) and ``kappa > 0`` a value the potentials' clamp to ``+-100`` takes as
    inf. Where ``d^3`` is finite this is the product itself, gradients included; NaN stays
    NaN."""
    big = torch.finfo(d.dtype).max
    return kappa * (d**3).clamp(-big, big)


class PotentialBasedPolicy(RecurrentPolicy):
    """Base of policies whose hidden state is a vector of neuron potentials (module doc)."""

    name: str | None = None

    def __init__(
        self,
        spec: Any,
        obs_layer: nn.Module | None,
        activation_nonlin: Callable,
        tau_init: float,
        tau_learnable: bool,
        kappa_init: float,
        kappa_learnable: bool,
        potential_init_learnable: bool,
        use_cuda: bool,
        hidden_size: int | None = None,
    ):
        if not callable(activation_nonlin):
            raise TypeError(f"activation_nonlin: expected a callable, got {activation_nonlin!r}")
        checks.positive(tau_init, "tau_init")
        checks.nonnegative(kappa_init, "kappa_init")
        for value, what in (
            (tau_learnable, "tau_learnable"),
            (kappa_learnable, "kappa_learnable"),
            (potential_init_learnable, "potential_init_learnable"),
            (use_cuda, "use_cuda"),
        ):
            checks.flag(value, what)
        super().__init__(spec, use_cuda)
        self._input_size = spec.obs_space.flat_dim
        self._hidden_size = spec.act_space.flat_dim if hidden_size is None else hidden_size
        self.num_recurrent_layers = 1
        self._potentials_max = POTENTIALS_MAX
        n = self.hidden_size
        self._stimuli_external = torch.zeros(n)
        self._stimuli_internal = torch.zeros(n)
        self.resting_level = nn.Parameter(torch.zeros(n))
        self.obs_layer = (
            nn.Linear(self._input_size, n, bias=False) if obs_layer is None else obs_layer
        )
        self.potential_init_learnable = potential_init_learnable
        if potential_init_learnable:
            self._potentials_init = nn.Parameter(torch.randn(n))
        else:
            start = -7.0 if activation_nonlin is torch.sigmoid else 0.0
            self.register_buffer("_potentials_init", torch.full((n,), start), persistent=False)
        self.tau_learnable = tau_learnable
        self._log_tau_init = math.log(tau_init)
        if tau_learnable:
            self._log_tau = nn.Parameter(torch.tensor([self._log_tau_init]))
        else:
            self.register_buffer("_log_tau", torch.tensor([self._log_tau_init]), persistent=False)
        self.kappa_learnable = kappa_learnable
        if kappa_learnable or kappa_init != 0.0:
            self._log_kappa_init = math.log(kappa_init) if kappa_init > 0 else -math.inf
            if kappa_learnable:
                self._log_kappa = nn.Parameter(torch.tensor([self._log_kappa_init]))
            else:
                log_kappa = torch.tensor([self._log_kappa_init])
                self.register_buffer("_log_kappa", log_kappa, persistent=False)
        else:
            self.register_buffer("_log_kappa", torch.tensor([1.0]), persistent=False)

    def extra_repr(self) -> str:
        return (
            f"tau_learnable={self.tau_learnable}, kappa_learnable={self.kappa_learnable}, "
            f"learn_init_potentials={self.potential_init_learnable}"
        )

    @property
    def hidden_size(self) -> int:
        return self.num_recurrent_layers * self._hidden_size

    @property
    def stimuli_external(self) -> torch.Tensor:
        """The last step's external stimuli ``obs_layer(obs)``, detached: upstream keeps
        their autograd graph, after which the policy cannot be deep-copied (contract item 7)."""
        return self._stimuli_external

    @property
    def stimuli_internal(self) -> torch.Tensor:
        """The last step's internal stimuli (from the previous activations), detached."""
        return self._stimuli_internal

    @property
    def tau(self) -> torch.Tensor:
        return torch.exp(self._log_tau)

    @property
    def kappa(self) -> torch.Tensor:
        return torch.exp(self._log_kappa)

    @abstractmethod
    def potentials_dot(self, potentials: torch.Tensor, stimuli: torch.Tensor) -> torch.Tensor:
        """``dp/dt`` for potentials ``p`` under stimuli ``s``."""

    def init_param(self, init_values: torch.Tensor | None = None, **kwargs: Any) -> None:
        if init_values is not None:
            self.param_values = init_values
            return
        if isinstance(self.obs_layer, nn.Linear):
            init_linear(self.obs_layer)
        with torch.no_grad():
            self.resting_level.normal_()
            if self.tau_learnable:
                self._log_tau.fill_(self._log_tau_init)
            if self.potential_init_learnable:
                self._potentials_init.normal_()

    def init_hidden(self, batch_size: int | None = None) -> torch.Tensor:
        """The initial potentials (detached): ``[H]`` or repeated to ``[batch_size, H]``."""
        start = self._potentials_init.detach()
        return start.clone() if batch_size is None else start.repeat(batch_size, 1)

    def start_potentials(self, obs: torch.Tensor, hidden: torch.Tensor | None) -> tuple:
        """``(batch, potentials)`` of a step: the validated, detached incoming potentials."""
        batch = check_obs(obs, self._input_size, self._float_like())
        if hidden is None:
            hidden = self.init_hidden(batch)
        check_hidden(hidden, batch, self.hidden_size, obs)
        return batch, hidden.detach()

    @abstractmethod
    def forward(
        self, obs: torch.Tensor, hidden: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(action, new potentials)`` for one step."""

    def evaluate(
        self, rollout: StepSequence, hidden_states_name: str = "hidden_states"
    ) -> torch.Tensor:
        outputs = step_through_rollouts(self, rollout, hidden_states_name)
        return torch.stack([out[0] for out in outputs])
