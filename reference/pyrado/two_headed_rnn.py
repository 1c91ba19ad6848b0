"""Pyrado's two-headed recurrent policies: one shared recurrent body, two linear heads.

Upstream: ``pyrado/policies/recurrent/two_headed_rnn.py``. One step of ``B`` sequences:

    h'_{1..L} = cells(obs, h_{1..L})
    out_1 = head_1_output_nonlin(W_1 h'_L + b_1),  out_2 = head_2_output_nonlin(W_2 h'_L + b_2)

``forward`` returns ``(out_1, out_2, new hidden)`` and ``evaluate`` ``(out_1, out_2)`` over
every step; head sizes default to the action dim. Packing, ``evaluate``'s loop and the
deviations are those of ``rnn.py``. State_dict keys are upstream's: ``shared.*``,
``head_1.*``, ``head_2.*``.

``script()``: upstream's wrapper unpacks two values from the three this ``forward``
returns, so upstream cannot script a two-headed policy. Here ``script()`` returns a
:class:`StatefulTwoHeadedNetwork`, ``(out_1, out_2) = tm(obs)``, with ``reset()``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from reference.pyrado.base import RecurrentPolicy, check_hidden, check_obs
from reference.pyrado.recurrent_layers import RecurrentLayers
from reference.pyrado.rnn import (
    check_recurrent_kwargs,
    init_linear,
    init_recurrent,
    pack_state,
    recurrent_mode,
    step_through_rollouts,
    unpack_state,
)
from reference.pyrado.step_sequence import StepSequence


def _head_size(value: int | None, default: int, name: str) -> int:
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name}: expected a positive int or None, got {value!r}")
    return value


class TwoHeadedRNNPolicyBase(RecurrentPolicy):
    """A shared stack of the subclass's ``recurrent_network_type`` and two linear heads
    (module doc)."""

    recurrent_network_type: Any = None

    def __init__(
        self,
        spec: Any,
        shared_hidden_size: int,
        shared_num_recurrent_layers: int,
        head_1_size: int | None = None,
        head_2_size: int | None = None,
        head_1_output_nonlin: Callable | None = None,
        head_2_output_nonlin: Callable | None = None,
        shared_dropout: float = 0.0,
        init_param_kwargs: dict | None = None,
        use_cuda: bool = False,
        **recurrent_net_kwargs: Any,
    ):
        super().__init__(spec, use_cuda)
        mode = recurrent_mode(self.recurrent_network_type, type(self).__name__)
        for name, f in (("head_1", head_1_output_nonlin), ("head_2", head_2_output_nonlin)):
            if f is not None and not callable(f):
                raise TypeError(f"{name}_output_nonlin: expected a callable or None, got {f!r}")
        self._mode = mode
        self._hidden_size = shared_hidden_size
        self.num_recurrent_layers = shared_num_recurrent_layers
        self.shared = RecurrentLayers(
            mode,
            spec.obs_space.flat_dim,
            shared_hidden_size,
            shared_num_recurrent_layers,
            shared_dropout,
            check_recurrent_kwargs(recurrent_net_kwargs),
        )
        act_dim = spec.act_space.flat_dim
        self.head_1_size = _head_size(head_1_size, act_dim, "head_1_size")
        self.head_2_size = _head_size(head_2_size, act_dim, "head_2_size")
        self.head_1 = nn.Linear(shared_hidden_size, self.head_1_size)
        self.head_2 = nn.Linear(shared_hidden_size, self.head_2_size)
        self.head_1_output_nonlin = head_1_output_nonlin
        self.head_2_output_nonlin = head_2_output_nonlin
        self.init_param(None, **(init_param_kwargs or {}))
        if self._use_cuda:
            self.cuda()

    def init_param(self, init_values: torch.Tensor | None = None, **kwargs: Any) -> None:
        if init_values is not None:
            self.param_values = init_values
            return
        init_recurrent(self.shared, **kwargs)
        init_linear(self.head_1)
        init_linear(self.head_2)

    @property
    def hidden_size(self) -> int:
        per_layer = 2 * self._hidden_size if self._mode == "LSTM" else self._hidden_size
        return self.num_recurrent_layers * per_layer

    def forward(  # type: ignore[override]
        self, obs: torch.Tensor, hidden: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        batch = check_obs(obs, self.env_spec.obs_space.flat_dim, self._float_like())
        if hidden is None:
            hidden = self.init_hidden(batch)
        check_hidden(hidden, batch, self.hidden_size, obs)
        layers, size = self.num_recurrent_layers, self._hidden_size
        h, c = unpack_state(self._mode, hidden, layers, size, batch)
        top, h, c = self.shared(obs.reshape(-1, obs.shape[-1]), h, c)
        out_1, out_2 = self.head_1(top), self.head_2(top)
        if self.head_1_output_nonlin is not None:
            out_1 = self.head_1_output_nonlin(out_1)
        if self.head_2_output_nonlin is not None:
            out_2 = self.head_2_output_nonlin(out_2)
        if batch is None:
            out_1, out_2 = out_1.reshape(self.head_1_size), out_2.reshape(self.head_2_size)
        return out_1, out_2, pack_state(self._mode, h, c, layers, size, batch)

    def evaluate(  # type: ignore[override]
        self, rollout: StepSequence, hidden_states_name: str = "hidden_states"
    ) -> tuple[torch.Tensor, torch.Tensor]:
        outputs = step_through_rollouts(self, rollout, hidden_states_name)
        return torch.stack([o[0] for o in outputs]), torch.stack([o[1] for o in outputs])

    def script(self) -> torch.jit.ScriptModule:
        return torch.jit.script(StatefulTwoHeadedNetwork(self))


class StatefulTwoHeadedNetwork(nn.Module):
    """``StatefulRecurrentNetwork`` for a two-headed policy: ``(out_1, out_2) = tm(obs)``."""

    def __init__(self, net: TwoHeadedRNNPolicyBase):
        super().__init__()
        self.input_size = int(net.env_spec.obs_space.flat_dim)
        self.output_size = int(net.env_spec.act_space.flat_dim)
        hidden = net.init_hidden().detach().clone()
        self.register_buffer("hidden", hidden)
        obs = torch.as_tensor(
            np.asarray(net.env_spec.obs_space.sample_uniform()).reshape(-1),
            dtype=hidden.dtype,
            device=hidden.device,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            self.net = torch.jit.trace_module(
                net, {"forward": (obs, hidden.clone()), "init_hidden": ()}
            )

    @torch.jit.export
    def reset(self) -> None:
        self.hidden.copy_(self.net.init_hidden())  # type: ignore[operator]

    def forward(self, inp: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out_1, out_2, hid = self.net(inp, self.hidden)  # type: ignore[operator]
        self.hidden.copy_(hid.detach())  # type: ignore[operator]
        return out_1, out_2


class TwoHeadedRNNPolicy(TwoHeadedRNNPolicyBase):
    """Elman RNN body, ``shared_hidden_nonlin`` ``tanh`` or ``relu``."""

    name: str | None = "thrnn"
    recurrent_network_type = nn.RNN

    def __init__(
        self,
        spec: Any,
        shared_hidden_size: int,
        shared_num_recurrent_layers: int,
        shared_hidden_nonlin: str = "tanh",
        head_1_size: int | None = None,
        head_2_size: int | None = None,
        head_1_output_nonlin: Callable | None = None,
        head_2_output_nonlin: Callable | None = None,
        shared_dropout: float = 0.0,
        init_param_kwargs: dict | None = None,
        use_cuda: bool = False,
    ):
        super().__init__(
            spec,
            shared_hidden_size,
            shared_num_recurrent_layers,
            head_1_size,
            head_2_size,
            head_1_output_nonlin,
            head_2_output_nonlin,
            shared_dropout,
            init_param_kwargs,
            use_cuda,
            nonlinearity=shared_hidden_nonlin,
        )


class TwoHeadedGRUPolicy(TwoHeadedRNNPolicyBase):
    """GRU body."""

    name: str | None = "thgru"
    recurrent_network_type = nn.GRU


class TwoHeadedLSTMPolicy(TwoHeadedRNNPolicyBase):
    """LSTM body; the packed state holds ``h`` and ``c``: ``2 * L * H`` values."""

    name: str | None = "thlstm"
    recurrent_network_type = nn.LSTM
