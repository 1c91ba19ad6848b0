"""Pyrado's RNN-backed policies: a stack of RNN / GRU / LSTM layers and a linear output.

Upstream: ``pyrado/policies/recurrent/rnn.py``. One step of ``B`` sequences:

    h'_{1..L} = cells(obs, h_{1..L})          (recurrent_layers.py)
    act = output_nonlin(W_out h'_L + b_out)   (no nonlinearity when output_nonlin is None)

The packed hidden state is ``default_pack_hidden``'s layer-major layout, ``L * H`` values
per row; an LSTM packs ``[h_1 .. h_L, c_1 .. c_L]``: ``2 * L * H`` values, h before c.
State_dict keys are upstream's: ``rnn_layers.{weight,bias}_{ih,hh}_l{k}``,
``output_layer.{weight,bias}``.

``evaluate`` is the literal loop: for every rollout, start from the hidden state recorded
at its first step (``init_hidden()`` when the rollout has no ``hidden_states_name`` field)
and step through its observations one unbatched step at a time. Deviations from upstream:
``evaluate`` restores the training mode the policy had (upstream leaves it in training
mode); ``recurrent_net_kwargs`` accepts only ``nonlinearity`` (the argument upstream's
``RNNPolicy`` passes), anything else is a ``TypeError``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from reference.pyrado.base import (
    RecurrentPolicy,
    check_hidden,
    check_obs,
    default_pack_hidden,
    default_unpack_hidden,
    read_rollout,
)
from reference.pyrado.recurrent_layers import RecurrentLayers
from reference.pyrado.step_sequence import StepSequence


def recurrent_mode(network_type: Any, owner: str) -> str:
    """``RNN`` / ``GRU`` / ``LSTM`` for the torch class a policy class names."""
    if network_type not in (nn.RNN, nn.GRU, nn.LSTM):
        raise TypeError(
            f"{owner}: expected recurrent_network_type nn.RNN, nn.GRU or nn.LSTM (set by a "
            f"subclass), got {network_type!r}"
        )
    return network_type.__name__


def check_recurrent_kwargs(kwargs: dict[str, Any]) -> str:
    """The ``nonlinearity`` of ``recurrent_net_kwargs`` (``tanh`` by default)."""
    unknown = sorted(set(kwargs) - {"nonlinearity"})
    if unknown:
        raise TypeError(f"recurrent_net_kwargs: expected only 'nonlinearity', got {unknown}")
    return kwargs.get("nonlinearity", "tanh")


def init_recurrent(layers: Any, **kwargs: Any) -> None:
    """Pyrado's ``init_param`` of a recurrent stack: uniform in ``+-1/sqrt(H)``; for an LSTM
    with ``t_max`` the chrono initialisation (Tallec & Ollivier 2018): ``W_ih`` orthogonal,
    ``W_hh`` four stacked identities, biases zero except the forget gate's
    ``log U(1, t_max - 1)`` and the input gate's, its negative. ``layers``: a
    :class:`RecurrentLayers` or a ``torch.nn.RNNBase`` (both have ``mode`` and
    ``hidden_size``)."""
    hidden = layers.hidden_size
    for name, p in layers.named_parameters():
        if "t_max" in kwargs and layers.mode == "LSTM":
            with torch.no_grad():
                if "weight_ih" in name:
                    nn.init.orthogonal_(p)
                elif "weight_hh" in name:
                    p.copy_(torch.eye(hidden, dtype=p.dtype).repeat(4, 1))
                else:
                    p.zero_()
                    forget = p[hidden : 2 * hidden]
                    forget.copy_(torch.log(forget.uniform_(1.0, float(kwargs["t_max"]) - 1.0)))
                    p[:hidden] = -p[hidden : 2 * hidden]
        else:
            bound = 1.0 / math.sqrt(hidden)
            nn.init.uniform_(p, -bound, bound)


def init_linear(layer: nn.Linear) -> None:
    """torch's default ``nn.Linear`` initialisation (Pyrado's ``init_param`` of a Linear)."""
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5))
    if layer.bias is not None:
        bound = 1.0 / math.sqrt(layer.weight.shape[1]) if layer.weight.shape[1] > 0 else 0.0
        nn.init.uniform_(layer.bias, -bound, bound)


def unpack_state(
    mode: str, hidden: torch.Tensor, layers: int, size: int, batch: int | None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The packed state as ``h [L, B, H]`` and, for an LSTM, ``c [L, B, H]``."""
    if mode != "LSTM":
        return default_unpack_hidden(hidden, layers, size, batch), None
    rows = hidden.reshape(-1, 2, layers, size)  # [B, (h, c), L, H]
    return rows[:, 0].transpose(0, 1), rows[:, 1].transpose(0, 1)


def pack_state(
    mode: str, h: torch.Tensor, c: torch.Tensor | None, layers: int, size: int, batch: int | None
) -> torch.Tensor:
    """The inverse of :func:`unpack_state`."""
    if c is None:
        return default_pack_hidden(h, layers, size, batch)
    rows = torch.stack([h.transpose(0, 1), c.transpose(0, 1)], dim=1)  # [B, 2, L, H]
    flat = rows.reshape(rows.shape[0], 2 * layers * size)
    return flat if batch is not None else flat.reshape(2 * layers * size)


