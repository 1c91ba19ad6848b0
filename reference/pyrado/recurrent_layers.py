"""Stacked RNN / GRU / LSTM cells for one time step, written out.

The parameters are ``torch.nn.RNN`` / ``GRU`` / ``LSTM``'s, with their names, shapes and
gate order (``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}``;
gates stacked ``[r, z, n]`` for the GRU and ``[i, f, g, o]`` for the LSTM), so a Pyrado
policy's ``rnn_layers.*`` weights load by key. For layer ``k`` with input ``x`` (the
observation for ``k = 0``, else layer ``k - 1``'s new ``h``, with dropout in training mode):

* RNN:  ``h' = act(W_ih x + b_ih + W_hh h + b_hh)``, ``act`` tanh or relu
* GRU:  ``r = sigm(W_ir x + b_ir + W_hr h + b_hr)``, ``z = sigm(W_iz x + b_iz + W_hz h + b_hz)``,
  ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``
* LSTM: ``i, f, g, o = W_ih x + b_ih + W_hh h + b_hh`` (split in four),
  ``c' = sigm(f) * c + sigm(i) * tanh(g)``, ``h' = sigm(o) * tanh(c')``
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}


class RecurrentLayers(nn.Module):
    """``num_layers`` cells of type ``mode`` (``RNN``, ``GRU`` or ``LSTM``), one step at a time.

    ``forward(x [B, in], h [L, B, H], c [L, B, H] or None) -> (top h [B, H], h', c')``.
    Parameters start uniform in ``+-1/sqrt(H)`` (torch's and Pyrado's default).
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int,
        dropout: float = 0.0,
        nonlinearity: str = "tanh",
    ):
        super().__init__()
        if mode not in GATES:
            raise ValueError(f"mode: expected one of {list(GATES)}, got {mode!r}")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"hidden_nonlin: expected 'tanh' or 'relu', got {nonlinearity!r}")
        for name, value in (("hidden_size", hidden_size), ("num_recurrent_layers", num_layers)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name}: expected a positive int, got {value!r}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"dropout: expected a probability in [0, 1], got {dropout!r}")
        self.mode, self.nonlinearity = mode, nonlinearity
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.dropout = dropout
        rows = GATES[mode] * hidden_size
        for k in range(num_layers):
            fan = input_size if k == 0 else hidden_size
            self.register_parameter(f"weight_ih_l{k}", nn.Parameter(torch.empty(rows, fan)))
            self.register_parameter(f"weight_hh_l{k}", nn.Parameter(torch.empty(rows, hidden_size)))
            self.register_parameter(f"bias_ih_l{k}", nn.Parameter(torch.empty(rows)))
            self.register_parameter(f"bias_hh_l{k}", nn.Parameter(torch.empty(rows)))
        bound = 1.0 / math.sqrt(hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def cell(
        self, k: int, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Layer ``k``'s new ``(h, c)`` (``c`` None except for the LSTM)."""
        w_ih, w_hh = getattr(self, f"weight_ih_l{k}"), getattr(self, f"weight_hh_l{k}")
        b_ih, b_hh = getattr(self, f"bias_ih_l{k}"), getattr(self, f"bias_hh_l{k}")
        gi = x @ w_ih.T + b_ih
        gh = h @ w_hh.T + b_hh
        if self.mode == "RNN":
            act = torch.tanh if self.nonlinearity == "tanh" else torch.relu
            return act(gi + gh), None
        if self.mode == "GRU":
            i_r, i_z, i_n = gi.chunk(3, dim=-1)
            h_r, h_z, h_n = gh.chunk(3, dim=-1)
            r = torch.sigmoid(i_r + h_r)
            z = torch.sigmoid(i_z + h_z)
            n = torch.tanh(i_n + r * h_n)
            return (1 - z) * n + z * h, None
        assert c is not None
        i, f, g, o = (gi + gh).chunk(4, dim=-1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c_new), c_new

    def forward(
        self, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        hs: list[torch.Tensor] = []
        cs: list[torch.Tensor] = []
        for k in range(self.num_layers):
            if k > 0:
                x = F.dropout(x, self.dropout, self.training)
            h_k, c_k = self.cell(k, x, h[k], None if c is None else c[k])
            hs.append(h_k)
            if c_k is not None:
                cs.append(c_k)
            x = h_k
        c_new = None if c is None else torch.stack(cs)
        return x, torch.stack(hs), c_new
