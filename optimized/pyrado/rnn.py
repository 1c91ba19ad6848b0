"""Pyrado's RNN-backed policies, fused: one ``torch.nn.RNN/GRU/LSTM`` call per step batch
and per ``evaluate``.

``forward`` runs each layer's step as one fused cell kernel (``torch.lstm_cell`` ...)
instead of the reference's cell arithmetic in a dozen ops; ``evaluate`` packs all rollouts
(``pack_padded_sequence``) into one sequence-kernel call over every step (oneDNN
/ native on CPU, cuDNN on CUDA) and applies the output layer
as one GEMM, instead of ``T`` Python-level unbatched steps. Parameters, packing and
state_dict are the reference's (``rnn_layers`` is a ``torch.nn.RNNBase`` with the same keys).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from optimized.pyrado.rollouts import batch_rollouts
from reference.pyrado.base import RecurrentPolicy, check_hidden, check_obs
from reference.pyrado.rnn import (
    check_recurrent_kwargs,
    init_linear,
    init_recurrent,
    pack_state,
    recurrent_mode,
    unpack_state,
)
from reference.pyrado.step_sequence import StepSequence

WEIGHTS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
CELLS = {"RNN_TANH": torch.rnn_tanh_cell, "RNN_RELU": torch.rnn_relu_cell, "GRU": torch.gru_cell}


def fused_layers(
    mode: str, input_size: int, hidden: int, layers: int, dropout: float, nonlinearity: str
) -> nn.RNNBase:
    """torch's fused stack for ``mode``, validated like the reference's ``RecurrentLayers``."""
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"hidden_nonlin: expected 'tanh' or 'relu', got {nonlinearity!r}")
    for name, value in (("hidden_size", hidden), ("num_recurrent_layers", layers)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name}: expected a positive int, got {value!r}")
    if not 0.0 <= dropout <= 1.0:
        raise ValueError(f"dropout: expected a probability in [0, 1], got {dropout!r}")
    kwargs: dict[str, Any] = {"nonlinearity": nonlinearity} if mode == "RNN" else {}
    cls = {"RNN": nn.RNN, "GRU": nn.GRU, "LSTM": nn.LSTM}[mode]
    return cls(input_size, hidden, layers, bias=True, dropout=dropout, **kwargs)


def fused_step(
    layers: nn.RNNBase, mode: str, obs: torch.Tensor, hidden: torch.Tensor, batch: int | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(top layer's h' [B, H], packed new state)`` of one step: one fused cell kernel per
    layer (``torch.lstm_cell`` ...), cheaper for a single step than the sequence kernel
    (whose oneDNN path costs milliseconds of setup per call for small sizes)."""
    n, size = layers.num_layers, layers.hidden_size
    h, c = unpack_state(mode, hidden, n, size, batch)
    x = obs.reshape(-1, obs.shape[-1])
    hs, cs = [], []
    for k in range(n):
        if k > 0 and layers.dropout > 0:
            x = F.dropout(x, layers.dropout, layers.training)
        w = [getattr(layers, f"{name}_l{k}") for name in WEIGHTS]
        if c is not None:
            x, c_k = torch.lstm_cell(x, (h[k], c[k]), *w)
            cs.append(c_k)
        else:
            x = CELLS[layers.mode](x, h[k], *w)
        hs.append(x)
    c_new = torch.stack(cs) if c is not None else None
    return x, pack_state(mode, torch.stack(hs), c_new, n, size, batch)


def fused_evaluate(
    policy: Any, layers: nn.RNNBase, mode: str, rollout: Any, name: str
) -> torch.Tensor:
    """The top layer's ``h`` at every step of every rollout, ``[N, H]``, in one kernel call."""
    batched = batch_rollouts(rollout, name, policy.init_hidden)
    n, size = layers.num_layers, layers.hidden_size
    h, c = unpack_state(mode, batched.hidden, n, size, len(batched.lengths))
    state: Any = (h.contiguous(), c.contiguous()) if c is not None else h.contiguous()
    packed = pack_padded_sequence(batched.obs, batched.lengths, enforce_sorted=False)
    out, _ = pad_packed_sequence(layers(packed, state)[0], total_length=batched.obs.shape[0])
    return out.reshape(-1, size)[batched.index]


class RNNPolicyBase(RecurrentPolicy):
    """The reference's ``RNNPolicyBase`` on torch's fused kernels (module doc)."""

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
        self.rnn_layers = fused_layers(
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

    def _head(self, top: torch.Tensor) -> torch.Tensor:
        act = self.output_layer(top)
        return act if self.output_nonlin is None else self.output_nonlin(act)

    def forward(
        self, obs: torch.Tensor, hidden: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        batch = check_obs(obs, self.env_spec.obs_space.flat_dim, self._float_like())
        if hidden is None:
            hidden = self.init_hidden(batch)
        check_hidden(hidden, batch, self.hidden_size, obs)
        top, new = fused_step(self.rnn_layers, self._mode, obs, hidden, batch)
        act = self._head(top)
        return (act if batch is not None else act.reshape(act.shape[-1])), new

    def evaluate(
        self, rollout: StepSequence, hidden_states_name: str = "hidden_states"
    ) -> torch.Tensor:
        training = self.training
        self.eval()
        try:
            top = fused_evaluate(self, self.rnn_layers, self._mode, rollout, hidden_states_name)
            return self._head(top)
        finally:
            self.train(training)


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
    """LSTM layers; the packed state holds ``h`` and ``c``."""

    name: str | None = "lstm"
    recurrent_network_type = nn.LSTM