def step_through_rollouts(
    policy: RecurrentPolicy, rollout: StepSequence, hidden_states_name: str
) -> list[Any]:
    """The outputs (all but the new hidden state) of every step of every rollout, each
    rollout started from its first step's recorded hidden state (module doc)."""
    data = read_rollout(rollout, hidden_states_name, policy)
    training = policy.training
    policy.eval()
    try:
        outputs = []
        for i, (start, end) in enumerate(itertools.pairwise(data.bounds)):
            hidden = None if data.first_hidden is None else data.first_hidden[i]
            for t in range(start, end):
                *out, hidden = policy(data.observations[t], hidden)
                outputs.append(out)
    finally:
        policy.train(training)
    return outputs


class RNNPolicyBase(RecurrentPolicy):
    """A recurrent policy wrapping ``num_recurrent_layers`` cells of the subclass's
    ``recurrent_network_type`` with ``hidden_size`` units each (module doc)."""

    recurrent_network_type: Any = None

    def __init__(
        self,
        spec: Any,
        hidden_size: int,
        num_recurrent_layers: int,
        output_nonlin: Callable | None = None,
        dropout: float = 0.0,
        init_param_kwargs: dict | None = None,
        use_cuda: bool = False,
        **recurrent_net_kwargs: Any,
    ):
        super().__init__(spec, use_cuda)
        mode = recurrent_mode(self.recurrent_network_type, type(self).__name__)
        if output_nonlin is not None and not callable(output_nonlin):
            raise TypeError(f"output_nonlin: expected a callable or None, got {output_nonlin!r}")
        self._mode = mode
        self._hidden_size = hidden_size
        self.num_recurrent_layers = num_recurrent_layers
        self.rnn_layers = RecurrentLayers(
            mode,
            spec.obs_space.flat_dim,
            hidden_size,
            num_recurrent_layers,
            dropout,
            check_recurrent_kwargs(recurrent_net_kwargs),
        )
        self.output_layer = nn.Linear(hidden_size, spec.act_space.flat_dim)
        self.output_nonlin = output_nonlin
        self.init_param(None, **(init_param_kwargs or {}))
        if self._use_cuda:
            self.cuda()

    def init_param(self, init_values: torch.Tensor | None = None, **kwargs: Any) -> None:
        if init_values is not None:
            self.param_values = init_values
            return
        init_recurrent(self.rnn_layers, **kwargs)
        init_linear(self.output_layer)

    @property
    def hidden_size(self) -> int:
        per_layer = 2 * self._hidden_size if self._mode == "LSTM" else self._hidden_size
        return self.num_recurrent_layers * per_layer

    def forward(
        self, obs: torch.Tensor, hidden: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        batch = check_obs(obs, self.env_spec.obs_space.flat_dim, self._float_like())
        if hidden is None:
            hidden = self.init_hidden(batch)
        check_hidden(hidden, batch, self.hidden_size, obs)
        layers, size = self.num_recurrent_layers, self._hidden_size
        h, c = unpack_state(self._mode, hidden, layers, size, batch)
        top, h, c = self.rnn_layers(obs.reshape(-1, obs.shape[-1]), h, c)
        act = self.output_layer(top)
        if self.output_nonlin is not None:
            act = self.output_nonlin(act)
        if batch is None:
            act = act.reshape(act.shape[-1])
        return act, pack_state(self._mode, h, c, layers, size, batch)

    def evaluate(
        self, rollout: StepSequence, hidden_states_name: str = "hidden_states"
    ) -> torch.Tensor:
        outputs = step_through_rollouts(self, rollout, hidden_states_name)
        return torch.stack([out[0] for out in outputs])


class RNNPolicy(RNNPolicyBase):
    """Elman RNN layers, ``hidden_nonlin`` ``tanh`` or ``relu``."""

    name: str | None = "rnn"
    recurrent_network_type = nn.RNN

    def __init__(
        self,
        spec: Any,
        hidden_size: int,
        num_recurrent_layers: int,
        hidden_nonlin: str = "tanh",
        output_nonlin: Callable | None = None,
        dropout: float = 0.0,
        init_param_kwargs: dict | None = None,
        use_cuda: bool = False,
    ):
        super().__init__(
            spec,
            hidden_size,
            num_recurrent_layers,
            output_nonlin,
            dropout,
            init_param_kwargs,
            use_cuda,
            nonlinearity=hidden_nonlin,
        )


class GRUPolicy(RNNPolicyBase):
    """GRU layers."""

    name: str | None = "gru"
    recurrent_network_type = nn.GRU


class LSTMPolicy(RNNPolicyBase):
    """LSTM layers; the packed state holds ``h`` and ``c``: ``2 * L * H`` values."""

    name: str | None = "lstm"
    recurrent_network_type = nn.LSTM
