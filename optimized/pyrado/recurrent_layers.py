"""Twin of ``reference.pyrado.recurrent_layers``: the stacked cells on torch's fused kernels.

The parameters are the reference's, by name and in torch's gate order, so torch's kernels
read them as they are: nothing is copied, the state_dict is the reference's.
"""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import PackedSequence

from optimized.twin import Twin
from reference.pyrado import recurrent_layers as ref

WEIGHTS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
CELLS = {"tanh": torch.rnn_tanh_cell, "relu": torch.rnn_relu_cell}
SEQUENCES = {"tanh": torch.rnn_tanh, "relu": torch.rnn_relu}


class RecurrentLayers(Twin, ref.RecurrentLayers):
    """A step is one fused cell kernel per layer (``torch.lstm_cell`` ...) instead of the
    reference's dozen elementwise ops; :meth:`unroll` runs packed sequences through torch's
    multi-layer sequence kernel (oneDNN / native on CPU, cuDNN on CUDA) in one call."""

    def layer_weights(self, k: int) -> list[torch.Tensor]:
        return [getattr(self, f"{name}_l{k}") for name in WEIGHTS]

    def forward(
        self, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        hs: list[torch.Tensor] = []
        cs: list[torch.Tensor] = []
        for k in range(self.num_layers):
            if k > 0 and self.dropout > 0:
                x = F.dropout(x, self.dropout, self.training)
            w = self.layer_weights(k)
            if self.mode == "LSTM":
                assert c is not None
                x, c_k = torch.lstm_cell(x, (h[k], c[k]), *w)
                cs.append(c_k)
            elif self.mode == "GRU":
                x = torch.gru_cell(x, h[k], *w)
            else:
                x = CELLS[self.nonlinearity](x, h[k], *w)
            hs.append(x)
        return x, torch.stack(hs), (torch.stack(cs) if self.mode == "LSTM" else None)

    def unroll(
        self, packed: PackedSequence, h: torch.Tensor, c: torch.Tensor | None = None
    ) -> PackedSequence:
        """The top layer's ``h`` at every step of the packed sequences, started from
        ``h`` (and ``c``) ``[L, B, H]`` in the batch's own order (``forward`` step by step)."""
        order = packed.sorted_indices

        def sort(state: torch.Tensor) -> torch.Tensor:
            return state.contiguous() if order is None else state.index_select(1, order)

        weights = [w for k in range(self.num_layers) for w in self.layer_weights(k)]
        config = (True, self.num_layers, float(self.dropout), self.training, False)
        data, sizes = packed.data, packed.batch_sizes
        with warnings.catch_warnings():
            # cuDNN packs the separate weights into its own buffer on every call and warns
            # so; the parameters stay the reference's, as they are
            warnings.filterwarnings("ignore", message=".*single contiguous chunk of memory")
            if self.mode == "LSTM":
                assert c is not None
                out = torch.lstm(data, sizes, (sort(h), sort(c)), weights, *config)[0]
            elif self.mode == "GRU":
                out = torch.gru(data, sizes, sort(h), weights, *config)[0]
            else:
                out = SEQUENCES[self.nonlinearity](data, sizes, sort(h), weights, *config)[0]
        return PackedSequence(out, sizes, packed.sorted_indices, packed.unsorted_indices)
