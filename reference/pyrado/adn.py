"""Pyrado's Activation Dynamic Network and its six potential dynamics.

Upstream: ``pyrado/policies/recurrent/adn.py``. Each dynamics function returns ``dp/dt``
for potentials ``p``, stimuli ``s``, resting level ``h`` and time constant ``tau``
(``kappa`` / ``capacity`` ``C`` as keyword arguments), and raises ``ValueError`` unless
every ``tau > 0``. With ``d = h - p``, upstream's *code* computes:

* ``pd_linear``:          ``(s + d) / tau``  (its docstring says ``tau dp/dt = s - p``)
* ``pd_cubic``:           ``(s + d + kappa d^3) / tau``, ``kappa >= 0``
* ``pd_capacity_21``:     ``(s - d (1 - d^2 / C^2)) / tau``
* ``pd_capacity_21_abs``: ``(s - d (1 - |d| / C)) / tau``
* ``pd_capacity_32``:     ``(s + d (1 - d^2 / C^2) (1 - 4 d^2 / C^2)) / tau``  (a ``+``; its
  docstring has ``-``)
* ``pd_capacity_32_abs``: ``(s + d (1 - |d| / C) (1 - 2 |d| / C)) / tau``

One ADN step from potentials ``p`` (detached: no gradient flows into the previous step):

    a_prev = act(w * p)                      (pot_to_act_layer: scale w, no bias)
    s = W_obs obs + W_prev a_prev            (obs_layer, prev_act_layer: no biases)
    p' = clamp(p + f(p, s, h, tau), -100, 100)
    action = act(w * p')

``H`` = the action dim. Capacity-based dynamics need ``torch.sigmoid`` (``C = 7`` at start)
or ``torch.tanh`` (``C = 3.8``) activations; ``log C`` is a parameter if
``capacity_learnable``. ``activation_nonlin`` must be a callable: the spec's type allows a
sequence of callables, but upstream's base class rejects one, and so does this class.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from reference import checks
from reference.pyrado.layers import IndiNonlinLayer
from reference.pyrado.potential_based import POTENTIALS_MAX, PotentialBasedPolicy, cubic_term
from reference.pyrado.rnn import init_linear


def _check_tau(tau: torch.Tensor) -> None:
    if not bool(torch.all(torch.as_tensor(tau) > 0)):
        raise ValueError(f"tau: expected every value > 0, got {tau}")


def _check_capacity(capacity: Any) -> torch.Tensor:
    c = torch.as_tensor(capacity)
    if not bool(torch.all(c > 0)):
        raise ValueError(f"capacity: expected every value > 0, got {capacity}")
    return c


def pd_linear(
    p: torch.Tensor, s: torch.Tensor, h: torch.Tensor, tau: torch.Tensor, **kwargs: Any
) -> torch.Tensor:
    """``(s + h - p) / tau`` (module doc: upstream's code, not its docstring)."""
    _check_tau(tau)
    return (s + h - p) / tau


def pd_cubic(
    p: torch.Tensor, s: torch.Tensor, h: torch.Tensor, tau: torch.Tensor, **kwargs: Any
) -> torch.Tensor:
    """``(s + h - p + kappa (h - p)^3) / tau``; ``kappa`` (keyword) must be finite and
    ``>= 0``; the cubic term is 0 where ``kappa == 0`` (``cubic_term``)."""
    _check_tau(tau)
    kappa = kwargs["kappa"]
    k = torch.as_tensor(kappa)
    if not bool(torch.all((k >= 0) & torch.isfinite(k))):
        raise ValueError(f"kappa: expected every value finite and >= 0, got {kappa}")
    d = h - p
    return (s + d + cubic_term(kappa, d)) / tau


def pd_capacity_21(
    p: torch.Tensor, s: torch.Tensor, h: torch.Tensor, tau: torch.Tensor, **kwargs: Any
) -> torch.Tensor:
    """``(s - d (1 - d^2 / C^2)) / tau``, ``d = h - p``, ``C`` = keyword ``capacity``
    (``> 0``). Computed with the ratio ``r = d / C`` (``d (1 - r^2)``), so a tiny ``C``
    whose square underflows gives the formula's value (``s / tau`` at ``d = 0``), not
    ``0 / 0``."""
    _check_tau(tau)
    d, c = h - p, _check_capacity(kwargs["capacity"])
    r = d / c
    return (s - d * (1 - r * r)) / tau


def pd_capacity_21_abs(
    p: torch.Tensor, s: torch.Tensor, h: torch.Tensor, tau: torch.Tensor, **kwargs: Any
) -> torch.Tensor:
    """``(s - d (1 - |d| / C)) / tau``, ``d = h - p``, ``C > 0``."""
    _check_tau(tau)
    d, c = h - p, _check_capacity(kwargs["capacity"])
    return (s - d * (1 - torch.abs(d) / c)) / tau


def pd_capacity_32(
    p: torch.Tensor, s: torch.Tensor, h: torch.Tensor, tau: torch.Tensor, **kwargs: Any
) -> torch.Tensor:
    """``(s + d (1 - d^2 / C^2) (1 - (2 d)^2 / C^2)) / tau``, ``d = h - p`` (a ``+``, as
    upstream's code; its docstring writes ``-``), ``C > 0``, computed with the
    ratio ``r = d / C`` as :func:`pd_capacity_21` (no ``0 / 0`` when ``C^2`` underflows)."""
    _check_tau(tau)
    d, c = h - p, _check_capacity(kwargs["capacity"])
    r = d / c
    return (s + d * (1 - r * r) * (1 - 4 * r * r)) / tau


def pd_capacity_32_abs(
    p: torch.Tensor, s: torch.Tensor, h: torch.Tensor, tau: torch.Tensor, **kwargs: Any
) -> torch.Tensor:
    """``(s + d (1 - |d| / C) (1 - 2 |d| / C)) / tau``, ``d = h - p``, ``C > 0``."""
    _check_tau(tau)
    d, c = h - p, _check_capacity(kwargs["capacity"])
    return (s + d * (1 - torch.abs(d) / c) * (1 - 2 * torch.abs(d) / c)) / tau


CAPACITY_DYNAMICS = (pd_capacity_21, pd_capacity_21_abs, pd_capacity_32, pd_capacity_32_abs)


def initial_log_capacity(dynamics: Callable, activation: Callable) -> float | None:
    """``log C`` at start: ``log 7`` (sigmoid) or ``log 3.8`` (tanh) for capacity-based
    dynamics (the four ``pd_capacity_*`` functions above), None for the others."""
    if dynamics not in CAPACITY_DYNAMICS:
        return None
    if activation is torch.sigmoid:
        return math.log(7.0)
    if activation is torch.tanh:
        return math.log(3.8)
    raise TypeError(
        f"activation_nonlin: expected torch.sigmoid or torch.tanh for capacity-based "
        f"dynamics, got {activation!r}"
    )


class ADNPolicy(PotentialBasedPolicy):
    """Activation Dynamic Network (Luksch et al., IROS 2012), module doc."""

    name: str | None = "adn"

    def __init__(
        self,
        spec: Any,
        activation_nonlin: Callable,
        potentials_dyn_fcn: Callable,
        obs_layer: nn.Module | None = None,
        tau_init: float = 10.0,
        tau_learnable: bool = True,
        kappa_init: float = 1e-3,
        kappa_learnable: bool = True,
        capacity_learnable: bool = True,
        potential_init_learnable: bool = False,
        init_param_kwargs: dict | None = None,
        use_cuda: bool = False,
    ):
        if not callable(potentials_dyn_fcn):
            raise TypeError(f"potentials_dyn_fcn: expected a callable, got {potentials_dyn_fcn!r}")
        checks.flag(capacity_learnable, "capacity_learnable")
        super().__init__(
            spec,
            obs_layer,
            activation_nonlin,
            tau_init,
            tau_learnable,
            kappa_init,
            kappa_learnable,
            potential_init_learnable,
            use_cuda,
        )
        n = self._hidden_size
        self.prev_act_layer = nn.Linear(n, n, bias=False)
        self.pot_to_act_layer = IndiNonlinLayer(n, activation_nonlin, bias=False, weight=True)
        self.potentials_dot_fcn = potentials_dyn_fcn
        self.capacity_learnable = capacity_learnable
        log_c = initial_log_capacity(potentials_dyn_fcn, activation_nonlin)
        self._log_capacity_init = log_c
        if log_c is None:
            self._log_capacity = None
        elif capacity_learnable:
            self._log_capacity = nn.Parameter(torch.tensor([log_c]))
        else:
            self.register_buffer("_log_capacity", torch.tensor([log_c]), persistent=False)
        self.init_param(None, **(init_param_kwargs or {}))
        if self._use_cuda:
            self.cuda()

    def extra_repr(self) -> str:
        return super().extra_repr() + f", capacity_learnable={self.capacity_learnable}"

    @property
    def capacity(self) -> torch.Tensor | None:
        """``C = exp(_log_capacity)`` for capacity-based dynamics, else None."""
        return None if self._log_capacity is None else torch.exp(self._log_capacity)

    def potentials_dot(self, potentials: torch.Tensor, stimuli: torch.Tensor) -> torch.Tensor:
        """``f(p, s, h, tau, kappa=kappa, capacity=C)`` of ``potentials_dyn_fcn``."""
        return self.potentials_dot_fcn(
            potentials,
            stimuli,
            self.resting_level,
            self.tau,
            kappa=self.kappa,
            capacity=self.capacity,
        )

    def init_param(self, init_values: torch.Tensor | None = None, **kwargs: Any) -> None:
        """Random parameters (``prev_act_layer`` with torch's Linear default, or with
        ``sigmoid_nlin=True`` ``-0.5`` off and ``1`` on the diagonal; the scale ``w`` of
        ``pot_to_act_layer`` ``N(0, 1/H)``), or the vector ``init_values``."""
        super().init_param(init_values, **kwargs)
        if init_values is not None:
            return
        init_linear(self.prev_act_layer)
        if kwargs.get("sigmoid_nlin", False):
            with torch.no_grad():
                self.prev_act_layer.weight.fill_(-0.5)
                self.prev_act_layer.weight.fill_diagonal_(1.0)
        self.pot_to_act_layer.reset_parameters()
        with torch.no_grad():
            if self.potentials_dot_fcn is pd_cubic and self.kappa_learnable:
                self._log_kappa.fill_(self._log_kappa_init)
            elif self._log_capacity is not None and self.capacity_learnable:
                assert self._log_capacity_init is not None
                self._log_capacity.fill_(self._log_capacity_init)

    def forward(
        self, obs: torch.Tensor, hidden: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        _batch, p = self.start_potentials(obs, hidden)
        a_prev = self.pot_to_act_layer(p)
        external, internal = self.obs_layer(obs), self.prev_act_layer(a_prev)
        self._stimuli_external, self._stimuli_internal = external.detach(), internal.detach()
        p = p + self.potentials_dot(p, external + internal)
        p = p.clamp(-POTENTIALS_MAX, POTENTIALS_MAX)
        return self.pot_to_act_layer(p), p
