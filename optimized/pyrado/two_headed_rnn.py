"""Pyrado's two-headed recurrent policies on torch's fused kernels: the shared body as one
``torch.nn.RNN/GRU/LSTM`` call per step batch and per ``evaluate`` (all rollouts packed),
each head one GEMM over all steps. Parameters, packing and state_dict are the reference's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from optimized.pyrado.rnn import fused_evaluate, fused_layers, fused_step
from reference.pyrado.base import RecurrentPolicy, check_hidden, check_obs
from reference.pyrado.rnn import (
    check_recurrent_kwargs,
    init_linear,
    init_recurrent,
    recurrent_mode,
)
from reference.pyrado.step_sequence import StepSequence
from reference.pyrado.two_headed_rnn import StatefulTwoHeadedNetwork


def _head_size(value: int | None, default: int, name: str) -> int:
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name}: expected a positive int or None, got {value!r}")
    return value


class TwoHeadedRNNPolicyBase(RecurrentPolicy):
    """The reference's ``TwoHeadedRNNPolicyBase`` on torch's fused kernels (module doc)."""

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
        self.shared = fused_layers(
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

    def _heads(self, top: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out_1, out_2 = self.head_1(top), self.head_2(top)
        if self.head_1_output_nonlin is not None:
            out_1 = self.head_1_output_nonlin(out_1)
        if self.head_2_output_nonlin is not None:
            out_2 = self.head_2_output_nonlin(out_2)
        return out_1, out_2

    def forward(  # type: ignore[override]
        self, obs: torch.Tensor, hidden: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        batch = check_obs(obs, self.env_spec.obs_space.flat_dim, self._float_like())
        if hidden is None:
            hidden = self.init_hidden(batch)
        check_hidden(hidden, batch, self.hidden_size, obs)
        top, new = fused_step(self.shared, self._mode, obs, hidden, batch)
        out_1, out_2 = self._heads(top)
        if batch is None:
            out_1, out_2 = out_1.reshape(self.head_1_size), out_2.reshape(self.head_2_size)
        return out_1, out_2, new

    def evaluate(  # type: ignore[override]
        self, rollout: StepSequence, hidden_states_name: str = "hidden_states"
    ) -> tuple[torch.Tensor, torch.Tensor]:
        training = self.training
        self.eval()
        try:
            top = fused_evaluate(self, self.shared, self._mode, rollout, hidden_states_name)
            return self._heads(top)
        finally:
            self.train(training)

    def script(self) -> torch.jit.ScriptModule:
        return torch.jit.script(StatefulTwoHeadedNetwork(self))  # type: ignore[arg-type]


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
    """LSTM body; the packed state holds ``h`` and ``c``."""

    name: str | None = "thlstm"
    recurrent_network_type = nn.LSTM
